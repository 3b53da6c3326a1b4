// The Stripe billing stack for tests: a cloned test database (reached through a cuttable proxy),
// the FAKE Stripe API, a test token signer, and the real edge functions under Deno.
import { randomBytes } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from './test-database.ts';
import { FakeStripe, signStripePayload, type FakeStripeEvent } from '../fakes/fake-stripe.ts';
import { createTestSigner, TEST_SUPABASE_URL, type TestSigner } from './access-tokens.ts';
import { callFunction, startEdgeFunction, type CallInit, type CallResult, type RunningFunction } from './edge-function.ts';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.ts';

export type StripeFunctionName = 'subscribe' | 'portal' | 'stripe-webhook';

export const WEB_ORIGIN = 'http://127.0.0.1:5173';

export interface StripeStack {
  db: TestDatabase;
  stripe: FakeStripe;
  signer: TestSigner;
  proxy: TcpProxy;
  env: Record<string, string>;
  webhookSecret: string;
  functions: Partial<Record<StripeFunctionName, RunningFunction>>;
  call(name: StripeFunctionName, init?: CallInit): Promise<CallResult>;
  deliver(event: FakeStripeEvent | string, options?: DeliverOptions): Promise<CallResult>;
  signedUser(options?: { provider?: 'email' | 'google' | 'apple' }): Promise<{ id: string; token: string; email: string }>;
  ledgerCount(): Promise<number>;
  stop(): Promise<void>;
}

export interface DeliverOptions {
  secret?: string;
  /** Unix seconds used in the signature header. */
  timestamp?: number;
  signatureHeader?: string | null;
  tamper?: (payload: string) => string;
}

export { signStripePayload };

export async function startStripeStack(options: { functions: StripeFunctionName[]; env?: Record<string, string> }): Promise<StripeStack> {
  const db = await createTestDatabase();
  const stripe = await new FakeStripe().start();
  stripe.seedPremiumPrice();
  const signer = await createTestSigner();
  const proxy = await startTcpProxy(Number(process.env.TEST_PG_PORT));
  const webhookSecret = `whsec_${randomBytes(24).toString('hex')}`;
  const env: Record<string, string> = {
    SUPABASE_DB_URL: db.url.replace(`:${process.env.TEST_PG_PORT}/`, `:${proxy.port}/`),
    SUPABASE_URL: TEST_SUPABASE_URL,
    SUPABASE_JWKS: signer.jwks,
    SUPABASE_JWT_SECRET: signer.legacySecret,
    WEB_APP_URL: WEB_ORIGIN,
    WEB_ALLOWED_ORIGINS: `${WEB_ORIGIN},http://localhost:5173`,
    STRIPE_WEBHOOK_SECRET: webhookSecret,
    STRIPE_PRICE_LOOKUP_KEY: 'premium_monthly',
    ...stripe.env(),
    ...options.env,
  };
  const functions: StripeStack['functions'] = {};
  await Promise.all(options.functions.map(async (name) => (functions[name] = await startEdgeFunction(name, env))));

  const stack: StripeStack = {
    db, stripe, signer, proxy, env, webhookSecret, functions,
    async call(name, init = {}) {
      const fn = functions[name];
      if (!fn) throw new Error(`${name} is not running in this stack`);
      return callFunction(fn, init);
    },
    async deliver(event, o = {}) {
      let payload = typeof event === 'string' ? event : JSON.stringify(event, null, 2);
      const header = o.signatureHeader === undefined ? await signStripePayload(payload, o.secret ?? webhookSecret, o.timestamp) : o.signatureHeader;
      if (o.tamper) payload = o.tamper(payload);
      const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8', 'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)' };
      if (header !== null) headers['stripe-signature'] = header;
      return callFunction(functions['stripe-webhook']!, { rawBody: payload, headers });
    },
    async signedUser(o = {}) {
      const email = `${randomBytes(5).toString('hex')}@example.test`;
      const id = await db.createUser({ email, provider: o.provider });
      return { id, email, token: await signer.token(id, { email }) };
    },
    async ledgerCount() {
      const [row] = await db.owner`select count(*)::int as n from billing.store_events`;
      return row.n;
    },
    async stop() {
      await Promise.all(Object.values(functions).map((f) => f!.stop()));
      await proxy.close();
      await stripe.stop();
      await db.drop();
    },
  };
  return stack;
}

/** The user's row of public.subscriptions, read as that user would (RLS). */
export async function subscriptionRowOf(db: TestDatabase, userId: string): Promise<Record<string, any> | undefined> { // deno-lint-ignore no-explicit-any
  const rows = await db.asUser(userId, (tx) => tx`select * from public.subscriptions`);
  return rows[0] ? { ...rows[0] } : undefined;
}
