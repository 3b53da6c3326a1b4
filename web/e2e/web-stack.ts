// The whole web stack for browser tests: the built app (vite build) on a static server, Debian's
// Chromium driven by playwright-core, the FAKE Supabase gateway and FAKE Stripe (API + Stripe.js)
// at the network boundary, and behind them the REAL edge functions under Deno and the REAL
// database. Pages fail their test on any console error.
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import { build as esbuild } from 'esbuild';
import { build as viteBuild } from 'vite';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { freePort } from '../../scripts/lib/local-postgres.ts';
import { repoRoot } from '../../scripts/lib/supabase-compat.ts';
import { createTestDatabase, type TestDatabase } from '../../supabase/tests/helpers/test-database.ts';
import { createTestSigner, TEST_SUPABASE_URL, type TestSigner } from '../../supabase/tests/helpers/access-tokens.ts';
import { startEdgeFunction, type RunningFunction } from '../../scripts/lib/edge-functions.ts';
import { FakeStripe } from '../../supabase/tests/fakes/fake-stripe.ts';
import { FakeSupabase } from './fakes/fake-supabase.ts';
import { accessTokenIssuer, testSuperuserUrl } from '../../supabase/tests/helpers/access-token-hook.ts';

// An iPhone 14/15 (390 × 844 CSS px) and a laptop.
export const SIZES = { phone: { width: 390, height: 844 }, desktop: { width: 1280, height: 800 } } as const;
export type Size = keyof typeof SIZES;
export const ARTIFACTS = join(repoRoot, 'test-artifacts', 'screenshots');
export const PUBLISHABLE_KEY = 'sb_publishable_test_web';
export const STRIPE_PUBLISHABLE_KEY = 'pk_test_fakeWebE2E';

const CONTENT_TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.json': 'application/json', '.svg': 'image/svg+xml' };

export interface WebStack {
  origin: string;
  db: TestDatabase;
  signer: TestSigner;
  stripe: FakeStripe;
  supabase: FakeSupabase;
  distDir: string;
  open(size: Size, options?: { wallets?: { applePay?: boolean; googlePay?: boolean; link?: boolean } }): Promise<WebPage>;
  /** Serves Stripe's hosts from the fakes in a browser context (open() does it for its pages). */
  routeFakes(context: BrowserContext): Promise<void>;
  stop(): Promise<void>;
}

export interface WebPage {
  page: Page;
  context: BrowserContext;
  consoleErrors: string[];
  size: Size;
  screenshot(name: string): Promise<void>;
  close(): Promise<void>;
}

async function serveStatic(dir: string): Promise<{ server: Server; origin: string }> {
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const file = path.includes('..') ? null : join(dir, path);
    for (const candidate of file && extname(path) ? [file] : [join(dir, 'index.html')]) {
      try {
        const body = await readFile(candidate);
        res.writeHead(200, { 'content-type': CONTENT_TYPES[extname(candidate)] ?? 'application/octet-stream' });
        return res.end(body);
      } catch {
        /* fall through */
      }
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, origin: `http://127.0.0.1:${(server.address() as { port: number }).port}` };
}

/** Builds the app exactly as for production, with the given public configuration. */
export async function buildWeb(outDir: string, env: Record<string, string>, extraEnv: Record<string, string> = {}): Promise<void> {
  const saved = { ...process.env };
  Object.assign(process.env, env, extraEnv);
  try {
    await viteBuild({ configFile: join(repoRoot, 'web', 'vite.config.ts'), logLevel: 'warn', build: { outDir, emptyOutDir: true } });
  } finally {
    for (const key of Object.keys({ ...env, ...extraEnv })) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
  }
}

let fakeStripeJs: Promise<string> | undefined;
export function fakeStripeJsBundle(): Promise<string> {
  fakeStripeJs ??= esbuild({
    stdin: {
      contents: `import { installFakeStripe } from './fake-stripe-js.ts'; installFakeStripe(window, window.__FAKE_STRIPE_OPTIONS__ ?? {});`,
      resolveDir: join(repoRoot, 'web', 'e2e', 'fakes'),
      loader: 'ts',
    },
    bundle: true, write: false, format: 'iife', target: 'es2022',
  }).then((r) => r.outputFiles[0].text);
  return fakeStripeJs;
}

/** Debian's Chromium, headless, with nothing reaching out to the network on its own (also bench:web's). */
export const CHROMIUM = {
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
};

