// The scheduled reconciliation, App Store side: the real reconcile function under Deno runs the
// existing App Store reconciliation (notification history, stale subscriptions) against the FAKE
// App Store Server API, verifying what the FAKE Apple chain signed with Apple's own verifier.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startReconcileStack, type ReconcileStack } from '../helpers/reconcile-stack.ts';
import { subscriptionRowOf } from '../helpers/stripe-stack.ts';

describe('scheduled reconciliation: App Store catch-up', () => {
  let s: ReconcileStack;
  before(async () => {
    // Every App Store row counts as stale, so each run refreshes them all.
    s = await startReconcileStack({ appStore: true, env: { RECONCILE_APP_STORE_STALE_HOURS: '0' } });
  });
  after(async () => s?.stop());

  test('notifications Apple sent but we never received are replayed by the next run; the run after changes nothing', async () => {
    const { sandbox, api } = s.apple!;
    const user = await s.db.createUser({ provider: 'apple' });
    const sub = sandbox.subscription({ appAccountToken: user });
    api.history.push(await sub.subscribe(), await sub.setAutoRenew(false));
    api.add(sub);
    assert.equal(await subscriptionRowOf(s.db, user), undefined);

    const res = await s.reconcile();
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.appStore.status, 'done');
    assert.equal(res.body.appStore.notifications, 2);
    assert.equal(res.body.appStore.outcomes.applied, 2);
    const row = await subscriptionRowOf(s.db, user);
    assert.deepEqual([row?.store, row?.is_active, row?.will_renew, row?.is_sandbox], ['app_store', true, false, true]);
    assert.ok(api.requests.includes('POST /inApps/v1/notifications/history'));

    const ledger = await s.ledger();
    const again = await s.reconcile();
    assert.equal(again.status, 200, JSON.stringify(again.body));
    assert.equal(again.body.appStore.outcomes.applied, 0);
    assert.equal(again.body.appStore.outcomes.duplicate, 2, 'replayed again inside the overlap: duplicates');
    const refreshes = (await s.ledger()).filter((e) => e.event_type === 'reconcile.subscription_status');
    assert.deepEqual((await s.ledger()).filter((e) => e.event_type !== 'reconcile.subscription_status'),
      ledger.filter((e) => e.event_type !== 'reconcile.subscription_status'));
    assert.ok(refreshes.length >= 1, 'the stale row was refreshed from Apple\'s statuses');
  });

  test('a refund Apple never told us about is found by refreshing the subscription from its status', async () => {
    const { sandbox, api } = s.apple!;
    const user = await s.db.createUser({ provider: 'apple' });
    const sub = sandbox.subscription({ appAccountToken: user });
    api.history.push(await sub.subscribe());
    api.add(sub);
    assert.equal((await s.reconcile()).status, 200);
    assert.equal((await subscriptionRowOf(s.db, user))?.is_active, true);

    await sub.refund(); // the REFUND notification is lost, and not in the history either
    const res = await s.reconcile();
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.ok(res.body.appStore.refreshed >= 1);
    const row = await subscriptionRowOf(s.db, user);
    assert.deepEqual([row?.status, row?.is_active], ['refunded', false]);
  });

  test('Apple down: 503 apple_unavailable, nothing written, the process lives', async () => {
    const user = await s.db.createUser({ provider: 'apple' });
    const sub = s.apple!.sandbox.subscription({ appAccountToken: user });
    s.apple!.api.history.push(await sub.subscribe());
    const before = await s.ledger();
    await s.apple!.api.stop();
    const res = await s.reconcile();
    assert.equal(res.status, 503, JSON.stringify(res.body));
    assert.equal(res.body.error.code, 'apple_unavailable');
    assert.deepEqual(await s.ledger(), before);
    assert.equal(await subscriptionRowOf(s.db, user), undefined);
    assert.equal((await s.runs()).at(-1)!.outcome, 'failed');
    assert.equal(s.reconcileFn.exitStatus(), null);
  });
});
