// The in-app sync function: StoreKit 2 transactions from the signed-in iOS app, linking and the
// transfer policy, and the row it returns so the app can unlock at once.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startAppStoreStack, TEST_APP_APPLE_ID, type AppStoreStack } from '../helpers/app-store-stack.ts';
import { FakeAppStore, generateTestChain } from '../fakes/fake-app-store.ts';
import type { RunningFunction } from '../helpers/edge-function.ts';

describe('app-store-sync', () => {
  let s: AppStoreStack;
  let transferring: RunningFunction;
  before(async () => {
    s = await startAppStoreStack({ functions: ['app-store-sync', 'app-store-notifications'] });
    transferring = await s.start('app-store-sync', { APPLE_TRANSFER_POLICY: 'transfer_to_caller' });
  });
  after(async () => s?.stop());

  test('own purchase (appAccountToken = caller): linked, and the row is returned for instant unlock', async () => {
    const user = await s.signedUser();
    const sub = s.sandbox.subscription({ appAccountToken: user.id });
    const res = await s.sync(user.token, await sub.signedTransaction());
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.outcome, 'linked');
    assert.equal(res.body.environment, 'Sandbox');
    const again = await s.sync(user.token, await sub.signedTransaction());
    assert.equal(again.body.outcome, 'already_owned');
    assert.equal(res.body.originalTransactionId, sub.originalTransactionId);
    assert.deepEqual(
      [res.body.subscription.user_id, res.body.subscription.is_active, res.body.subscription.store, res.body.subscription.will_renew],
      [user.id, true, 'app_store', true],
    );
  });

  test('a purchase without a token that nobody owns yet is linked to the caller', async () => {
    const user = await s.signedUser();
    const sub = s.sandbox.subscription({ appAccountToken: null });
    // Apple's notification arrived first and stored it unlinked.
    assert.equal((await s.notify(await sub.subscribe())).status, 200);
    const res = await s.sync(user.token, await sub.signedTransaction());
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.outcome, 'linked');
    assert.equal(res.body.subscription.user_id, user.id);
  });

  test('someone else’s purchase, keep-first-owner policy: 409, ownership unchanged', async () => {
    const owner = await s.signedUser();
    const other = await s.signedUser();
    const sub = s.sandbox.subscription({ appAccountToken: owner.id });
    await s.sync(owner.token, await sub.signedTransaction());
    const res = await s.sync(other.token, await sub.signedTransaction());
    assert.equal(res.status, 409);
    assert.equal(res.body.error.code, 'owned_by_another_account');
    assert.match(res.body.error.message, /another account/);
    const [row] = await s.db.owner`select user_id from billing.store_subscriptions where store_subscription_id = ${sub.originalTransactionId}`;
    assert.equal(row.user_id, owner.id);
  });

  test('someone else’s purchase by token, never synced by them: still theirs under keep-first-owner', async () => {
    const buyer = await s.signedUser();
    const other = await s.signedUser();
    const sub = s.sandbox.subscription({ appAccountToken: buyer.id });
    const res = await s.sync(other.token, await sub.signedTransaction());
    assert.equal(res.status, 409);
    const [row] = await s.db.owner`select user_id from billing.store_subscriptions where store_subscription_id = ${sub.originalTransactionId}`;
    assert.equal(row.user_id, buyer.id);
  });

  test('transfer-to-caller policy never moves a purchase away from the account its appAccountToken names', async () => {
    const owner = await s.signedUser();
    const caller = await s.signedUser();
    const sub = s.sandbox.subscription({ appAccountToken: owner.id });
    await s.sync(owner.token, await sub.signedTransaction());
    const res = await s.sync(caller.token, await sub.signedTransaction(), transferring);
    assert.equal(res.status, 409, JSON.stringify(res.body));
    assert.equal(res.body.error.code, 'owned_by_another_account');
    const [row] = await s.db.owner`select user_id from billing.store_subscriptions where store_subscription_id = ${sub.originalTransactionId}`;
    assert.equal(row.user_id, owner.id);
  });

  test('someone else’s purchase without a buyer token, transfer-to-caller policy: moved, and the transfer is on record', async () => {
    const owner = await s.signedUser();
    const caller = await s.signedUser();
    const sub = s.sandbox.subscription({});
    await s.sync(owner.token, await sub.signedTransaction());
    const res = await s.sync(caller.token, await sub.signedTransaction(), transferring);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.outcome, 'transferred');
    assert.equal(res.body.subscription.user_id, caller.id);
    const [transfer] = await s.db.owner`
      select e.event_type, e.detail from billing.store_events e
      join billing.store_subscriptions s on s.id = e.subscription_id
      where s.store_subscription_id = ${sub.originalTransactionId} and e.event_type = 'ownership.transferred'`;
    assert.deepEqual(transfer.detail, { from: owner.id, to: caller.id, reason: 'in-app sync' });
    // The previous owner no longer sees it.
    const previous = await s.db.asUser(owner.id, (tx) => tx`select * from public.subscriptions`);
    assert.equal(previous.length, 0);
  });

  test('later notifications never move a transferred subscription back', async () => {
    const owner = await s.signedUser();
    const caller = await s.signedUser();
    // Bought on the previous owner's account before the app set buyer tokens; later renewals carry none.
    const sub = s.sandbox.subscription({});
    await s.sync(owner.token, await sub.signedTransaction());
    await s.sync(caller.token, await sub.signedTransaction(), transferring);
    await s.notify(await sub.renew());
    const [row] = await s.db.owner`select user_id from billing.store_subscriptions where store_subscription_id = ${sub.originalTransactionId}`;
    assert.equal(row.user_id, caller.id);
  });

  test('the same transaction sent twice (restore, Transaction.updates) is idempotent', async () => {
    const user = await s.signedUser();
    const jws = await s.sandbox.subscription({ appAccountToken: user.id }).signedTransaction();
    const first = await s.sync(user.token, jws);
    const ledger = await s.ledgerCount();
    const second = await s.sync(user.token, jws);
    assert.equal(second.status, 200);
    assert.deepEqual(second.body.subscription, first.body.subscription);
    assert.equal(await s.ledgerCount(), ledger);
  });

  test('a transaction from the app never overrides Apple’s grace period (it carries no renewal info)', async () => {
    const user = await s.signedUser();
    const sub = s.sandbox.subscription({ appAccountToken: user.id });
    await s.notify(await sub.subscribe());
    await s.notify(await sub.failToRenew(true));
    // Restore after the renewal failed: the last paid transaction, already past its expiry.
    const res = await s.sync(user.token, await sub.signedTransaction());
    assert.equal(res.status, 200);
    assert.deepEqual([res.body.subscription.status, res.body.subscription.is_active], ['in_grace_period', true]);
  });

  test('a refunded transaction from the app grants nothing', async () => {
    const user = await s.signedUser();
    const sub = s.sandbox.subscription({ appAccountToken: user.id });
    await s.sync(user.token, await sub.signedTransaction());
    await sub.refund();
    const res = await s.sync(user.token, await sub.signedTransaction());
    assert.deepEqual([res.body.subscription.status, res.body.subscription.is_active], ['refunded', false]);
  });

  test('a subscriber on the web who also buys on iOS: both-stores flag in the returned row', async () => {
    const user = await s.signedUser();
    await s.db.owner`select * from billing.apply_subscription_update('stripe', ${'evt_' + randomUUID()}, 'customer.subscription.updated', now(),
      ${'sub_' + randomUUID().slice(0, 8)}, ${user.id}, 'prod_premium', 'active', now() + interval '20 days', true, null, true)`;
    const res = await s.sync(user.token, await s.sandbox.subscription({ appAccountToken: user.id }).signedTransaction());
    assert.equal(res.body.subscription.active_in_both_stores, true);
  });

  test('requires a signed-in user', async () => {
    const jws = await s.sandbox.subscription().signedTransaction();
    const res = await s.call('app-store-sync', { body: { signedTransaction: jws } });
    assert.equal(res.status, 401);
  });

  test('refuses forged, foreign and malformed transactions with 4xx and writes nothing', async () => {
    const user = await s.signedUser();
    const forger = new FakeAppStore({ chain: await generateTestChain(), environment: 'Sandbox', appAppleId: TEST_APP_APPLE_ID });
    const otherApp = new FakeAppStore({ chain: s.chain, bundleId: 'com.example.other', environment: 'Sandbox', appAppleId: TEST_APP_APPLE_ID });
    const ledger = await s.ledgerCount();
    const cases: [unknown, number, string][] = [
      [await forger.subscription({ appAccountToken: user.id }).signedTransaction(), 400, 'invalid_signature'],
      [await otherApp.subscription({ appAccountToken: user.id }).signedTransaction(), 400, 'wrong_app'],
      [await s.sandbox.subscription({ appAccountToken: user.id, productId: 'com.certgames.app.coins_100' }).signedTransaction(), 400, 'unknown_product'],
      [12345, 400, 'invalid_request'],
      ['not-a-jws', 400, 'invalid_request'],
    ];
    for (const [jws, status, code] of cases) {
      const res = await s.sync(user.token, jws);
      assert.deepEqual([res.status, res.body.error?.code], [status, code], JSON.stringify(res.body));
    }
    assert.equal(await s.ledgerCount(), ledger);
    const mine = await s.db.asUser(user.id, (tx) => tx`select * from public.subscriptions`);
    assert.equal(mine.length, 0);
  });
});
