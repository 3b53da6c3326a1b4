// The delivery side for tests: a cloned database (behind a proxy a test can cut), the real
// entitlement-webhooks function under Deno, and local receivers. Retries are fast here (a 0.3 s
// base) so a whole retry schedule fits in a test; everything else is as deployed.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.ts';
import { callFunction, startEdgeFunction, type CallResult, type RunningFunction } from '../helpers/edge-function.ts';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.ts';
import { applySubscriptionUpdate } from '../../functions/_shared/billing-db.ts';
import { at, stripeUpdate } from '../helpers/fixtures.ts';
import { repoRoot } from '../../../scripts/lib/supabase-compat.ts';
import { startReceiver, type Receiver } from './receiver.ts';

const run = promisify(execFile);

export const TEST_RETRY = { baseSeconds: 0.3, maxSeconds: 2, maxAttempts: 4, timeoutSeconds: 1.5 };

export interface DeliveryStack {
  db: TestDatabase;
  proxy: TcpProxy;
  cronSecret: string;
  signingSecret: string;
  receiver: Receiver;
  env: Record<string, string>;
  fn: RunningFunction;
  /** Another process of the same function (another isolate), for overlapping runs. */
  startAnother(): Promise<RunningFunction>;
  /** One scheduled run, as Supabase Cron calls it. */
  runOnce(fn?: RunningFunction): Promise<CallResult>;
  /** Runs until nothing is pending (or `done` says so), like the minute schedule, only faster. */
  runUntil(done: () => Promise<boolean>, timeoutMs?: number): Promise<CallResult[]>;
  /** A person with `changes` entitlement events (became_active, then renewal off / on alternately). */
  personWithEvents(changes: number): Promise<{ userId: string; eventIds: string[] }>;
  pending(): Promise<number>;
  events(): Promise<{ id: string; user_id: string; seq: number }[]>;
  cli(...args: string[]): Promise<{ code: number; out: string }>;
  stop(): Promise<void>;
}

export function newSigningSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

export async function startDeliveryStack(options: { extraEndpoints?: string[]; env?: Record<string, string> } = {}): Promise<DeliveryStack> {
  const db = await createTestDatabase();
  const proxy = await startTcpProxy(Number(process.env.TEST_PG_PORT));
  const cronSecret = randomBytes(32).toString('hex');
  const signingSecret = newSigningSecret();
  const receiver = await startReceiver(signingSecret);
  const env: Record<string, string> = {
    SUPABASE_DB_URL: db.url.replace(`:${process.env.TEST_PG_PORT}/`, `:${proxy.port}/`),
    CRON_SECRET: cronSecret,
    ENTITLEMENT_WEBHOOK_ENDPOINTS: [receiver.url, ...(options.extraEndpoints ?? [])].join(','),
    ENTITLEMENT_WEBHOOK_SECRET: signingSecret,
    ENTITLEMENT_WEBHOOK_MAX_ATTEMPTS: String(TEST_RETRY.maxAttempts),
    ENTITLEMENT_WEBHOOK_RETRY_BASE_SECONDS: String(TEST_RETRY.baseSeconds),
    ENTITLEMENT_WEBHOOK_RETRY_MAX_SECONDS: String(TEST_RETRY.maxSeconds),
    ENTITLEMENT_WEBHOOK_TIMEOUT_SECONDS: String(TEST_RETRY.timeoutSeconds),
    // Announce an ended period at the next run (deployed: 5 minutes after, for late renewals).
    ENTITLEMENT_WEBHOOK_EXPIRY_DELAY_SECONDS: '0',
    ...options.env,
  };
  const fn = await startEdgeFunction('entitlement-webhooks', env);
  const others: RunningFunction[] = [];
  let clock = Date.now();

  const stack: DeliveryStack = {
    db, proxy, cronSecret, signingSecret, receiver, env, fn,
    async startAnother() {
      const other = await startEdgeFunction('entitlement-webhooks', env);
      others.push(other);
      return other;
    },
    runOnce: (target = fn) => callFunction(target, { token: cronSecret, body: { scheduler: 'test' } }),
    async runUntil(done, timeoutMs = 60_000) {
      const results: CallResult[] = [];
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const result = await stack.runOnce();
        results.push(result);
        if (result.status !== 200) throw new Error(`run answered ${result.status}: ${JSON.stringify(result.body)}\n${fn.logs().slice(-2000)}`);
        if (await done()) return results;
        if (Date.now() > deadline) throw new Error(`not done after ${timeoutMs} ms: ${JSON.stringify(results.slice(-3).map((r) => r.body))}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    async personWithEvents(changes) {
      const userId = await db.createUser();
      const first = stripeUpdate({ userId, eventAt: new Date(clock) });
      await applySubscriptionUpdate(db.owner, first);
      for (let i = 1; i < changes; i++) {
        clock += 1000;
        await applySubscriptionUpdate(db.owner, { ...first, eventId: `${first.eventId}_${i}`, eventAt: at(new Date(clock), 0), willRenew: i % 2 === 0 });
      }
      const rows = await db.owner<{ id: string }[]>`select id from billing.outbound_events where user_id = ${userId} order by seq`;
      if (rows.length !== changes) throw new Error(`expected ${changes} events for the new person, got ${rows.length}`);
      return { userId, eventIds: rows.map((r) => r.id) };
    },
    async pending() {
      const [row] = await db.owner<{ n: number }[]>`select count(*)::int as n from billing.outbound_deliveries where status = 'pending'`;
      return row.n;
    },
    async events() {
      const rows = await db.owner<{ id: string; user_id: string; seq: string }[]>`select id, user_id, seq from billing.outbound_events order by user_id, seq`;
      return rows.map((r) => ({ ...r, seq: Number(r.seq) }));
    },
    async cli(...args) {
      return run(process.execPath, ['--import', 'tsx', 'scripts/entitlement-events.ts', ...args], {
        cwd: repoRoot, env: { ...process.env, SUPABASE_DB_URL: db.url },
      }).then((r) => ({ code: 0, out: r.stdout + r.stderr }), (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: e.stdout + e.stderr }));
    },
    async stop() {
      await Promise.all([fn, ...others].map((f) => f.stop()));
      await receiver.close();
      await proxy.close();
      await db.drop();
    },
  };
  return stack;
}
