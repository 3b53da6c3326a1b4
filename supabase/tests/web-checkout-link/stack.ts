// "Buy on the web" for tests: the REAL web-checkout-link and web-checkout-exchange functions under
// Deno, the REAL test database (reached through a cuttable proxy), and Supabase Auth played by the
// FAKE GoTrue of the browser tests (web/e2e/fakes/fake-supabase.ts: admin/generate_link and
// verify with a token hash, on the real auth.users table).
import { randomBytes } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.ts';
import { createTestSigner, TEST_ISSUER, type TestSigner } from '../helpers/access-tokens.ts';
import { callFunction, startEdgeFunction, type CallInit, type CallResult, type RunningFunction } from '../helpers/edge-function.ts';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.ts';
import { freePort } from '../../../scripts/lib/local-postgres.ts';
import { FakeSupabase } from '../../../web/e2e/fakes/fake-supabase.ts';
import { applySubscriptionUpdate } from '../../functions/_shared/billing-db.ts';
import { appStoreUpdate, stripeUpdate } from '../helpers/fixtures.ts';

export const WEB_ORIGIN = 'http://127.0.0.1:5173';

export interface WebCheckoutStack {
  db: TestDatabase;
  signer: TestSigner;
  auth: FakeSupabase;
  proxy: TcpProxy;
  env: Record<string, string>;
  link: RunningFunction;
  exchange: RunningFunction;
  /** A confirmed email user and an access token for them. */
  signedUser(): Promise<{ id: string; email: string; token: string }>;
  /** The app asks for a link (POST web-checkout-link). */
  createLink(token: string | undefined, body?: unknown, init?: CallInit): Promise<CallResult>;
  /** The web page redeems a code (POST web-checkout-exchange, from our web origin). */
  redeem(code: unknown, init?: CallInit & { fn?: RunningFunction }): Promise<CallResult>;
  /** What GoTrue's verify answers for a token hash, as supabase-js's verifyOtp sends it. */
  verifyOtp(tokenHash: string): Promise<{ status: number; body: any }>; // deno-lint-ignore no-explicit-any
  entitle(userId: string, store: 'app_store' | 'stripe'): Promise<void>;
  links(userId: string): Promise<{ storefront: string; consumed: boolean; live: boolean }[]>;
  stop(): Promise<void>;
}

/** The code in a link's fragment (#handoff=…). */
export function codeOf(url: string): string {
  return new URLSearchParams(new URL(url).hash.slice(1)).get('handoff') ?? '';
}

export async function startWebCheckoutStack(env: Record<string, string> = {}): Promise<WebCheckoutStack> {
  const db = await createTestDatabase();
  const signer = await createTestSigner();
  const proxy = await startTcpProxy(Number(process.env.TEST_PG_PORT));
  const auth = await new FakeSupabase(db, signer, {}, await freePort()).start();
  const fullEnv: Record<string, string> = {
    SUPABASE_DB_URL: db.url.replace(`:${process.env.TEST_PG_PORT}/`, `:${proxy.port}/`),
    // Auth's admin API is the fake's; access tokens carry the test issuer, as in the other stacks.
    SUPABASE_URL: auth.url,
    SUPABASE_JWT_ISSUER: TEST_ISSUER,
    SUPABASE_JWKS: signer.jwks,
    SUPABASE_SECRET_KEY: auth.secretKey,
    WEB_APP_URL: WEB_ORIGIN,
    WEB_ALLOWED_ORIGINS: `${WEB_ORIGIN},http://localhost:5173`,
    ...env,
  };
  const [link, exchange] = await Promise.all([startEdgeFunction('web-checkout-link', fullEnv), startEdgeFunction('web-checkout-exchange', fullEnv)]);
  return {
    db, signer, auth, proxy, env: fullEnv, link, exchange,
    async signedUser() {
      const email = `wcl-${randomBytes(5).toString('hex')}@example.test`;
      const id = await db.createUser({ email });
      return { id, email, token: await signer.token(id, { email }) };
    },
    createLink: (token, body = { storefront: 'USA' }, init = {}) => callFunction(link, { token, body, ...init }),
    redeem: (code, init = {}) => callFunction(init.fn ?? exchange, { origin: WEB_ORIGIN, body: { code }, ...init }),
    async verifyOtp(tokenHash) {
      const res = await fetch(`${auth.url}/auth/v1/verify`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', apikey: 'sb_publishable_test' },
        body: JSON.stringify({ token_hash: tokenHash, type: 'magiclink', gotrue_meta_security: {} }),
      });
      return { status: res.status, body: await res.json() };
    },
    async entitle(userId, store) {
      await applySubscriptionUpdate(db.owner, store === 'stripe' ? stripeUpdate({ userId }) : appStoreUpdate({ userId }));
    },
    async links(userId) {
      const rows = await db.owner<{ storefront: string; consumed: boolean; live: boolean }[]>`
        select storefront, consumed_at is not null as consumed, expires_at > now() as live
        from private.web_checkout_links where user_id = ${userId} order by created_at`;
      return rows.map((r) => ({ ...r }));
    },
    async stop() {
      await Promise.all([link.stop(), exchange.stop()]);
      await auth.stop();
      await proxy.close();
      await db.drop();
    },
  };
}
