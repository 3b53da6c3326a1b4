// scripts/app-store-reconcile.ts against the FAKE App Store Server API: missed notifications are
// caught up from subscription statuses and from the notification history (paginated).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { repoRoot } from '../../../scripts/lib/supabase-compat.ts';
import { startAppStoreStack, type AppStoreStack } from '../helpers/app-store-stack.ts';
import { FakeAppStoreServerApi } from '../fakes/fake-app-store-api.ts';
import { subscriptionRowOf } from '../helpers/stripe-stack.ts';

const run = promisify(execFile);

describe('App Store reconciliation', () => {
  let s: AppStoreStack;
  let api: FakeAppStoreServerApi;
  before(async () => {
    s = await startAppStoreStack({ functions: ['app-store-notifications'] });
    api = await new FakeAppStoreServerApi().start();
  });
  after(async () => {
    await api?.stop();
    await s?.stop();
  });

  async function reconcile(...args: string[]) {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'scripts/app-store-reconcile.ts', ...args], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH, ...s.env, SUPABASE_DB_URL: s.db.url, ...api.env() },
    });
    return stdout;
  }

  test('--user refreshes that user from subscription statuses: a missed cancellation and a missed refund', async () => {
    const alice = await s.signedUser();
    const bob = await s.signedUser();
    const aliceSub = s.sandbox.subscription({ appAccountToken: alice.id });
    const bobSub = s.sandbox.subscription({ appAccountToken: bob.id });
    await s.notify(await aliceSub.subscribe());
    await s.notify(await bobSub.subscribe());
    await aliceSub.setAutoRenew(false); // notifications Apple sent but we never got
    await bobSub.refund();
    api.add(aliceSub);
    api.add(bobSub);

    const output = await reconcile('--user', alice.id);
    assert.match(output, /Refreshing 1 App Store subscription/);
    assert.equal((await subscriptionRowOf(s.db, alice.id))?.will_renew, false);
    assert.equal((await subscriptionRowOf(s.db, bob.id))?.is_active, true, 'bob not refreshed yet');

    await reconcile('--stale-hours', '0');
    const b = await subscriptionRowOf(s.db, bob.id);
    assert.deepEqual([b?.status, b?.is_active], ['refunded', false]);
    assert.ok(api.requests.every((r) => r.startsWith('GET /inApps/v1/subscriptions/')));
  });

  test('--history-days replays missed notifications page by page; a second run changes nothing', async () => {
    const carol = await s.signedUser();
    const sub = s.sandbox.subscription({ appAccountToken: carol.id, start: Date.now() - 4 * 3_600_000 });
    api.history.push(await sub.subscribe(), await sub.setAutoRenew(false), await sub.setAutoRenew(true));
    assert.equal(await subscriptionRowOf(s.db, carol.id), undefined);

    const first = await reconcile('--history-days', '1');
    assert.match(first, /Replayed 3 Sandbox notification\(s\): \{"applied":3,"stale":0,"duplicate":0,"ignored":0\}/);
    assert.match(first, /Replayed 0 Production notification\(s\)/);
    const row = await subscriptionRowOf(s.db, carol.id);
    assert.deepEqual([row?.is_active, row?.will_renew], [true, true]);
    assert.ok(api.requests.filter((r) => r === 'POST /inApps/v1/notifications/history').length >= 2, 'paginated');

    const ledger = await s.ledgerCount();
    const second = await reconcile('--history-days', '1');
    assert.match(second, /"duplicate":3/);
    assert.equal(await s.ledgerCount(), ledger);
  });
});
