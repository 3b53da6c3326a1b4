// Account deletion (App Store guideline 5.1.1(v)) through the real function under Deno.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startStripeStack, WEB_ORIGIN, type StripeStack } from '../helpers/stripe-stack.ts';
import { startEdgeFunction, callFunction, type RunningFunction } from '../helpers/edge-function.ts';
import { FakeAppleId } from '../fakes/fake-apple-id.ts';
import { applySubscriptionUpdate } from '../../functions/_shared/billing-db.ts';
import { appStoreUpdate } from '../helpers/fixtures.ts';

describe('delete-account', () => {
  let s: StripeStack;
  let apple: FakeAppleId;
  let fn: RunningFunction;
  before(async () => {
    apple = await new FakeAppleId().start();
    s = await startStripeStack({ functions: ['subscribe', 'stripe-webhook'] });
    fn = await startEdgeFunction('delete-account', { ...s.env, ...apple.env() });
  });
  after(async () => {
    await fn?.stop();
    await s?.stop();
    await apple?.stop();
  });

  const del = (token: string | undefined, body: unknown = {}) => callFunction(fn, { token, origin: WEB_ORIGIN, body });

  async function counts(userId: string) {
    const [row] = await s.db.owner`
      select (select count(*)::int from auth.users where id = ${userId}) as users,
             (select count(*)::int from auth.identities where user_id = ${userId}) as identities,
             (select count(*)::int from public.profiles where id = ${userId}) as profiles,
             (select count(*)::int from billing.stripe_customers where user_id = ${userId}) as customers,
             (select count(*)::int from billing.store_subscriptions where user_id = ${userId}) as linked_subscriptions`;
    return { ...row };
  }

  test('a web subscriber: the Stripe subscription ends at once, the customer is removed, so is the account', async () => {
    const user = await s.signedUser();
    const { body } = await s.call('subscribe', { token: user.token, origin: WEB_ORIGIN, body: {} });
    for (const e of s.stripe.payFirstInvoice(body.subscriptionId, 'succeeded')) await s.deliver(e);
    const customerId = s.stripe.subscriptions.get(body.subscriptionId)!.customer;
    const ledgerBefore = await s.ledgerCount();

    const res = await del(user.token);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body.stripe, { canceledSubscriptions: [body.subscriptionId], customerDeleted: true });
    assert.deepEqual(res.body.appStore, { mustCancelInAppStore: false });
    assert.equal(s.stripe.subscriptions.get(body.subscriptionId)!.status, 'canceled');
    assert.equal(s.stripe.customers.has(customerId), false);
    assert.deepEqual(await counts(user.id), { users: 0, identities: 0, profiles: 0, customers: 0, linked_subscriptions: 0 });
    // The ledger keeps its (anonymous) audit trail; the subscription row is unlinked and emptied.
    assert.equal(await s.ledgerCount(), ledgerBefore);
    const [row] = await s.db.owner`select user_id, latest_payload from billing.store_subscriptions where store_subscription_id = ${body.subscriptionId}`;
    assert.deepEqual({ ...row }, { user_id: null, latest_payload: null });
  });

  test('an App Store subscriber is told to cancel in the App Store; the purchase is unlinked for a later restore', async () => {
    const user = await s.signedUser({ provider: 'apple' });
    const update = appStoreUpdate({ userId: user.id });
    await applySubscriptionUpdate(s.db.owner, update);
    const res = await del(user.token);
    assert.equal(res.status, 200);
    assert.equal(res.body.appStore.mustCancelInAppStore, true);
    assert.equal(res.body.appStore.manageUrl, 'https://apps.apple.com/account/subscriptions');
    assert.match(res.body.appStore.message, /cancel/);
    const [row] = await s.db.owner`select user_id from billing.store_subscriptions where store_subscription_id = ${update.storeSubscriptionId}`;
    assert.equal(row.user_id, null);
  });

  test('paying in both stores: the App Store notice is given even when the web subscription is the one shown', async () => {
    const user = await s.signedUser();
    const { body } = await s.call('subscribe', { token: user.token, origin: WEB_ORIGIN, body: {} });
    for (const e of s.stripe.payFirstInvoice(body.subscriptionId, 'succeeded')) await s.deliver(e);
    // The App Store one ends sooner, so the view represents the user by the Stripe row.
    await applySubscriptionUpdate(s.db.owner, appStoreUpdate({ userId: user.id, expiresAt: new Date(Date.now() + 5 * 86_400_000) }));
    const [shown] = await s.db.owner`select store, active_in_both_stores from public.subscriptions where user_id = ${user.id}`;
    assert.deepEqual({ ...shown }, { store: 'stripe', active_in_both_stores: true });
    const res = await del(user.token);
    assert.equal(res.status, 200);
    assert.equal(res.body.appStore.mustCancelInAppStore, true);
    assert.deepEqual(res.body.stripe.canceledSubscriptions, [body.subscriptionId]);
  });

  test('with a fresh Sign in with Apple code, the Apple tokens are revoked as Apple requires', async () => {
    const user = await s.signedUser({ provider: 'apple' });
    const res = await del(user.token, { appleAuthorizationCode: apple.issueCode() });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.appleTokenRevoked, true);
    assert.equal(apple.revoked.length, 1);
    assert.equal((await counts(user.id)).users, 0);
  });

  test('Apple unreachable: 503 and nothing deleted, so a retry can finish', async () => {
    const user = await s.signedUser({ provider: 'apple' });
    apple.failWith = 503;
    try {
      const res = await del(user.token, { appleAuthorizationCode: apple.issueCode() });
      assert.deepEqual([res.status, res.body.error.code], [503, 'apple_unavailable']);
    } finally {
      apple.failWith = undefined;
    }
    assert.equal((await counts(user.id)).users, 1);
  });

  test('an expired or reused Apple code: 400, nothing deleted', async () => {
    const user = await s.signedUser({ provider: 'apple' });
    const res = await del(user.token, { appleAuthorizationCode: 'used-or-invalid' });
    assert.deepEqual([res.status, res.body.error.code], [400, 'invalid_request']);
    assert.equal((await counts(user.id)).users, 1);
  });

  test('Stripe unreachable: 503 and nothing deleted', async () => {
    const user = await s.signedUser();
    const { body } = await s.call('subscribe', { token: user.token, origin: WEB_ORIGIN, body: {} });
    for (const e of s.stripe.payFirstInvoice(body.subscriptionId, 'succeeded')) await s.deliver(e);
    s.stripe.unavailable = true;
    try {
      const res = await del(user.token);
      assert.deepEqual([res.status, res.body.error.code], [503, 'stripe_unavailable']);
    } finally {
      s.stripe.unavailable = false;
    }
    assert.equal((await counts(user.id)).users, 1);
    assert.equal(s.stripe.subscriptions.get(body.subscriptionId)!.status, 'active');
  });

  test('a second call, or an unknown user: 404 account_not_found', async () => {
    const user = await s.signedUser();
    assert.equal((await del(user.token)).status, 200);
    const again = await del(user.token);
    assert.deepEqual([again.status, again.body.error.code], [404, 'account_not_found']);
    const stranger = await del(await s.signer.token(randomUUID()));
    assert.deepEqual([stranger.status, stranger.body.error.code], [404, 'account_not_found']);
  });

  test('requires a signed-in user; bad input is refused', async () => {
    assert.equal((await del(undefined)).status, 401);
    const user = await s.signedUser();
    const res = await del(user.token, { appleAuthorizationCode: 42 });
    assert.equal(res.status, 400);
    assert.equal((await counts(user.id)).users, 1);
  });
});
