// `npm run simulate`: the real event flows, without a Stripe or Apple account, against the stack
// `npm run dev` runs. Creates a test user, then drives complete scenarios through the real HTTP
// endpoints with correctly signed payloads — Stripe events signed with the local webhook secret,
// App Store notifications signed by the local sandbox chain — and after each step prints the user's
// row of `subscriptions` as both apps would read it (as that user, through RLS).
//
//   npm run simulate                       # every scenario
//   npm run simulate -- --scenario apple   # stripe | apple
//   npm run simulate -- --scenario apple --email you@example.com
//                                          # on your own account (signed up in the web app at
//                                          # `npm run dev`'s URL): watch its Account page change
import { randomBytes, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import postgres, { type Sql } from 'postgres';
import { devDataDir, LOCAL_STRIPE_SECRET_KEY, runtimeFileFor, type LocalRuntime, type LocalSecrets } from './dev.ts';
import { createTestSigner, type TestSigner } from '../supabase/tests/helpers/access-tokens.ts';
import { asApiRole, userClaims } from '../supabase/tests/helpers/test-database.ts';
import { FakeAppStore, importTestChain, type SignedNotification } from '../supabase/tests/fakes/fake-app-store.ts';
import { signStripePayload, type FakeStripeEvent } from '../supabase/tests/fakes/fake-stripe.ts';
import { stringArg } from './lib/args.ts';
import { decodeJwt } from 'jose';
import { accessTokenIssuer, superuserUrl, type AccessTokenIssuer } from '../supabase/tests/helpers/access-token-hook.ts';
import { claimFollowsRow, entitlementClaim, type SubscriptionsRowFields } from '../supabase/functions/_shared/entitlement-claims.ts';
import { watchOutboundEvents, type OutboundWatch } from './lib/simulate-outbound.ts';

interface Context {
  runtime: LocalRuntime;
  secrets: LocalSecrets;
  owner: Sql;
  api: Sql;
  signer: TestSigner;
  /** Tokens as Supabase Auth issues them: through the custom access token hook in the database. */
  tokens: AccessTokenIssuer;
  /** The outbound entitlement webhooks each step sends, and the local receiver that verifies them. */
  outbound: OutboundWatch;
}

interface Step {
  name: string;
  expect: string;
  run: () => Promise<string[]>;
}

interface Outcome {
  scenario: string;
  steps: number;
  final: string;
  ok: boolean;
}

const color = process.stdout.isTTY ? (code: number, s: string) => `\x1b[${code}m${s}\x1b[0m` : (_: number, s: string) => s;

async function createUser(ctx: Context, label: string): Promise<{ id: string; token: string; email: string }> {
  const id = randomUUID();
  const email = `simulate-${label}-${randomBytes(3).toString('hex')}@example.test`;
  await ctx.owner`
    insert into auth.users (instance_id, id, aud, role, email, encrypted_password, email_confirmed_at, raw_app_meta_data, raw_user_meta_data, created_at, updated_at, confirmation_token, recovery_token, email_change_token_new, email_change)
    values ('00000000-0000-0000-0000-000000000000', ${id}, 'authenticated', 'authenticated', ${email}, '', now(),
            ${ctx.owner.json({ provider: 'email', providers: ['email'] })}, ${ctx.owner.json({ full_name: `Simulated ${label}` })}, now(), now(), '', '', '', '')`;
  return { id, email, token: await ctx.signer.token(id, { email, customize: ctx.tokens.customize(id, 'password') }) };
}

/** --email: the flows run on that existing account (someone's, in the web app); else on a new test user. */
async function userFor(ctx: Context, label: string): Promise<{ id: string; token: string; email: string }> {
  const wanted = stringArg('email');
  if (!wanted) return createUser(ctx, label);
  const [u] = await ctx.owner`select id, email from auth.users where lower(email) = lower(${wanted})`;
  if (!u) throw new Error(`No account for ${wanted}: sign up in the web app first (npm run dev prints its URL).`);
  return { id: u.id, email: u.email, token: await ctx.signer.token(u.id, { email: u.email, customize: ctx.tokens.customize(u.id, 'password') }) };
}

async function rowOf(ctx: Context, userId: string): Promise<Record<string, unknown> | undefined> {
  const rows = await asApiRole(ctx.api, 'authenticated', userClaims(userId), (tx) => tx`select * from public.subscriptions`);
  return rows[0] ? { ...rows[0] } : undefined;
}

function describeRow(row: Record<string, unknown> | undefined): string {
  if (!row) return 'no row';
  const end = row.current_period_ends_at ? new Date(String(row.current_period_ends_at)).toISOString().slice(0, 10) : '—';
  const flags = [row.will_renew ? 'renews' : 'no renewal', row.in_grace_period ? 'grace' : '', row.has_billing_issue ? 'billing issue' : '', row.is_sandbox ? 'sandbox' : '']
    .filter(Boolean).join(', ');
  return `${row.store} ${row.status} · ${row.is_active ? 'ACTIVE' : 'inactive'} · until ${end} · ${flags}`;
}

async function post(url: string, body: string, headers: Record<string, string>): Promise<{ status: number; json: Record<string, any> }> { // deno-lint-ignore no-explicit-any
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  return { status: res.status, json: await res.json().catch(() => ({})) };
}

async function deliverStripe(ctx: Context, events: FakeStripeEvent[]): Promise<string[]> {
  const lines: string[] = [];
  for (const event of events) {
    const payload = JSON.stringify(event);
    const res = await post(`${ctx.runtime.apiUrl}/functions/v1/stripe-webhook`, payload, { 'stripe-signature': await signStripePayload(payload, ctx.secrets.stripeWebhookSecret) });
    lines.push(`${event.type} → ${res.status} ${res.json.result ?? res.json.error?.code ?? ''}`);
    if (res.status !== 200) throw new Error(`stripe-webhook answered ${res.status} for ${event.type}: ${JSON.stringify(res.json)}`);
  }
  return lines;
}

async function stripeControl(ctx: Context, subscriptionId: string, action: string, params: Record<string, string> = {}): Promise<FakeStripeEvent[]> {
  const res = await fetch(`${ctx.runtime.stripeApiUrl}/_fake/subscriptions/${subscriptionId}/${action}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${LOCAL_STRIPE_SECRET_KEY}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(params).toString(),
  });
  const body = await res.json();
  if (!res.ok) throw new Error(`local Stripe stand-in: ${JSON.stringify(body)}`);
  return body.events;
}

async function stripeScenario(ctx: Context): Promise<{ userId: string; steps: Step[] }> {
  const user = await createUser(ctx, 'web');
  let subscriptionId = '';
  const control = async (action: string, params?: Record<string, string>) => deliverStripe(ctx, await stripeControl(ctx, subscriptionId, action, params));
  return {
    userId: user.id,
    steps: [
      {
        name: 'subscribe on the web (subscribe function)', expect: 'incomplete',
        run: async () => {
          const res = await post(`${ctx.runtime.apiUrl}/functions/v1/subscribe`, '{}', { authorization: `Bearer ${user.token}` });
          if (res.status !== 200) throw new Error(`subscribe answered ${res.status}: ${JSON.stringify(res.json)}`);
          subscriptionId = res.json.subscriptionId;
          return [`subscription ${subscriptionId}, ${res.json.intentType} secret for the Payment Element`];
        },
      },
      { name: 'first payment succeeds', expect: 'active', run: () => control('pay', { outcome: 'succeeded' }) },
      { name: 'renews a month later', expect: 'active', run: () => control('renew', { outcome: 'succeeded' }) },
      { name: 'next renewal payment fails', expect: 'in_grace_period', run: () => control('renew', { outcome: 'failed' }) },
      { name: 'the retry succeeds (recovery)', expect: 'active', run: () => control('recover') },
      { name: 'cancels at period end in the portal', expect: 'active', run: () => control('schedule_cancellation') },
      { name: 'the period ends: subscription deleted', expect: 'expired', run: () => control('end', { when: 'period_end' }) },
    ],
  };
}

async function appleScenario(ctx: Context): Promise<{ userId: string; steps: Step[] }> {
  const user = await userFor(ctx, 'ios');
  const store = new FakeAppStore({ chain: await importTestChain(ctx.secrets.appleSandboxChain), environment: 'Sandbox' });
  const sub = store.subscription({ appAccountToken: user.id });
  const notify = async (make: () => Promise<SignedNotification>) => {
    const n = await make();
    const res = await post(`${ctx.runtime.apiUrl}/functions/v1/app-store-notifications`, JSON.stringify(n.body), {});
    if (res.status !== 200) throw new Error(`app-store-notifications answered ${res.status}: ${JSON.stringify(res.json)}`);
    return [`${n.type}${n.subtype ? `.${n.subtype}` : ''} → ${res.status} ${res.json.result}`];
  };
  return {
    userId: user.id,
    steps: [
      { name: 'initial buy on iPhone (appAccountToken = user id)', expect: 'active', run: () => notify(() => sub.subscribe('INITIAL_BUY')) },
      { name: 'renews', expect: 'active', run: () => notify(() => sub.renew()) },
      { name: 'renewal fails: billing grace period', expect: 'in_grace_period', run: () => notify(() => sub.failToRenew(true)) },
      { name: 'billing recovers', expect: 'active', run: () => notify(() => sub.recover()) },
      { name: 'Apple refunds it', expect: 'refunded', run: () => notify(() => sub.refund()) },
      { name: 'it expires (the last period stays refunded)', expect: 'refunded', run: () => notify(() => sub.expire('VOLUNTARY')) },
    ],
  };
}

async function runScenario(ctx: Context, title: string, make: (ctx: Context) => Promise<{ userId: string; steps: Step[] }>): Promise<Outcome> {
  console.log(`\n${color(1, title)}`);
  const { userId, steps } = await make(ctx);
  console.log(`  test user ${userId}`);
  let final = 'no row';
  let ok = true;
  for (const [i, step] of steps.entries()) {
    process.stdout.write(`  [${i + 1}/${steps.length}] ${step.name}\n`);
    for (const line of await step.run()) console.log(`        ${line}`);
    const row = await rowOf(ctx, userId);
    final = String(row?.status ?? 'no row');
    const good = final === step.expect;
    ok &&= good;
    console.log(`        subscriptions row: ${describeRow(row)} ${good ? color(32, '✓') : color(31, `✗ expected ${step.expect}`)}`);
    // What a refreshed access token now says (the apps refresh when their row changes).
    const claim = entitlementClaim(decodeJwt(await ctx.signer.token(userId, { customize: ctx.tokens.customize(userId, 'token_refresh') })));
    const follows = claim !== null && claimFollowsRow(claim, (row ?? null) as SubscriptionsRowFields | null);
    ok &&= follows;
    console.log(`        access token claim: entitlements ${JSON.stringify(claim)} ${follows ? color(32, '✓') : color(31, '✗ not the row')}`);
    const sent = await ctx.outbound.step(userId);
    ok &&= sent.ok;
    for (const line of sent.lines) console.log(`        ${line}`);
  }
  return { scenario: title, steps: steps.length, final, ok };
}

async function main(): Promise<number> {
  const { dir } = await devDataDir();
  const runtime: LocalRuntime | undefined = await readFile(runtimeFileFor(dir), 'utf8').then(JSON.parse, () => undefined);
  if (!runtime) {
    console.error('The local stack is not running. Start it first with `npm run dev` (in another terminal).');
    return 2;
  }
  const secrets: LocalSecrets = JSON.parse(await readFile(runtime.secretsFile, 'utf8'));
  const owner = postgres(runtime.dbUrl, { max: 2, onnotice: () => {} });
  const api = postgres(runtime.authenticatorUrl, { max: 1, onnotice: () => {} });
  const tokens = await accessTokenIssuer(superuserUrl(runtime.dbUrl, 'supabase_admin', secrets.adminPassword));
  const outbound = await watchOutboundEvents(owner, runtime.entitlementWebhookEndpoints, secrets.entitlementWebhookSecret);
  const ctx: Context = { runtime, secrets, owner, api, signer: await createTestSigner(secrets.jwt, `${runtime.apiUrl}/auth/v1`), tokens, outbound };
  const only = stringArg('scenario') ?? 'all';
  try {
    const outcomes: Outcome[] = [];
    if (only === 'all' || only === 'stripe') outcomes.push(await runScenario(ctx, 'Stripe: subscribe → renew → payment failure → recovery → cancel at period end → deleted', stripeScenario));
    if (only === 'all' || only === 'apple') outcomes.push(await runScenario(ctx, 'App Store: initial buy → renew → grace period → recovery → refund → expired', appleScenario));
    console.log(`\n${color(1, 'Summary')}`);
    for (const o of outcomes) console.log(`  ${o.ok ? color(32, 'PASS') : color(31, 'FAIL')}  ${o.steps} steps, final ${o.final}  ${o.scenario}`);
    console.log(`  ${outbound.summary()}`);
    return outcomes.every((o) => o.ok) ? 0 : 1;
  } finally {
    await owner.end();
    await api.end();
    await tokens.end();
    await outbound.close();
  }
}

main().then((code) => process.exit(code), (error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
