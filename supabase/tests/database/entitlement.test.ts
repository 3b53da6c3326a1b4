// The entitlement rule and the subscriptions view, evaluated at read time against now().
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.ts';
import { applySubscriptionUpdate, type SubscriptionUpdate } from '../../functions/_shared/billing-db.ts';
import { DAY_MS, HOUR_MS, appStoreUpdate, at, stripeUpdate } from '../helpers/fixtures.ts';

describe('entitlement at read time', () => {
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase();
  });
  after(async () => db?.drop());

  /** A fresh user whose subscriptions are exactly these updates; returns what their app reads. */
  async function userWith(...updates: ((userId: string) => SubscriptionUpdate)[]) {
    const userId = await db.createUser();
    for (const make of updates) await applySubscriptionUpdate(db.owner, make(userId));
    const rows = await db.asUser(userId, (tx) => tx`select * from public.subscriptions`);
    assert.ok(rows.length <= 1, 'at most one row per user');
    return { userId, row: rows[0] as Record<string, unknown> | undefined };
  }

  const now = () => new Date();

  test('no subscription: no row', async () => {
    const { row } = await userWith();
    assert.equal(row, undefined);
  });

  test('active and renewing', async () => {
    const { row, userId } = await userWith((u) => stripeUpdate({ userId: u }));
    assert.equal(row?.user_id, userId);
    assert.equal(row?.is_active, true);
    assert.equal(row?.status, 'active');
    assert.equal(row?.store, 'stripe');
    assert.equal(row?.will_renew, true);
    assert.equal(row?.manage_with, 'stripe_customer_portal');
    assert.equal(row?.manage_url, null);
    assert.equal(row?.has_billing_issue, false);
    assert.equal(row?.active_in_both_stores, false);
  });

  test('past its expiry with no further event: inactive, although the row still says active', async () => {
    const { row } = await userWith((u) => stripeUpdate({ userId: u, eventAt: at(now(), -31 * DAY_MS), expiresAt: at(now(), -HOUR_MS) }));
    assert.equal(row?.status, 'active');
    assert.equal(row?.is_active, false);
  });

  test('canceled at period end: active until the end, and says it will not renew', async () => {
    const { row } = await userWith((u) => stripeUpdate({ userId: u, willRenew: false, expiresAt: at(now(), 5 * DAY_MS) }));
    assert.equal(row?.is_active, true);
    assert.equal(row?.will_renew, false);
  });

  test('in grace period: active until the grace period ends, flagged as a billing issue', async () => {
    const { row } = await userWith((u) =>
      appStoreUpdate({ userId: u, status: 'in_grace_period', expiresAt: at(now(), -DAY_MS), gracePeriodExpiresAt: at(now(), 5 * DAY_MS) }),
    );
    assert.equal(row?.is_active, true);
    assert.equal(row?.in_grace_period, true);
    assert.equal(row?.has_billing_issue, true);
    assert.equal(row?.manage_with, 'app_store');
    assert.equal(row?.manage_url, 'https://apps.apple.com/account/subscriptions');
  });

  test('grace period over with no further event: inactive', async () => {
    const { row } = await userWith((u) =>
      appStoreUpdate({ userId: u, status: 'in_grace_period', expiresAt: at(now(), -7 * DAY_MS), gracePeriodExpiresAt: at(now(), -HOUR_MS) }),
    );
    assert.equal(row?.is_active, false);
    assert.equal(row?.in_grace_period, true);
  });

  test('past due (Stripe retrying): inactive even though the unpaid period has not ended', async () => {
    const { row } = await userWith((u) => stripeUpdate({ userId: u, status: 'past_due', expiresAt: at(now(), 29 * DAY_MS) }));
    assert.equal(row?.is_active, false);
    assert.equal(row?.has_billing_issue, true);
  });

  for (const status of ['refunded', 'revoked'] as const) {
    test(`${status}: inactive at once, although the paid period runs on`, async () => {
      const { row } = await userWith(
        (u) => appStoreUpdate({ userId: u, storeSubscriptionId: `orig-${status}-${u}`, eventAt: at(now(), -DAY_MS) }),
        (u) =>
          appStoreUpdate({ userId: u, storeSubscriptionId: `orig-${status}-${u}`, status, willRenew: false, expiresAt: at(now(), 20 * DAY_MS) }),
      );
      assert.equal(row?.status, status);
      assert.equal(row?.is_active, false);
    });
  }

  test('payment processing (incomplete) is shown but grants nothing', async () => {
    const { row } = await userWith((u) => stripeUpdate({ userId: u, status: 'incomplete' }));
    assert.equal(row?.status, 'incomplete');
    assert.equal(row?.is_active, false);
  });

  test('active in both stores: flagged, and the row shown is a renewing one', async () => {
    const { row } = await userWith(
      (u) => stripeUpdate({ userId: u, willRenew: false, expiresAt: at(now(), 3 * DAY_MS) }),
      (u) => appStoreUpdate({ userId: u, willRenew: true, expiresAt: at(now(), 20 * DAY_MS) }),
    );
    assert.equal(row?.active_in_both_stores, true);
    assert.equal(row?.store, 'app_store');
  });

  test('both stores but one expired: not flagged, the active one wins', async () => {
    const { row } = await userWith(
      (u) => appStoreUpdate({ userId: u, eventAt: at(now(), -40 * DAY_MS), expiresAt: at(now(), -10 * DAY_MS) }),
      (u) => stripeUpdate({ userId: u, eventAt: at(now(), -50 * DAY_MS) }),
    );
    assert.equal(row?.active_in_both_stores, false);
    assert.equal(row?.store, 'stripe');
    assert.equal(row?.is_active, true);
  });

  test('an active App Store subscription wins over a newer Stripe payment still processing', async () => {
    const { row } = await userWith(
      (u) => appStoreUpdate({ userId: u, eventAt: at(now(), -DAY_MS) }),
      (u) => stripeUpdate({ userId: u, status: 'incomplete' }),
    );
    assert.equal(row?.store, 'app_store');
    assert.equal(row?.is_active, true);
  });

  test('with nothing active, the most recent state is shown', async () => {
    const { row } = await userWith(
      (u) => appStoreUpdate({ userId: u, status: 'expired', willRenew: false, eventAt: at(now(), -40 * DAY_MS), expiresAt: at(now(), -10 * DAY_MS) }),
      (u) => stripeUpdate({ userId: u, status: 'incomplete' }),
    );
    assert.equal(row?.store, 'stripe');
    assert.equal(row?.status, 'incomplete');
  });

  test('family-shared and sandbox flags reach the app', async () => {
    const { row } = await userWith((u) => appStoreUpdate({ userId: u, isFamilyShared: true, isSandbox: true }));
    assert.equal(row?.is_family_shared, true);
    assert.equal(row?.is_sandbox, true);
  });

  test('the rule itself, at explicit instants', async () => {
    const t = new Date('2026-06-01T00:00:00Z');
    const cases: [string, Date | null, Date | null, Date, boolean][] = [
      ['active', at(t, 1), null, t, true],
      ['active', t, null, t, false], // the paid period ends at expires_at, exclusive
      ['trialing', at(t, DAY_MS), null, t, true],
      ['active', null, null, t, false],
      ['in_grace_period', at(t, -DAY_MS), at(t, DAY_MS), t, true],
      ['in_grace_period', at(t, DAY_MS), at(t, -1), t, false],
      ['past_due', at(t, DAY_MS), null, t, false],
      ['paused', at(t, DAY_MS), null, t, false],
      ['incomplete', at(t, DAY_MS), null, t, false],
      ['expired', at(t, DAY_MS), null, t, false],
      ['refunded', at(t, DAY_MS), null, t, false],
      ['revoked', at(t, DAY_MS), null, t, false],
    ];
    for (const [status, expires, grace, instant, want] of cases) {
      const [r] = await db.owner`select billing.is_entitled(${status}::billing.subscription_status, ${expires}, ${grace}, ${instant}) as ok`;
      assert.equal(r.ok, want, `${status} expires=${expires?.toISOString()} grace=${grace?.toISOString()}`);
    }
  });
});
