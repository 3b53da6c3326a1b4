// Benchmark-only: Supabase's Stripe Sync Engine (@supabase/stripe-sync-engine, a dev dependency)
// behind a minimal Node HTTP server, in its own process, so scripts/bench-stripe-webhook.ts can
// compare it with our stripe-webhook function on the same Postgres, fake Stripe and events.
//
//   node --import tsx scripts/lib/bench-sync-engine-server.ts      (started by the benchmark)
//
// Environment: ENGINE_DATABASE_URL, ENGINE_SCHEMA (default stripe), STRIPE_WEBHOOK_SECRET,
// STRIPE_API_PORT (the fake Stripe on 127.0.0.1), STRIPE_API_VERSION, ENGINE_REVALIDATE (comma list
// of objects re-read from Stripe; empty = trust the webhook payload), ENGINE_POOL_MAX (default: the
// engine's own default, 10), PORT (0 = any free port).
//
// Uses the CommonJS build (createRequire): the ESM build resolves its migrations directory through
// __dirname and only logs the failure, leaving an empty schema. Migrations run with the engine's own
// runMigrations and are then checked, because runMigrations also swallows errors.
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';

const require = createRequire(import.meta.url);
// deno-lint-ignore no-explicit-any
type Any = any;
const engine = require('@supabase/stripe-sync-engine') as {
  StripeSync: new (config: Any) => { stripe: Any; processWebhook(payload: string | Buffer, signature: string): Promise<void>; close(): Promise<void> };
  runMigrations(config: Any): Promise<void>;
};
const StripeCjs = require('stripe') as Any;
const { Client } = require('pg') as { Client: new (config: Any) => Any };

function env(name: string, fallback?: string): string {
  const value = process.env[name] ?? fallback;
  if (value === undefined) throw new Error(`${name} is required`);
  return value;
}

const databaseUrl = env('ENGINE_DATABASE_URL');
const schema = env('ENGINE_SCHEMA', 'stripe');
const apiVersion = env('STRIPE_API_VERSION');
const revalidate = env('ENGINE_REVALIDATE', '').split(',').map((s) => s.trim()).filter(Boolean);
const poolMax = process.env.ENGINE_POOL_MAX ? Number(process.env.ENGINE_POOL_MAX) : undefined;

const errors: string[] = [];
const logger = {
  info() {}, debug() {}, trace() {}, warn() {},
  error(obj: unknown, msg?: string) {
    errors.push(`${msg ?? ''} ${obj instanceof Error ? obj.message : String(obj)}`);
  },
  child() { return logger; },
};

async function migrate(): Promise<void> {
  await engine.runMigrations({ databaseUrl, schema, logger });
  if (errors.length) throw new Error(`stripe-sync-engine migrations failed: ${errors.join('; ')}`);
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query(
      `select count(*)::int as n from information_schema.tables where table_schema = $1 and table_name in ('subscriptions', 'subscription_items', 'invoices', 'migrations')`,
      [schema],
    );
    if (rows[0].n !== 4) throw new Error(`stripe-sync-engine migrations left schema ${schema} incomplete (${rows[0].n}/4 tables)`);
  } finally {
    await client.end();
  }
}

async function main() {
  await migrate();
  const sync = new engine.StripeSync({
    schema,
    stripeSecretKey: 'sk_test_bench',
    stripeWebhookSecret: env('STRIPE_WEBHOOK_SECRET'),
    stripeApiVersion: apiVersion,
    revalidateObjectsViaStripeApi: revalidate,
    autoExpandLists: false,
    backfillRelatedEntities: false,
    poolConfig: { connectionString: databaseUrl, ...(poolMax ? { max: poolMax } : {}) },
  });
  // The engine has no host option: its Stripe client (the default Node HTTP client, as in production)
  // is replaced by one with the same settings pointed at the fake Stripe API on loopback.
  sync.stripe = new StripeCjs('sk_test_bench', {
    apiVersion,
    appInfo: { name: 'Stripe Postgres Sync' },
    host: '127.0.0.1',
    port: Number(env('STRIPE_API_PORT')),
    protocol: 'http',
  });

  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (req.method !== 'POST') {
      res.writeHead(405).end();
      return;
    }
    try {
      await sync.processWebhook(Buffer.concat(chunks), String(req.headers['stripe-signature'] ?? ''));
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"received":true}');
    } catch (error) {
      const e = error as { type?: string; message?: string };
      const status = e.type === 'StripeSignatureVerificationError' ? 400 : 500;
      if (status === 500) console.error(`[engine] ${e.message}`);
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: e.message }));
    }
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', resolve));
  console.log(`Listening on http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
  const stop = () => {
    server.closeAllConnections();
    server.close(() => void sync.close().finally(() => process.exit(0)));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  // Never outlive the benchmark.
  process.once('disconnect', stop);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
