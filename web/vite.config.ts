import { defineConfig } from 'vitest/config';
import type { Plugin } from 'vite';
import react from '@vitejs/plugin-react';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Apple Pay on the web needs Apple's domain-association file at
 * /.well-known/apple-developer-merchantid-domain-association. Stripe provides it for your account;
 * point APPLE_PAY_DOMAIN_ASSOCIATION_FILE at it at build time and it is served from there.
 */
function applePayDomainAssociation(): Plugin {
  const file = process.env.APPLE_PAY_DOMAIN_ASSOCIATION_FILE;
  const path = '.well-known/apple-developer-merchantid-domain-association';
  return {
    name: 'apple-pay-domain-association',
    configureServer(server) {
      if (!file) return;
      server.middlewares.use(`/${path}`, (_req, res) => res.end(readFileSync(file)));
    },
    generateBundle() {
      if (file) this.emitFile({ type: 'asset', fileName: path, source: readFileSync(file) });
    },
  };
}

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  plugins: [react(), applePayDomainAssociation()],
  // Preact's React compatibility layer instead of React: the code stays React (same hooks, same
  // types), and the pages ship 4 KB of renderer instead of React's 66 KB (gzip), which alone was
  // over the sign-in page's 90 KB budget (`npm run bench:web`). The production build (which the
  // browser tests drive, in Chromium) and the dev server run on it; the component tests keep React,
  // because Testing Library renders through react-dom's CommonJS build, which no alias reaches.
  resolve: {
    alias: process.env.VITEST ? [] : [
      { find: /^react$/, replacement: 'preact/compat' },
      { find: /^react-dom$/, replacement: 'preact/compat' },
      { find: /^react-dom\/client$/, replacement: 'preact/compat/client' },
      { find: /^react-dom\/test-utils$/, replacement: 'preact/test-utils' },
      { find: /^react\/jsx-runtime$/, replacement: 'preact/compat/jsx-runtime' },
      { find: /^react\/jsx-dev-runtime$/, replacement: 'preact/compat/jsx-dev-runtime' },
    ],
  },
  envPrefix: 'VITE_',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    target: 'es2022',
    rollupOptions: {
      output: {
        // Libraries in their own long-cached chunks, apart from our code.
        manualChunks(id: string) {
          if (/node_modules\/(preact|react|react-dom|scheduler)\//.test(id)) return 'vendor-react';
          if (id.includes('node_modules/@supabase/')) return 'vendor-supabase';
          if (id.includes('node_modules/@stripe/')) return 'vendor-stripe';
          return undefined;
        },
      },
    },
  },
  server: { host: '127.0.0.1', port: 5173, strictPort: true },
  preview: { host: '127.0.0.1', port: 4173 },
  test: {
    environment: 'happy-dom',
    include: ['src/**/*.test.{ts,tsx}'],
    restoreMocks: true,
  },
});