export async function startWebStack(): Promise<WebStack> {
  const db = await createTestDatabase();
  const signer = await createTestSigner();
  const stripe = await new FakeStripe().start();
  stripe.seedPremiumPrice();
  const supabasePort = await freePort();
  const supabaseUrl = `http://127.0.0.1:${supabasePort}`;
  const distDir = await mkdtemp(join(tmpdir(), 'web-dist-'));
  await buildWeb(distDir, {
    VITE_SUPABASE_URL: supabaseUrl,
    VITE_SUPABASE_PUBLISHABLE_KEY: PUBLISHABLE_KEY,
    VITE_STRIPE_PUBLISHABLE_KEY: STRIPE_PUBLISHABLE_KEY,
  });
  const web = await serveStatic(distDir);
  const webhookSecret = `whsec_${randomBytes(16).toString('hex')}`;
  const env = {
    SUPABASE_DB_URL: db.url,
    SUPABASE_URL: TEST_SUPABASE_URL,
    SUPABASE_JWKS: signer.jwks,
    WEB_APP_URL: web.origin,
    WEB_ALLOWED_ORIGINS: web.origin,
    STRIPE_WEBHOOK_SECRET: webhookSecret,
    ...stripe.env(),
  };
  const functions: Record<string, RunningFunction> = {};
  await Promise.all(['subscribe', 'portal', 'stripe-webhook', 'delete-account'].map(async (name) => (functions[name] = await startEdgeFunction(name, env))));
  // Buy on the web from the iOS app: these call Auth's admin API, at the fake gateway, with the
  // legacy service_role key (a JWT the fake GoTrue trusts, as GoTrue trusts the project's).
  const authAdminEnv = {
    ...env,
    SUPABASE_URL: supabaseUrl,
    SUPABASE_JWT_ISSUER: `${TEST_SUPABASE_URL}/auth/v1`,
    SUPABASE_SERVICE_ROLE_KEY: await signer.token(randomUUID(), { role: 'service_role', expiresInSeconds: 10 * 365 * 86_400 }),
  };
  await Promise.all(['web-checkout-link', 'web-checkout-exchange'].map(async (name) => (functions[name] = await startEdgeFunction(name, authAdminEnv))));
  stripe.webhook = { url: functions['stripe-webhook'].url, secret: webhookSecret };
  const supabase = await new FakeSupabase(db, signer, Object.fromEntries(Object.entries(functions).map(([k, f]) => [k, f.url])), supabasePort).start();
  // Tokens carry the entitlements claim, from the real hook function in the test database.
  supabase.accessTokens = await accessTokenIssuer(testSuperuserUrl(db.name));
  const browser: Browser = await chromium.launch(CHROMIUM);
  await mkdir(ARTIFACTS, { recursive: true });
  const stripeJs = await fakeStripeJsBundle();

  // The network boundary: Stripe's hosts are served by the fakes; nothing else leaves the machine.
  async function routeFakes(context: BrowserContext) {
    await context.route('https://js.stripe.com/**', (route) => route.fulfill({ status: 200, contentType: 'text/javascript', body: stripeJs }));
    await context.route('https://api.stripe.com/**', async (route) => {
      const request = route.request();
      const url = new URL(request.url());
      const res = await fetch(`http://127.0.0.1:${stripe.port}${url.pathname}${url.search}`, {
        method: request.method(), headers: { 'content-type': request.headers()['content-type'] ?? 'application/x-www-form-urlencoded' },
        body: request.method() === 'GET' ? undefined : request.postData() ?? undefined,
      });
      await route.fulfill({ status: res.status, headers: { 'content-type': 'application/json', 'access-control-allow-origin': '*' }, body: await res.text() });
    });
    await context.route('https://billing.stripe.com/**', (route) => route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><title>Stripe customer portal</title><h1>Stripe customer portal (fake)</h1>' }));
  }

  return {
    origin: web.origin, db, signer, stripe, supabase, distDir, routeFakes,
    async open(size, options = {}) {
      const context = await browser.newContext({ viewport: SIZES[size], locale: 'en-US', timezoneId: 'UTC' });
      await context.addInitScript((wallets) => {
        (window as unknown as { __FAKE_STRIPE_OPTIONS__: unknown }).__FAKE_STRIPE_OPTIONS__ = { wallets };
      }, options.wallets ?? { applePay: false, googlePay: true, link: true });
      await routeFakes(context);
      const page = await context.newPage();
      const consoleErrors: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error') consoleErrors.push(message.text());
      });
      page.on('pageerror', (error) => consoleErrors.push(String(error)));
      return {
        page, context, consoleErrors, size,
        screenshot: async (name) => {
          await page.screenshot({ path: join(ARTIFACTS, `${name}-${size}.png`), fullPage: true });
        },
        close: () => context.close(),
      };
    },
    async stop() {
      await browser.close();
      await supabase.stop();
      await supabase.accessTokens?.end();
      await Promise.all(Object.values(functions).map((f) => f.stop()));
      await stripe.stop();
      await new Promise<void>((resolve) => web.server.close(() => resolve()));
      await rm(distDir, { recursive: true, force: true });
      await db.drop();
    },
  };
}
