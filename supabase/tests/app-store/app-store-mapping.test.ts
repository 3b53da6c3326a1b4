// Pure App Store mapping: Apple's transaction and renewal info → normalized state.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JWSRenewalInfoDecodedPayload, JWSTransactionDecodedPayload } from '@apple/app-store-server-library';
import {
  accountTokenOf,
  appStoreStatus,
  APP_STORE_NOTIFICATION_RULES,
  mayTransferToCaller,
  notificationRule,
  periodStateOf,
  subscriptionUpdateFromAppStore,
} from '../../functions/_shared/app-store-mapping.ts';

const T = Date.parse('2026-06-01T00:00:00Z');
const DAY = 86_400_000;
const tx = (o: Partial<JWSTransactionDecodedPayload> = {}) =>
  ({ originalTransactionId: '2000000000000001', transactionId: '2000000000000009', productId: 'p', expiresDate: T + 10 * DAY, environment: 'Sandbox', ...o }) as JWSTransactionDecodedPayload;
const renewal = (o: Partial<JWSRenewalInfoDecodedPayload> = {}) => ({ autoRenewStatus: 1, isInBillingRetryPeriod: false, ...o }) as JWSRenewalInfoDecodedPayload;
const at = new Date(T);

test('status from the transaction and renewal info at the notification time', () => {
  assert.deepEqual(appStoreStatus({ transaction: tx(), at }), { status: 'active', gracePeriodExpiresAt: null });
  assert.equal(appStoreStatus({ transaction: tx({ expiresDate: T - 1 }), at }).status, 'expired');
  assert.equal(appStoreStatus({ transaction: tx({ offerType: 1, offerDiscountType: 'FREE_TRIAL' as never }), at }).status, 'trialing');
  assert.deepEqual(
    appStoreStatus({ transaction: tx({ expiresDate: T - DAY }), renewal: renewal({ isInBillingRetryPeriod: true, gracePeriodExpiresDate: T + 5 * DAY }), at }),
    { status: 'in_grace_period', gracePeriodExpiresAt: new Date(T + 5 * DAY) },
  );
  // A failed renewal reported before the paid period ends already counts the grace.
  assert.equal(appStoreStatus({ transaction: tx(), renewal: renewal({ isInBillingRetryPeriod: true, gracePeriodExpiresDate: T + 20 * DAY }), at }).status, 'in_grace_period');
  assert.equal(appStoreStatus({ transaction: tx({ expiresDate: T - DAY }), renewal: renewal({ isInBillingRetryPeriod: true }), at }).status, 'past_due');
  assert.equal(appStoreStatus({ transaction: tx({ expiresDate: T - DAY }), renewal: renewal({ isInBillingRetryPeriod: true, gracePeriodExpiresDate: T - 1 }), at }).status, 'past_due');
  // A revocation is a fact about the transaction's period, not part of the subscription's status.
  assert.equal(appStoreStatus({ transaction: tx({ revocationDate: T, revocationType: 'REFUND_FULL' as never }), at }).status, 'active');
  assert.equal(appStoreStatus({ transaction: tx(), at, forced: 'expired' }).status, 'expired');
});

test('every subscription notification type of the issue has a rule; the rest are unhandled', () => {
  for (const type of ['SUBSCRIBED', 'DID_RENEW', 'DID_FAIL_TO_RENEW', 'GRACE_PERIOD_EXPIRED', 'EXPIRED', 'DID_CHANGE_RENEWAL_STATUS',
    'DID_CHANGE_RENEWAL_PREF', 'OFFER_REDEEMED', 'PRICE_INCREASE', 'REFUND', 'REFUND_DECLINED', 'REFUND_REVERSED', 'REVOKE',
    'RENEWAL_EXTENDED', 'RENEWAL_EXTENSION', 'TEST']) {
    assert.ok(type in APP_STORE_NOTIFICATION_RULES, type);
  }
  assert.equal(notificationRule('CONSUMPTION_REQUEST'), 'unhandled');
  assert.equal(notificationRule(undefined), 'unhandled');
  assert.equal(notificationRule('EXPIRED'), 'expired');
});

