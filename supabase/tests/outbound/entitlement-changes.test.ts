// Change detection of the outbound entitlement events (migration *_entitlement_outbox.sql), through
// the real write path (billing.apply_subscription_update and friends) on the real database.
//
// Property, for realistic lifecycles delivered in every order (all permutations up to 4 events, a
// seeded sample beyond) with random duplicates, each on a fresh person:
//   * the last announced state is the person's final public.subscriptions row, as they read it;
//   * no two consecutive events of a person carry the same row, and sequences run 1, 2, 3…;
//   * a duplicate or a stale store event adds no event, and re-delivering everything adds none;
//   * the final row does not depend on the order (it is the in-order run's).
// In order, each lifecycle announces the changes a person would expect (written out by hand).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import postgres from 'postgres';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.ts';
import { applySubscriptionUpdate, type SubscriptionUpdate } from '../../functions/_shared/billing-db.ts';
import { DAY_MS, HOUR_MS, at } from '../helpers/fixtures.ts';
import { scenarios as lifecycles, type Scenario } from '../helpers/scenarios.ts';
import { deliveryOrders, inBatches, seededRandom } from '../helpers/delivery-orders.ts';
import { announcedOf, comparable, eventCount, eventsOf, viewRowOf } from './outbox.ts';

const MONTH = 30 * DAY_MS;

/** An App Store subscription renewed once, then each period refunded: only the current one counts. */
const refundScenario: Scenario = {
  name: 'App Store: subscribe → renew → refund of the earlier period → refund of the current one',
  build: ({ userId, subscriptionId, runId, start }) => {
    const p1 = at(start, MONTH);
    const p2 = at(start, 2 * MONTH);
    const update = (i: number, offsetMs: number, u: Partial<SubscriptionUpdate>): SubscriptionUpdate => ({
      store: 'app_store', eventId: `${runId}-${i}`, eventType: 'x', eventAt: at(start, offsetMs), storeSubscriptionId: subscriptionId,
      userId, productId: 'com.certgames.app.monthly_premium', status: 'active', expiresAt: p1, willRenew: true,
      gracePeriodExpiresAt: null, isSandbox: true, ...u,
    });
    return [
      update(0, 0, { eventType: 'SUBSCRIBED.INITIAL_BUY', currentPeriodId: `${runId}-t1`, period: { id: `${runId}-t1`, endsAt: p1, state: 'paid', stateAt: at(start, 0) } }),
      update(1, MONTH - DAY_MS, { eventType: 'DID_RENEW', expiresAt: p2, currentPeriodId: `${runId}-t2`, period: { id: `${runId}-t2`, endsAt: p2, state: 'paid', stateAt: at(start, MONTH - DAY_MS) } }),
      update(2, MONTH + DAY_MS, { eventType: 'REFUND', snapshotRank: 0, currentPeriodId: `${runId}-t1`, period: { id: `${runId}-t1`, endsAt: p1, state: 'refunded', stateAt: at(start, MONTH + DAY_MS) } }),
      update(3, MONTH + 2 * DAY_MS, { eventType: 'REFUND', snapshotRank: 0, expiresAt: p2, currentPeriodId: `${runId}-t2`, period: { id: `${runId}-t2`, endsAt: p2, state: 'refunded', stateAt: at(start, MONTH + 2 * DAY_MS) } }),
    ];
  },
};

/** One person paying on the web and in the app, then the web subscription canceled. */
const bothStoresScenario: Scenario = {
  name: 'Stripe and App Store: both active → paying twice → Stripe canceled → App Store renewal off',
  build: ({ userId, subscriptionId, runId, start }) => {
    const base = { userId, willRenew: true, gracePeriodExpiresAt: null, isSandbox: true } as const;
    const stripe = { ...base, store: 'stripe', storeSubscriptionId: `sub_${subscriptionId}`, productId: 'prod_premium', expiresAt: at(start, 2 * MONTH) } as const;
    const apple = { ...base, store: 'app_store', storeSubscriptionId: `${subscriptionId}-ios`, productId: 'com.certgames.app.monthly_premium', expiresAt: at(start, MONTH) } as const;
    return [
      { ...stripe, eventId: `evt_${runId}_0`, eventType: 'customer.subscription.created', eventAt: at(start, 0), status: 'active' },
      { ...apple, eventId: `${runId}-1`, eventType: 'SUBSCRIBED.INITIAL_BUY', eventAt: at(start, HOUR_MS), status: 'active' },
      { ...stripe, eventId: `evt_${runId}_2`, eventType: 'customer.subscription.deleted', eventAt: at(start, 2 * DAY_MS), status: 'expired', willRenew: false },
      { ...apple, eventId: `${runId}-3`, eventType: 'DID_CHANGE_RENEWAL_STATUS.AUTO_RENEW_DISABLED', eventAt: at(start, 3 * DAY_MS), status: 'active', willRenew: false },
    ];
  },
};

const allScenarios = [...lifecycles, refundScenario, bothStoresScenario];

/**
 * What each lifecycle announces when delivered in order, with "now" 20 days after it started: the
 * first period is still running, the second one ahead.
 */
