// Benchmark: the real app-store-notifications function under Deno, on loopback, verification
// included (the official SignedDataVerifier: x5c chain, OIDs, ES256, for the notification and the
// transaction and renewal info inside it).
//
//   npm run bench:app-store                       # 100 notifications/s for 20 s, then max throughput
//   npm run bench:app-store -- --rate 150 --seconds 30
//
// Embedded Postgres 17, the function and the load generator share this machine. Notifications are
// signed by the fake Apple chain (which the function is configured to trust) before the clock starts.
// Results also go to bench-results/bench-app-store-notifications.json.
import { mkdtemp, rm, writeFile, chmod } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { startLocalPostgres } from './lib/local-postgres.ts';
import { prepareMigratedDatabase } from './lib/supabase-compat.ts';
import { closedLoop, duplicateCost, numericArg, openLoop, timedPost, writeReport } from './lib/bench-util.ts';
import { FakeAppStore, generateTestChain, type FakeSubscription, type SignedNotification } from '../supabase/tests/fakes/fake-app-store.ts';
import { startEdgeFunction } from './lib/edge-functions.ts';

const RATE = numericArg('rate', 100);
const SECONDS = numericArg('seconds', 20);
const SUBSCRIPTIONS = numericArg('subscriptions', 300);
const CONCURRENCY = numericArg('concurrency', 16);
const log = (m: string) => console.log(`[bench] ${m}`);

async function main() {
  const pg = await startLocalPostgres({});
  const dir = await mkdtemp(join(tmpdir(), 'bench-apple-'));
  let fn: Awaited<ReturnType<typeof startEdgeFunction>> | undefined;
  try {
    await chmod(dir, 0o755);
    const passwords = { postgres: randomBytes(12).toString('hex'), authenticator: randomBytes(12).toString('hex') };
    const { url } = await prepareMigratedDatabase(pg, 'postgres', passwords);
    const sql = postgres(url, { max: 2, onnotice: () => {} });
    const chain = await generateTestChain();
    const rootFile = join(dir, 'root.cer');
    await writeFile(rootFile, chain.rootDer);
    const store = new FakeAppStore({ chain, environment: 'Sandbox' });

    log(`creating ${SUBSCRIPTIONS} users with App Store subscriptions`);
    const subs: FakeSubscription[] = [];
    for (let i = 0; i < SUBSCRIPTIONS; i++) {
      const [{ id }] = await sql`
        insert into auth.users (id, aud, role, email, raw_app_meta_data, raw_user_meta_data, created_at, updated_at)
        values (gen_random_uuid(), 'authenticated', 'authenticated', ${`apple${i}@example.test`}, '{}', '{}', now(), now()) returning id`;
      subs.push(store.subscription({ appAccountToken: id }));
    }

    fn = await startEdgeFunction('app-store-notifications', {
      SUPABASE_DB_URL: url,
      APPLE_BUNDLE_ID: store.bundleId,
      APPLE_APP_APPLE_ID: String(store.appAppleId),
      APPLE_ENVIRONMENT: 'Production',
      APPLE_ROOT_CERTIFICATES: rootFile,
      APPLE_TRUST_UNPINNED_ROOTS: 'true',
      APPLE_ONLINE_CHECKS: 'false',
    });

    // Realistic traffic: first purchases, then renewals and renewal-status changes across users.
    let cursor = 0;
    const started = new Set<FakeSubscription>();
    const make = async (count: number): Promise<SignedNotification[]> => {
      const out: SignedNotification[] = [];
      while (out.length < count) {
        const sub = subs[cursor++ % subs.length];
        if (!started.has(sub)) {
          started.add(sub);
          out.push(await sub.subscribe());
        } else {
          out.push(await (cursor % 3 === 0 ? sub.setAutoRenew(cursor % 2 === 0) : sub.renew()));
        }
      }
      return out;
    };
    const send = (n: SignedNotification) => timedPost(fn!.url, { 'content-type': 'application/json' }, JSON.stringify(n.body));

    for (const n of await make(200)) await send(n); // warm-up
    log(`open loop: ${RATE * SECONDS} notifications at ${RATE}/s`);
    const open = await openLoop(await make(RATE * SECONDS), RATE, send);
    log(`closed loop: 2000 notifications with ${CONCURRENCY} concurrent senders`);
    const closed = await closedLoop(await make(2000), CONCURRENCY, send);
    const duplicates = await duplicateCost(await make(300), send);

    await writeReport('bench-app-store-notifications', {
      setup: { subscriptions: SUBSCRIPTIONS, verification: 'SignedDataVerifier, online checks off (no egress here)', note: 'Postgres, Deno function and load generator share this machine' },
      open_loop: { ...open, target_p99_under_50ms: open.latency.p99_ms < 50 },
      closed_loop: closed,
      ...duplicates,
    });
    await sql.end();
  } finally {
    await fn?.stop();
    await pg.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