test('the update: ids, product, renewal, sandbox and family flags', () => {
  const u = subscriptionUpdateFromAppStore(tx({ inAppOwnershipType: 'FAMILY_SHARED' as never }), renewal({ autoRenewStatus: 0 }), {
    eventId: 'n1', eventType: 'DID_CHANGE_RENEWAL_STATUS.AUTO_RENEW_DISABLED', at, userId: null, snapshotRank: 1, fallbackWillRenew: true, payload: {},
  });
  assert.deepEqual(
    [u.store, u.storeSubscriptionId, u.productId, u.willRenew, u.isSandbox, u.isFamilyShared, u.expiresAt?.getTime()],
    ['app_store', '2000000000000001', 'p', false, true, true, T + 10 * DAY],
  );
  const withoutRenewal = subscriptionUpdateFromAppStore(tx({ environment: 'Production' as never }), undefined, {
    eventId: 'n2', eventType: 'app.transaction_sync', at, userId: null, snapshotRank: 0, fallbackWillRenew: false, payload: {},
  });
  assert.deepEqual([withoutRenewal.willRenew, withoutRenewal.isSandbox], [false, false]);
});

test('each transaction is a fact about its own period: paid, refunded, revoked', () => {
  const base = { eventId: 'n', eventType: 'REFUND', at, userId: null, snapshotRank: 0 as const, fallbackWillRenew: true, payload: {} };
  const refunded = subscriptionUpdateFromAppStore(tx({ revocationDate: T, revocationType: 'REFUND_FULL' as never }), undefined, base);
  assert.deepEqual(refunded.period, { id: '2000000000000009', endsAt: new Date(T + 10 * DAY), isTrial: false, state: 'refunded', stateAt: at });
  assert.deepEqual([refunded.currentPeriodId, refunded.snapshotRank], ['2000000000000009', 0]);
  assert.equal(periodStateOf(tx({ revocationDate: T, revocationType: 'REFUND_PRORATED' as never })), 'refunded');
  assert.equal(periodStateOf(tx({ revocationDate: T, revocationType: 'FAMILY_REVOKE' as never })), 'revoked');
  assert.equal(periodStateOf(tx()), 'paid');
  // The notification states the outcome, whatever the transaction shows.
  assert.equal(periodStateOf(tx(), 'REVOKE'), 'revoked');
  assert.equal(periodStateOf(tx(), 'REFUND'), 'refunded');
  assert.equal(periodStateOf(tx({ revocationDate: T }), 'REFUND_REVERSED'), 'paid');
  for (const type of ['REFUND', 'REFUND_DECLINED', 'REFUND_REVERSED', 'REVOKE']) assert.equal(notificationRule(type), 'period', type);
});

test('the in-app sync never moves a purchase away from the account its appAccountToken names', () => {
  const buyer = 'd2e1a0b4-7c1b-4f0e-9c3a-1b2c3d4e5f60';
  assert.equal(mayTransferToCaller('transfer_to_caller', buyer, buyer), false);
  assert.equal(mayTransferToCaller('transfer_to_caller', buyer, 'another-owner'), true);
  assert.equal(mayTransferToCaller('transfer_to_caller', null, 'another-owner'), true);
  assert.equal(mayTransferToCaller('keep_first_owner', null, 'another-owner'), false);
});

test('appAccountToken is a user id only when it is a UUID', () => {
  assert.equal(accountTokenOf(tx({ appAccountToken: 'D2E1A0B4-7C1B-4F0E-9C3A-1B2C3D4E5F60' })), 'd2e1a0b4-7c1b-4f0e-9c3a-1b2c3d4e5f60');
  assert.equal(accountTokenOf(tx({ appAccountToken: 'not-a-uuid' })), null);
  assert.equal(accountTokenOf(tx()), null);
});