const expectedInOrder: Record<string, string[]> = {
  'Stripe: subscribe → renew → cancel at period end → expire': ['payment_pending', 'became_active', 'renewed', 'will_not_renew', 'expired'],
  'Stripe: renewal payment fails → past due → recovers': ['became_active', 'billing_issue', 'recovered'],
  'Stripe: retries exhausted → canceled, final failure and deletion in the same second': ['became_active', 'billing_issue', 'expired'],
  'App Store: billing failure → grace period → billing recovery': ['became_active', 'billing_issue', 'recovered', 'will_not_renew'],
  'App Store: grace period expires → billing retry → expired': ['became_active', 'billing_issue', 'billing_issue', 'expired'],
  // The first notification carries no appAccountToken: nobody to tell until the renewal links it.
  'App Store: subscribe → renew → refund, first event without appAccountToken': ['became_active', 'refunded'],
  // The refund of the earlier period changes nothing.
  [refundScenario.name]: ['became_active', 'renewed', 'refunded'],
  [bothStoresScenario.name]: ['became_active', 'active_in_both_stores', 'store_changed', 'will_not_renew'],
};

describe('outbound events: a change of entitlement is announced once, whatever the delivery order', () => {
  let db: TestDatabase;
  // Far enough from every period boundary that nothing expires while the test runs.
  const start = new Date(Date.now() - 20 * DAY_MS);

  before(async () => {
    db = await createTestDatabase();
  });
  after(async () => db?.drop());

  async function run(scenario: Scenario, order: number[]) {
    const userId = await db.createUser();
    const runId = randomUUID();
    const updates = scenario.build({ userId, subscriptionId: `s-${runId}`, runId, start });
    const seen = new Set<number>();
    for (const i of order) {
      const before = await eventCount(db.owner, userId);
      const outcome = await applySubscriptionUpdate(db.owner, updates[i]);
      assert.equal(outcome.result === 'duplicate', seen.has(i), `event ${i} duplicate flag`);
      seen.add(i);
      if (outcome.result !== 'applied') {
        assert.equal(await eventCount(db.owner, userId), before, `a ${outcome.result} delivery of event ${i} (order ${order}) announced something`);
      }
    }
    return { userId, updates };
  }

  /** The invariants every run must end in. */
  async function assertConsistent(userId: string, label: string) {
    const events = await eventsOf(db.owner, userId);
    const view = await viewRowOf(db, userId);
    const announced = await announcedOf(db.owner, userId);
    assert.deepEqual(events.map((e) => e.seq), events.map((_, i) => i + 1), `${label}: sequence`);
    for (const [i, e] of events.entries()) {
      assert.equal(e.payload.data.sequence, e.seq, `${label}: payload sequence`);
      assert.equal(e.payload.type, `entitlement.${e.type}`, `${label}: payload type`);
      const previous = i === 0 ? null : events[i - 1].payload.data.subscription;
      assert.notDeepEqual(comparable(e.payload.data.subscription), comparable(previous), `${label}: events ${i} and ${i + 1} carry the same row`);
    }
    // The last word is the row as the person reads it now.
    assert.deepEqual(comparable(announced?.state ?? null), comparable(view), `${label}: announced state vs the view`);
    assert.equal(announced?.seq ?? 0, events.length, `${label}: announced sequence`);
    if (events.length) assert.deepEqual(comparable(events.at(-1)!.payload.data.subscription), comparable(view), `${label}: last event vs the view`);
    else assert.equal(view, null, `${label}: a row that was never announced`);
    return { events, view };
  }

  for (const [index, scenario] of allScenarios.entries()) {
    test(`property: ${scenario.name}`, { timeout: 600_000 }, async () => {
      const n = scenario.build({ userId: randomUUID(), subscriptionId: 'x', runId: 'x', start }).length;
      const reference = await run(scenario, [...Array(n).keys()]);
      const expected = await assertConsistent(reference.userId, 'in order');
      assert.deepEqual(expected.events.map((e) => e.type), expectedInOrder[scenario.name], 'the changes announced in order');

      const orders = deliveryOrders(n, { seed: 1100 + index, exhaustiveUpTo: 4, sample: 12 });
      await inBatches(orders, 2, async (order) => {
        const { userId, updates } = await run(scenario, order);
        const label = `order ${order.join(',')}`;
        const { view } = await assertConsistent(userId, label);
        assert.deepEqual(comparable(view, { withoutUser: true }), comparable(expected.view, { withoutUser: true }), `${label}: final row`);
        // Everything again, twice: all duplicates, nothing announced.
        const before = await eventCount(db.owner, userId);
        for (const u of [...updates, ...updates]) assert.equal((await applySubscriptionUpdate(db.owner, u)).result, 'duplicate');
        assert.equal(await eventCount(db.owner, userId), before, `${label}: re-delivery announced something`);
      });
    });
  }

  test('property: one person\'s two stores changed from 8 connections at once still announce in a consistent order', { timeout: 300_000 }, async () => {
    const pool = postgres(db.url, { max: 8, onnotice: () => {} });
    try {
      const random = seededRandom(77);
      for (let round = 0; round < 12; round++) {
        const userId = await db.createUser();
        const runId = randomUUID();
        // A Stripe lifecycle and an App Store one for the same person, interleaved at random.
        const updates = [
          ...lifecycles[0].build({ userId, subscriptionId: `sub_${runId}`, runId, start }),
          ...lifecycles[3].build({ userId, subscriptionId: `ios-${runId}`, runId: `${runId}-ios`, start }),
        ];
        const order = updates.map((_, i) => i).sort(() => random() - 0.5);
        await Promise.all(order.map((i) => applySubscriptionUpdate(pool, updates[i])));
        await assertConsistent(userId, `round ${round}`);
      }
    } finally {
      await pool.end();
    }
  });
});
