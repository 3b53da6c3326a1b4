// The web app in `npm run dev`: Vite's dev server, built against the local stack only.
//
// - Supabase: the local gateway (http://127.0.0.1:<api port>), which serves Auth and the Data API
//   with the stand-in the browser tests use (web/e2e/fakes/fake-supabase.ts: GoTrue's endpoints,
//   users in the real auth tables, Data API requests run in the real database under the caller's
//   role) and the real edge functions.
// - Stripe: by default the local Stripe stand-in — the FAKE Stripe.js of the browser tests, injected
//   before the app loads (so @stripe/stripe-js uses it instead of fetching js.stripe.com), talking to
//   the fake Stripe API through this server. With real TEST keys in the environment
//   (VITE_STRIPE_PUBLISHABLE_KEY=pk_test_… and STRIPE_SECRET_KEY=sk_test_…) the real Stripe.js.
// Nothing here can reach production: the build's Supabase URL is 127.0.0.1 whatever the shell says,
// and live Stripe keys are refused.
import { request, type IncomingMessage, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { createServer, type Plugin, type ViteDevServer } from 'vite';
import { repoRoot } from './supabase-compat.ts';

export const LOCAL_PUBLISHABLE_KEY = 'sb_publishable_local_sandbox';
const LOCAL_STRIPE_PUBLISHABLE_KEY = 'pk_test_local_sandbox';
const SANDBOX_PREFIX = '/@local-sandbox';

export type StripeMode =
  | { mode: 'local'; publishableKey: string }
  | { mode: 'test'; publishableKey: string; secretKey: string };

/**
 * Which Stripe `npm run dev` uses, from the environment: real Stripe in test mode when both test
 * keys are set, else the local stand-in. Live keys, or only one of the two, are refused.
 */
export function stripeModeFrom(env: Record<string, string | undefined>): StripeMode {
  const publishable = env.VITE_STRIPE_PUBLISHABLE_KEY?.trim();
  const secret = env.STRIPE_SECRET_KEY?.trim();
  if (publishable?.startsWith('pk_live') || secret?.startsWith('sk_live') || secret?.startsWith('rk_live')) {
    throw new Error('npm run dev refuses live Stripe keys: use test keys (pk_test_…, sk_test_…), or none for the local Stripe stand-in.');
  }
  const realPublishable = publishable && publishable !== LOCAL_STRIPE_PUBLISHABLE_KEY ? publishable : undefined;
  const realSecret = secret && !secret.startsWith('sk_test_local') ? secret : undefined;
  if (!realPublishable && !realSecret) return { mode: 'local', publishableKey: LOCAL_STRIPE_PUBLISHABLE_KEY };
  if (!realPublishable?.startsWith('pk_test_') || !/^(sk|rk)_test_/.test(realSecret ?? '')) {
    throw new Error('For real Stripe (test mode) set both VITE_STRIPE_PUBLISHABLE_KEY=pk_test_… and STRIPE_SECRET_KEY=sk_test_…; unset both for the local Stripe stand-in.');
  }
  return { mode: 'test', publishableKey: realPublishable, secretKey: realSecret! };
}

/** The public configuration the dev build gets: this machine only. */
export function devWebEnv(apiUrl: string, stripe: StripeMode): Record<string, string> {
  const host = new URL(apiUrl).hostname;
  if (host !== '127.0.0.1' && host !== 'localhost') throw new Error(`the dev web app talks to this machine only, not ${apiUrl}`);
  return {
    VITE_SUPABASE_URL: apiUrl,
    VITE_SUPABASE_PUBLISHABLE_KEY: LOCAL_PUBLISHABLE_KEY,
    VITE_STRIPE_PUBLISHABLE_KEY: stripe.publishableKey,
  };
}

/** Proxies a request without following redirects (Auth answers 303s the browser must see). */
export function proxyRequest(req: IncomingMessage, res: ServerResponse, target: string): void {
  const url = new URL(target);
  const upstream = request({ hostname: url.hostname, port: url.port, path: `${url.pathname}${url.search}`, method: req.method, headers: { ...req.headers, host: url.host } }, (answer) => {
    res.writeHead(answer.statusCode ?? 502, answer.headers);
    answer.pipe(res);
  });
  upstream.on('error', () => {
    if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ message: `${target} is not answering` }));
  });
  req.pipe(upstream);
}

/** The FAKE Stripe.js, loaded before the app, and the fake Stripe API behind this same origin. */
function localStripe(stripeApiUrl: string, fakeStripeJs: () => Promise<string>): Plugin {
  return {
    name: 'local-sandbox-stripe',
    apply: 'serve',
    transformIndexHtml: () => [{ tag: 'script', attrs: { src: `${SANDBOX_PREFIX}/stripe.js` }, injectTo: 'head-prepend' }],
    configureServer(server) {
      server.middlewares.use(`${SANDBOX_PREFIX}/stripe.js`, (_req, res) => {
        void fakeStripeJs().then((bundle) => {
          res.writeHead(200, { 'content-type': 'text/javascript', 'cache-control': 'no-store' });
          // Wallets a desktop browser would offer without a saved card (Link), and the API base.
          res.end(`window.__FAKE_STRIPE_OPTIONS__ = ${JSON.stringify({ apiBase: SANDBOX_PREFIX + '/stripe-api', wallets: { link: true } })};\n${bundle}`);
        });
      });
      server.middlewares.use(`${SANDBOX_PREFIX}/stripe-api`, (req, res) => proxyRequest(req, res, `${stripeApiUrl}${req.url ?? '/'}`));
    },
  };
}

export interface DevWeb {
  url: string;
  stripe: StripeMode['mode'];
  close(): Promise<void>;
}

export async function startDevWeb(options: {
  port: number;
  apiUrl: string;
  stripe: StripeMode;
  /** The local Stripe stand-in's API, for the fake Stripe.js (local mode). */
  stripeApiUrl: string;
  fakeStripeJs: () => Promise<string>;
}): Promise<DevWeb> {
  const env = devWebEnv(options.apiUrl, options.stripe);
  // Vite reads VITE_* from process.env when it loads the config: ours replace whatever the shell has.
  Object.assign(process.env, env);
  const server: ViteDevServer = await createServer({
    configFile: join(repoRoot, 'web', 'vite.config.ts'),
    logLevel: 'warn',
    clearScreen: false,
    server: { host: '127.0.0.1', port: options.port, strictPort: true },
    plugins: options.stripe.mode === 'local' ? [localStripe(options.stripeApiUrl, options.fakeStripeJs)] : [],
  });
  await server.listen();
  return {
    url: `http://127.0.0.1:${options.port}`,
    stripe: options.stripe.mode,
    close: () => server.close(),
  };
}

/**
 * The edge functions' Stripe settings for the mode: the local stand-in's (as dev.ts sets them), or
 * real Stripe in test mode — its secret key, Stripe's own API host, and the webhook secret that
 * `stripe listen` prints (STRIPE_WEBHOOK_SECRET) when it is set.
 */
export function applyStripeMode(functionEnv: Record<string, string>, stripe: StripeMode, env: Record<string, string | undefined> = process.env): void {
  if (stripe.mode !== 'test') return;
  functionEnv.STRIPE_SECRET_KEY = stripe.secretKey;
  delete functionEnv.STRIPE_API_HOST;
  delete functionEnv.STRIPE_API_PORT;
  delete functionEnv.STRIPE_API_PROTOCOL;
  if (env.STRIPE_WEBHOOK_SECRET) functionEnv.STRIPE_WEBHOOK_SECRET = env.STRIPE_WEBHOOK_SECRET;
}
