// App Store Server Notifications V2 end to end: the real function under Deno verifies payloads
// signed by the FAKE Apple chain with the official SignedDataVerifier, then applies them.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startAppStoreStack, type AppStoreStack } from '../helpers/app-store-stack.ts';
import type { FakeSubscription, SignedNotification } from '../fakes/fake-app-store.ts';
import { subscriptionRowOf } from '../helpers/stripe-stack.ts';

describe('app-store-notifications', () => {
  let s: AppStoreStack;
  before(async () => {
    s = await startAppStoreStack({ functions: ['app-store-notifications'] });
  });
  after(async () => s?.stop());

  async function deliver(n: SignedNotification) {
    const res = await s.notify(n);
    assert.equal(res.status, 200, `${n.type}.${n.subtype ?? ''}: ${JSON.stringify(res.body)}`);
    return res.body as { result: string; reason?: string; environment: string };
  }

  /** A fresh user subscribed through the App Store (SUBSCRIBED.INITIAL_BUY delivered). */
  async function subscribedUser(options: { environment?: 'Sandbox' | 'Production' } = {}) {
    const user = await s.signedUser();
    const store = options.environment === 'Production' ? s.production : s.sandbox;
    const sub = store.subscription({ appAccountToken: user.id });
    await deliver(await sub.subscribe());
    return { user, sub };
  }

  const row = (userId: string) => subscriptionRowOf(s.db, userId);

  // Each case: steps before (delivered), the step under test, and what both apps must then see.
  const cases: {
    name: string;
    before?: (sub: FakeSubscription) => Promise<SignedNotification>[] | Promise<SignedNotification[]>;
    step: (sub: FakeSubscription) => Promise<SignedNotification>;
    expect: Record<string, unknown>;
  }[] = [
    { name: 'SUBSCRIBED.INITIAL_BUY', step: (sub) => sub.setAutoRenew(true), expect: { status: 'active', is_active: true, will_renew: true, store: 'app_store', manage_with: 'app_store' } },
    { name: 'SUBSCRIBED.RESUBSCRIBE after expiry', before: async (sub) => [await sub.expire('VOLUNTARY')], step: (sub) => sub.subscribe('RESUBSCRIBE'), expect: { status: 'active', is_active: true, will_renew: true } },
    { name: 'DID_RENEW', step: (sub) => sub.renew(), expect: { status: 'active', is_active: true } },
    { name: 'DID_FAIL_TO_RENEW.GRACE_PERIOD', step: (sub) => sub.failToRenew(true), expect: { status: 'in_grace_period', is_active: true, in_grace_period: true, has_billing_issue: true } },
    { name: 'DID_FAIL_TO_RENEW (billing retry, no grace)', step: (sub) => sub.failToRenew(false), expect: { status: 'past_due', is_active: false, has_billing_issue: true } },
    { name: 'GRACE_PERIOD_EXPIRED', before: async (sub) => [await sub.failToRenew(true)], step: (sub) => sub.graceExpired(), expect: { status: 'past_due', is_active: false, has_billing_issue: true } },
    { name: 'DID_RENEW.BILLING_RECOVERY', before: async (sub) => [await sub.failToRenew(true)], step: (sub) => sub.recover(), expect: { status: 'active', is_active: true, has_billing_issue: false } },
    { name: 'EXPIRED.VOLUNTARY', before: async (sub) => [await sub.setAutoRenew(false)], step: (sub) => sub.expire('VOLUNTARY'), expect: { status: 'expired', is_active: false, will_renew: false } },
    { name: 'EXPIRED.BILLING_RETRY', before: async (sub) => [await sub.failToRenew(false)], step: (sub) => sub.expire('BILLING_RETRY'), expect: { status: 'expired', is_active: false } },
    { name: 'EXPIRED.PRICE_INCREASE', step: (sub) => sub.expire('PRICE_INCREASE'), expect: { status: 'expired', is_active: false } },
    { name: 'EXPIRED.PRODUCT_NOT_FOR_SALE', step: (sub) => sub.expire('PRODUCT_NOT_FOR_SALE'), expect: { status: 'expired', is_active: false } },
    { name: 'DID_CHANGE_RENEWAL_STATUS.AUTO_RENEW_DISABLED', step: (sub) => sub.setAutoRenew(false), expect: { status: 'active', is_active: true, will_renew: false } },
    { name: 'DID_CHANGE_RENEWAL_STATUS.AUTO_RENEW_ENABLED', before: async (sub) => [await sub.setAutoRenew(false)], step: (sub) => sub.setAutoRenew(true), expect: { will_renew: true } },
    { name: 'DID_CHANGE_RENEWAL_PREF.UPGRADE', step: (sub) => sub.changeRenewalPref('UPGRADE', 'com.certgames.app.yearly_premium'), expect: { product_id: 'com.certgames.app.yearly_premium', is_active: true } },
    { name: 'DID_CHANGE_RENEWAL_PREF.DOWNGRADE', step: (sub) => sub.changeRenewalPref('DOWNGRADE', 'com.certgames.app.monthly_premium'), expect: { product_id: 'com.certgames.app.monthly_premium', is_active: true } },
    { name: 'OFFER_REDEEMED', step: (sub) => sub.offerRedeemed(), expect: { status: 'active', is_active: true } },
    { name: 'PRICE_INCREASE.PENDING', step: (sub) => sub.priceIncrease('PENDING'), expect: { status: 'active', is_active: true } },
    { name: 'PRICE_INCREASE.ACCEPTED', step: (sub) => sub.priceIncrease('ACCEPTED'), expect: { status: 'active', is_active: true } },
    { name: 'REFUND ends access at once', step: (sub) => sub.refund(), expect: { status: 'refunded', is_active: false } },
    { name: 'REFUND_DECLINED keeps access', step: (sub) => sub.refundDeclined(), expect: { status: 'active', is_active: true } },
    { name: 'REFUND_REVERSED restores access', before: async (sub) => [await sub.refund()], step: (sub) => sub.refundReversed(), expect: { status: 'active', is_active: true } },
    { name: 'REVOKE (family sharing withdrawn) ends access', step: (sub) => sub.revokeFamilySharing(), expect: { status: 'revoked', is_active: false, will_renew: false } },
    { name: 'RENEWAL_EXTENDED moves the expiry', step: (sub) => sub.extendRenewal(7), expect: { status: 'active', is_active: true } },
  ];

  for (const c of cases) {
    test(c.name, async () => {
      const { user, sub } = await subscribedUser();
      for (const n of await Promise.all(c.before ? await c.before(sub) : [])) await deliver(n);
      const body = await deliver(await c.step(sub));
      assert.equal(body.result, 'applied', JSON.stringify(body));
      const r = await row(user.id);
      for (const [key, value] of Object.entries(c.expect)) assert.equal(r?.[key], value, `${c.name}: ${key}`);
      assert.equal(new Date(r!.current_period_ends_at).getTime(), sub.expires, 'expiry follows the transaction');
    });
  }

  test('TEST and RENEWAL_EXTENSION.SUMMARY are acknowledged and recorded', async () => {
    for (const n of [await s.sandbox.test(), await s.sandbox.renewalExtensionSummary()]) {
      const body = await deliver(n);
      assert.equal(body.result, 'ignored');
      const [ledger] = await s.db.owner`select event_type, result::text from billing.store_events where store_event_id = ${n.uuid}`;
      assert.deepEqual({ ...ledger }, { event_type: n.subtype ? `${n.type}.${n.subtype}` : n.type, result: 'ignored' });
    }
  });

  test('other notification types are recorded as unhandled', async () => {
    const { sub } = await subscribedUser();
    const body = await deliver(await sub.unhandled('CONSUMPTION_REQUEST'));
    assert.equal(body.result, 'ignored');
    assert.match(body.reason ?? '', /not a subscription state change we handle/);
  });

  test('a purchase whose appAccountToken is not a user of ours is stored unlinked', async () => {
    const sub = s.sandbox.subscription({ appAccountToken: null });
    await deliver(await sub.subscribe());
    const [stored] = await s.db.owner`select user_id, status::text from billing.store_subscriptions where store_subscription_id = ${sub.originalTransactionId}`;
    assert.deepEqual({ ...stored }, { user_id: null, status: 'active' });
  });

  test('family-shared purchases are recorded as such', async () => {
    const user = await s.signedUser();
    const sub = s.sandbox.subscription({ appAccountToken: user.id, familyShared: true });
    await deliver(await sub.subscribe());
    assert.equal((await row(user.id))?.is_family_shared, true);
  });

  test('sandbox and production are both accepted and recorded as such', async () => {
    const sandboxUser = await subscribedUser({ environment: 'Sandbox' });
    const productionUser = await subscribedUser({ environment: 'Production' });
    assert.equal((await row(sandboxUser.user.id))?.is_sandbox, true);
    assert.equal((await row(productionUser.user.id))?.is_sandbox, false);
  });

  test('a refund of an earlier period does not end the current one', async () => {
    const { user, sub } = await subscribedUser();
    const firstPeriod = sub.transactionPayload();
    await deliver(await sub.renew());
    // Signed after the renewal, about the first period's transaction.
    const body = await deliver(await sub.refundOf(firstPeriod));
    assert.equal(body.result, 'applied'); // a fact about the first period
    const [fact] = await s.db.owner`select state::text from billing.store_periods where period_id = ${firstPeriod.transactionId as string}`;
    assert.equal(fact.state, 'refunded');
    const r = await row(user.id);
    assert.deepEqual([r?.status, r?.is_active, new Date(r!.current_period_ends_at).getTime()], ['active', true, sub.expires]);
  });

  test('a subscriber on the web who also buys on iOS is flagged as paying twice', async () => {
    const user = await s.signedUser();
    await s.db.owner`select * from billing.apply_subscription_update('stripe', ${'evt_' + user.id}, 'customer.subscription.updated', now(),
      ${'sub_' + user.id.slice(0, 8)}, ${user.id}, 'prod_premium', 'active', now() + interval '20 days', true, null, true)`;
    const sub = s.sandbox.subscription({ appAccountToken: user.id });
    await deliver(await sub.subscribe());
    assert.equal((await row(user.id))?.active_in_both_stores, true);
  });

  test('duplicates are answered 200 and change nothing', async () => {
    const { user, sub } = await subscribedUser();
    const renewal = await sub.renew();
    assert.equal((await deliver(renewal)).result, 'applied');
    const before = await row(user.id);
    const ledger = await s.ledgerCount();
    assert.equal((await deliver(renewal)).result, 'duplicate');
    assert.deepEqual(await row(user.id), before);
    assert.equal(await s.ledgerCount(), ledger);
  });
});
