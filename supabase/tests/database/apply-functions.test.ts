// billing.apply_subscription_update and friends: validation, idempotency, ordering.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import postgres from 'postgres';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.ts';
import {
  applySubscriptionUpdate,
  recordStoreEvent,
  STORES,
  SUBSCRIPTION_STATUSES,
  type SubscriptionUpdate,
} from '../../functions/_shared/billing-db.ts';
import { DAY_MS, appStoreUpdate, at, hasCode, stripeUpdate } from '../helpers/fixtures.ts';
import { scenarios } from '../helpers/scenarios.ts';

describe('billing apply functions', () => {
  let db: TestDatabase;
  let userId: string;

  before(async () => {
    db = await createTestDatabase();
    userId = await db.createUser();
  });
  after(async () => db?.drop());

  async function subscriptionRow(store: string, storeSubscriptionId: string) {
    const [row] = await db.owner`
      select user_id, product_id, status::text, expires_at, will_renew, grace_period_expires_at, is_sandbox,
             is_family_shared, store_event_at, last_event_id
      from billing.store_subscriptions where store = ${store}::billing.store and store_subscription_id = ${storeSubscriptionId}`;
    return row ? { ...row } : undefined;
  }

  async function counts() {
    const [row] = await db.owner`
      select (select count(*)::int from billing.store_subscriptions) as subscriptions,
             (select count(*)::int from billing.store_events) as events`;
    return { ...row };
  }

  test('the TypeScript mirrors of the enums match the database', async () => {
    const [row] = await db.owner`
      select enum_range(null::billing.store)::text[] as stores,
             enum_range(null::billing.subscription_status)::text[] as statuses`;
    assert.deepEqual(row.stores, [...STORES]);
    assert.deepEqual(row.statuses, [...SUBSCRIPTION_STATUSES]);
  });

  test('a first event creates the subscription and records the event', async () => {
    const update = stripeUpdate({ userId, payload: { id: 'sub_x', object: 'subscription' } });
    const outcome = await applySubscriptionUpdate(db.owner, update);
    assert.equal(outcome.result, 'applied');
    assert.equal(outcome.userId, userId);
    const row = await subscriptionRow('stripe', update.storeSubscriptionId);
    assert.equal(row?.status, 'active');
    assert.equal(row?.last_event_id, update.eventId);
    const [event] = await db.owner`
      select event_type, result::text, attempts, processed_at is not null as processed, subscription_id
      from billing.store_events where store_event_id = ${update.eventId}`;
    assert.deepEqual({ ...event }, {
      event_type: 'customer.subscription.updated',
      result: 'applied',
      attempts: 1,
      processed: true,
      subscription_id: String(outcome.subscriptionId),
    });
  });

  test('a duplicate event changes nothing, even when its content differs', async () => {
    const first = stripeUpdate({ userId });
    await applySubscriptionUpdate(db.owner, first);
    const before = await subscriptionRow('stripe', first.storeSubscriptionId);
    const beforeCounts = await counts();
    const replay = { ...first, status: 'expired' as const, eventAt: at(first.eventAt as Date, DAY_MS) };
    const outcome = await applySubscriptionUpdate(db.owner, replay);
    assert.equal(outcome.result, 'duplicate');
    assert.deepEqual(await subscriptionRow('stripe', first.storeSubscriptionId), before);
    assert.deepEqual(await counts(), beforeCounts);
  });

  test('an older event never overwrites newer state, but is recorded as stale', async () => {
    const newer = stripeUpdate({ userId, status: 'expired', willRenew: false });
    await applySubscriptionUpdate(db.owner, newer);
    const older = { ...newer, eventId: 'evt_older', status: 'active' as const, willRenew: true, eventAt: at(newer.eventAt as Date, -60_000) };
    const outcome = await applySubscriptionUpdate(db.owner, older);
    assert.equal(outcome.result, 'stale');
    assert.equal((await subscriptionRow('stripe', newer.storeSubscriptionId))?.status, 'expired');
    const [event] = await db.owner`select result::text from billing.store_events where store_event_id = 'evt_older'`;
    assert.equal(event.result, 'stale');
  });

  test('the same store event id in the other store is a different event', async () => {
    const a = stripeUpdate({ userId, eventId: 'shared-id-1' });
    const b = appStoreUpdate({ userId, eventId: 'shared-id-1' });
    assert.equal((await applySubscriptionUpdate(db.owner, a)).result, 'applied');
    assert.equal((await applySubscriptionUpdate(db.owner, b)).result, 'applied');
  });

  test('invalid updates are rejected with a clear error and nothing is written', async () => {
    const cases: [Partial<Record<keyof SubscriptionUpdate, unknown>>, RegExp][] = [
      [{ store: 'play_store' }, /unknown store 'play_store'/],
      [{ status: 'lifetime' }, /unknown subscription status 'lifetime'/],
      [{ status: null }, /unknown subscription status null/],
      [{ eventId: '' }, /missing event id/],
      [{ eventId: '   ' }, /missing event id/],
      [{ eventType: null }, /missing event type/],
      [{ eventAt: new Date('1970-01-01T00:00:00Z') }, /event time .* is out of range/],
      [{ period: { id: 'in_1', endsAt: new Date(), state: 'chargeback', stateAt: null } }, /unknown period state 'chargeback'/],
      [{ period: { id: 'in_1', endsAt: null, state: 'paid', stateAt: null } }, /missing period end/],
      [{ storeSubscriptionId: null }, /missing store subscription id/],
      [{ productId: '' }, /missing product id/],
      [{ willRenew: null }, /missing will_renew/],
      [{ isSandbox: null }, /missing is_sandbox/],
      [{ status: 'active', expiresAt: null }, /status active needs an expiry/],
      [{ status: 'in_grace_period', gracePeriodExpiresAt: null }, /needs grace_period_expires_at/],
    ];
    const before = await counts();
    for (const [override, message] of cases) {
      const update = { ...stripeUpdate({ userId }), ...override } as SubscriptionUpdate;
      await assert.rejects(applySubscriptionUpdate(db.owner, update), (error: Error & { code?: string }) => {
        assert.equal(error.code, '22023', `${JSON.stringify(override)}: ${error.message}`);
        assert.match(error.message, message);
        return true;
      });
    }
    assert.deepEqual(await counts(), before);
  });

  test('an unknown hint names the accepted values', async () => {
    await assert.rejects(applySubscriptionUpdate(db.owner, { ...stripeUpdate({ userId }), status: 'gold' as never }), (error: { hint?: string }) => {
      assert.match(error.hint ?? '', /incomplete, trialing, active, in_grace_period, past_due, paused, expired, refunded, revoked/);
      return true;
    });
  });

  test('a token that is not one of our users leaves the subscription unlinked; a later event links it', async () => {
    const stranger = randomUUID();
    const first = appStoreUpdate({ userId: stranger });
    const outcome = await applySubscriptionUpdate(db.owner, first);
    assert.equal(outcome.userId, null);
    const later = { ...first, eventId: randomUUID(), eventAt: at(first.eventAt as Date, 1000), userId };
    assert.equal((await applySubscriptionUpdate(db.owner, later)).userId, userId);
  });

  test('an event never moves a linked subscription to another user', async () => {
    const other = await db.createUser();
    const first = appStoreUpdate({ userId });
    await applySubscriptionUpdate(db.owner, first);
    const next = { ...first, eventId: randomUUID(), eventAt: at(first.eventAt as Date, 1000), userId: other };
    assert.equal((await applySubscriptionUpdate(db.owner, next)).userId, userId);
  });

  test('a failed event is recorded, then applied when the store redelivers it', async () => {
    const update = stripeUpdate({ userId });
    assert.equal(
      await recordStoreEvent(db.owner, { store: 'stripe', eventId: update.eventId, eventType: update.eventType, eventAt: update.eventAt as Date, result: 'failed', error: 'Stripe unreachable' }),
      'recorded',
    );
    assert.equal((await applySubscriptionUpdate(db.owner, update)).result, 'applied');
    const [event] = await db.owner`select result::text, attempts, error from billing.store_events where store_event_id = ${update.eventId}`;
    assert.deepEqual({ ...event }, { result: 'applied', attempts: 2, error: null });
    // Once processed, a late failure report cannot downgrade it.
    assert.equal(
      await recordStoreEvent(db.owner, { store: 'stripe', eventId: update.eventId, eventType: update.eventType, eventAt: null, result: 'failed' }),
      'duplicate',
    );
  });

  test('ignored events are recorded once', async () => {
    const e = { store: 'stripe' as const, eventId: 'evt_ignored_1', eventType: 'product.created', eventAt: new Date(), result: 'ignored' as const };
    assert.equal(await recordStoreEvent(db.owner, e), 'recorded');
    assert.equal(await recordStoreEvent(db.owner, e), 'duplicate');
    await assert.rejects(recordStoreEvent(db.owner, { ...e, eventId: 'evt_2', result: 'stale' as never }), /takes result applied, ignored or failed/);
  });

  test('the transaction is all or nothing: a failure after applying leaves no trace', async () => {
    const update = stripeUpdate({ userId });
    const before = await counts();
    await assert.rejects(
      db.owner.begin(async (tx) => {
        await applySubscriptionUpdate(tx, update);
        throw new Error('edge function crashed after applying');
      }),
      /crashed/,
    );
    assert.deepEqual(await counts(), before);
    assert.equal((await applySubscriptionUpdate(db.owner, update)).result, 'applied');
  });

  test('Stripe customer mapping is one-to-one and idempotent', async () => {
    const a = await db.createUser();
    const b = await db.createUser();
    const link = (user: string, customer: string) => db.owner`select billing.link_stripe_customer(${user}, ${customer}, false) as id`;
    assert.equal((await link(a, 'cus_AAA'))[0].id, 'cus_AAA');
    assert.equal((await link(a, 'cus_AAA'))[0].id, 'cus_AAA');
    await assert.rejects(link(a, 'cus_BBB'), (error: { code?: string; detail?: string }) => hasCode(error, '23505') && error.detail === 'cus_AAA');
    await assert.rejects(link(b, 'cus_AAA'), (error: { code?: string }) => hasCode(error, '23505'));
    await assert.rejects(link(b, 'not-a-customer'), /not a Stripe customer id/);
    const [unlinked] = await db.owner`select billing.unlink_stripe_customer('cus_AAA') as removed`;
    assert.equal(unlinked.removed, true);
    assert.equal((await link(b, 'cus_AAA'))[0].id, 'cus_AAA');
  });

  for (const scenario of scenarios) {
    test(`property: any delivery order with duplicates converges to in-order state — ${scenario.name}`, async () => {
      const refRun = randomUUID();
      const reference = scenario.build({ userId, subscriptionId: `ref-${refRun}`, runId: refRun, start: new Date('2026-01-05T10:00:00Z') });
      for (const u of reference) await applySubscriptionUpdate(db.owner, u);
      const expected = await subscriptionRow(reference[0].store, reference[0].storeSubscriptionId);
      const n = reference.length;
      const indices = [...Array(n).keys()];

      await fc.assert(
        fc.asyncProperty(
          fc
            .array(fc.integer({ min: 0, max: n - 1 }), { maxLength: n })
            .chain((dups) => fc.shuffledSubarray([...indices, ...dups], { minLength: n + dups.length, maxLength: n + dups.length })),
          async (order) => {
            const subscriptionId = `prop-${randomUUID()}`;
            const runId = randomUUID();
            const updates = scenario.build({ userId, subscriptionId, runId, start: new Date('2026-01-05T10:00:00Z') });
            const seen = new Set<number>();
            for (const i of order) {
              const outcome = await applySubscriptionUpdate(db.owner, updates[i]);
              assert.equal(outcome.result === 'duplicate', seen.has(i), `event ${i} duplicate flag`);
              seen.add(i);
            }
            const row = await subscriptionRow(updates[0].store, subscriptionId);
            assert.deepEqual(
              { ...row, last_event_id: row?.last_event_id.replace(runId, 'RUN') },
              { ...expected, last_event_id: expected?.last_event_id.replace(refRun, 'RUN') },
            );
            const [ledger] = await db.owner`
              select count(*)::int as events, count(distinct store_event_id)::int as distinct_events
              from billing.store_events where store_event_id like ${`%${runId}%`}`;
            assert.deepEqual({ ...ledger }, { events: n, distinct_events: n });
          },
        ),
        { numRuns: 40 },
      );
    });
  }

  test('concurrent deliveries of one lifecycle from many connections converge too', async () => {
    const pool = postgres(db.url, { max: 8, onnotice: () => {} });
    try {
      for (const scenario of scenarios) {
        const runId = randomUUID();
        const subscriptionId = `conc-${runId}`;
        const updates = scenario.build({ userId, subscriptionId, runId, start: new Date('2026-03-01T00:00:00Z') });
        const inOrderId = `conc-ref-${runId}`;
        for (const u of scenario.build({ userId, subscriptionId: inOrderId, runId: `${runId}r`, start: new Date('2026-03-01T00:00:00Z') })) {
          await applySubscriptionUpdate(db.owner, u);
        }
        // every event twice, all at once
        const outcomes = await Promise.all([...updates, ...updates].map((u) => applySubscriptionUpdate(pool, u)));
        assert.equal(outcomes.filter((o) => o.result === 'duplicate').length, updates.length);
        const { last_event_id: gotLast, ...got } = (await subscriptionRow(updates[0].store, subscriptionId))!;
        const { last_event_id: wantLast, ...want } = (await subscriptionRow(updates[0].store, inOrderId))!;
        assert.deepEqual(got, want, scenario.name);
        assert.equal(gotLast.replace(runId, ''), wantLast.replace(`${runId}r`, ''), scenario.name);
      }
    } finally {
      await pool.end();
    }
  });
});
