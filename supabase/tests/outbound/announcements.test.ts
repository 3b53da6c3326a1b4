// The outbound-events outbox beyond store events: time running out (the sweep), ownership moving
// between people, account deletion, transactions that roll back or touch several rows, the cause
// recorded, the deliveries and the notification written with each event. Real database.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import postgres from 'postgres';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.ts';
import { applySubscriptionUpdate } from '../../functions/_shared/billing-db.ts';
import { DAY_MS, appStoreUpdate, at, stripeUpdate } from '../helpers/fixtures.ts';
import { announcedOf, comparable, eventCount, eventsOf, viewRowOf } from './outbox.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('outbound events: what else changes an entitlement', () => {
  let db: TestDatabase;

  before(async () => {
    db = await createTestDatabase();
  });
  after(async () => db?.drop());

  /** The sweep with no delay after the moment (the function's default waits 5 minutes for late renewals). */
  const sweep = async (sql = db.owner, delaySeconds = 0) =>
    (await sql<{ n: number }[]>`select billing.sweep_entitlement_changes(p_delay_seconds => ${delaySeconds}) as n`)[0].n;

  /** Waits until the database clock has passed `moment`. */
  async function waitPast(moment: Date) {
    for (;;) {
      const [{ now }] = await db.owner<{ now: Date }[]>`select clock_timestamp() as now`;
      if (now > moment) return;
      await sleep(Math.max(50, moment.getTime() - now.getTime() + 20));
    }
  }

  test('a period that simply ends is announced by the sweep, once', { timeout: 60_000 }, async () => {
    const userId = await db.createUser();
    const endsAt = new Date(Date.now() + 1500);
    await applySubscriptionUpdate(db.owner, stripeUpdate({ userId, expiresAt: endsAt, willRenew: false }));
    assert.deepEqual((await eventsOf(db.owner, userId)).map((e) => e.type), ['became_active']);
    const [{ reevaluate_at }] = await db.owner`select reevaluate_at from billing.entitlement_announcements where user_id = ${userId}`;
    assert.equal(reevaluate_at.getTime(), endsAt.getTime(), 'the next look is when the period ends');

    assert.equal(await sweep(), 0, 'nothing has ended yet');
    await waitPast(endsAt);
    assert.equal(await sweep(db.owner, 300), 0, 'ended a moment ago: a renewal may still be on its way');
    assert.equal(await eventCount(db.owner, userId), 1);
    const swept = await sweep();
    assert.ok(swept >= 1);
    const events = await eventsOf(db.owner, userId);
    assert.deepEqual(events.map((e) => e.type), ['became_active', 'expired']);
    assert.deepEqual(events[1].payload.data.cause, { reason: 'period_ended' });
    assert.equal(events[1].payload.data.subscription?.is_active, false);
    assert.deepEqual(comparable((await announcedOf(db.owner, userId))?.state), comparable(await viewRowOf(db, userId)));
    assert.equal(await eventCount(db.owner, userId), 2);
    assert.equal(await sweep(), 0, 'a second sweep finds nothing');
    assert.equal(await eventCount(db.owner, userId), 2);
  });

  test('a grace period that runs out is a billing issue; the other store ending ends "paying twice"', { timeout: 60_000 }, async () => {
    const userId = await db.createUser();
    const graceEnd = new Date(Date.now() + 1500);
    await applySubscriptionUpdate(db.owner, appStoreUpdate({ userId, status: 'in_grace_period', expiresAt: new Date(Date.now() - DAY_MS), gracePeriodExpiresAt: graceEnd }));
    const twice = await db.createUser();
    const stripeEnd = new Date(Date.now() + 1500);
    await applySubscriptionUpdate(db.owner, stripeUpdate({ userId: twice, expiresAt: stripeEnd }));
    await applySubscriptionUpdate(db.owner, appStoreUpdate({ userId: twice, expiresAt: at(new Date(), 30 * DAY_MS) }));
    assert.deepEqual((await eventsOf(db.owner, userId)).map((e) => e.type), ['became_active']);
    assert.deepEqual((await eventsOf(db.owner, twice)).map((e) => e.type), ['became_active', 'active_in_both_stores']);

    await waitPast(new Date(Math.max(graceEnd.getTime(), stripeEnd.getTime())));
    await sweep();
    const grace = await eventsOf(db.owner, userId);
    assert.deepEqual(grace.map((e) => e.type), ['became_active', 'billing_issue']);
    assert.equal(grace[1].payload.data.subscription?.has_billing_issue, true);
    const both = await eventsOf(db.owner, twice);
    // The App Store subscription, which lasts longer, represents the person throughout.
    assert.deepEqual(both.map((e) => e.type), ['became_active', 'active_in_both_stores', 'updated']);
    assert.equal(both[1].payload.data.subscription?.store, 'app_store');
    assert.equal(both[2].payload.data.subscription?.active_in_both_stores, false);
    assert.equal(both[2].payload.data.subscription?.is_active, true);
  });

  test('two sweeps at once announce an ended period once', { timeout: 60_000 }, async () => {
    const users = await Promise.all(Array.from({ length: 20 }, () => db.createUser()));
    const endsAt = new Date(Date.now() + 1500);
    for (const userId of users) await applySubscriptionUpdate(db.owner, stripeUpdate({ userId, expiresAt: endsAt }));
    await waitPast(endsAt);
    const pool = postgres(db.url, { max: 4, onnotice: () => {} });
    try {
      const counts = await Promise.all([sweep(pool), sweep(pool), sweep(pool), sweep(pool)]);
      assert.ok(counts.reduce((a, b) => a + b) >= users.length);
    } finally {
      await pool.end();
    }
    for (const userId of users) assert.deepEqual((await eventsOf(db.owner, userId)).map((e) => e.type), ['became_active', 'expired']);
  });

  test('a purchase moved to another account is announced to both, in the transaction that moves it', async () => {
    const first = await db.createUser();
    const second = await db.createUser();
    const purchase = appStoreUpdate({ userId: first });
    await applySubscriptionUpdate(db.owner, purchase);
    const [claim] = await db.owner`select * from billing.claim_subscription('app_store', ${purchase.storeSubscriptionId}, ${second}, true, 'test')`;
    assert.equal(claim.outcome, 'transferred');
    const lost = await eventsOf(db.owner, first);
    const gained = await eventsOf(db.owner, second);
    assert.deepEqual(lost.map((e) => e.type), ['became_active', 'expired']);
    assert.equal(lost[1].payload.data.subscription, null);
    assert.deepEqual(gained.map((e) => e.type), ['became_active']);
    for (const event of [lost[1], gained[0]]) {
      assert.equal(event.payload.data.cause.reason, 'ownership_changed');
      assert.match(String(event.payload.data.cause.store_event_id), /^transfer:/, 'the transfer on record in the ledger');
    }
  });

  test('an unlinked purchase tells nobody until it is linked', async () => {
    const userId = await db.createUser();
    const purchase = appStoreUpdate({ userId: null });
    await applySubscriptionUpdate(db.owner, purchase);
    const [{ n }] = await db.owner`select count(*)::int as n from billing.outbound_events where payload #>> '{data,cause,store_subscription_id}' = ${purchase.storeSubscriptionId}`;
    assert.equal(n, 0);
    await db.owner`select * from billing.claim_subscription('app_store', ${purchase.storeSubscriptionId}, ${userId}, false, 'test')`;
    const events = await eventsOf(db.owner, userId);
    assert.deepEqual(events.map((e) => [e.type, e.payload.data.cause.reason]), [['became_active', 'ownership_changed']]);
  });

  test('account deletion (as delete-account does it) announces the end, with the reason', async () => {
    const userId = await db.createUser();
    await applySubscriptionUpdate(db.owner, stripeUpdate({ userId }));
    await db.owner.begin(async (tx) => {
      await tx`update billing.store_subscriptions set user_id = null, latest_payload = null where user_id = ${userId}`;
      await tx`delete from auth.users where id = ${userId}`;
    });
    const events = await eventsOf(db.owner, userId);
    assert.deepEqual(events.map((e) => e.type), ['became_active', 'expired']);
    assert.equal(events[1].payload.data.subscription, null);
    assert.equal(events[1].payload.data.cause.reason, 'account_deleted');
    // Deleting the user alone (as Supabase Auth's admin API does) cascades to the rows: same result.
    const other = await db.createUser();
    await applySubscriptionUpdate(db.owner, appStoreUpdate({ userId: other }));
    await db.owner`delete from auth.users where id = ${other}`;
    assert.deepEqual((await eventsOf(db.owner, other)).map((e) => [e.type, e.payload.data.cause.reason]), [['became_active', 'store_event'], ['expired', 'account_deleted']]);
  });

  test('a refund names its own store event as the cause, not the last snapshot', async () => {
    const userId = await db.createUser();
    const now = new Date();
    const ends = at(now, 20 * DAY_MS);
    const buy = appStoreUpdate({ userId, eventAt: now, expiresAt: ends, currentPeriodId: 't-1', period: { id: 't-1', endsAt: ends, state: 'paid', stateAt: now } });
    await applySubscriptionUpdate(db.owner, buy);
    const refund = { ...buy, eventId: randomUUID(), eventType: 'REFUND', eventAt: at(now, 1000), snapshotRank: 0 as const,
      period: { id: 't-1', endsAt: ends, state: 'refunded' as const, stateAt: at(now, 1000) } };
    assert.equal((await applySubscriptionUpdate(db.owner, refund)).result, 'applied');
    const events = await eventsOf(db.owner, userId);
    assert.deepEqual(events.map((e) => e.type), ['became_active', 'refunded']);
    assert.deepEqual(events[1].payload.data.cause, { reason: 'store_event', store: 'app_store', store_subscription_id: buy.storeSubscriptionId, store_event_id: refund.eventId });
    const [{ last_event_id }] = await db.owner`select last_event_id from billing.store_subscriptions where store_subscription_id = ${buy.storeSubscriptionId}`;
    assert.equal(last_event_id, buy.eventId, 'the row itself still names the purchase');
  });

  test('written in the transaction of the change: a rollback leaves no event; two changes in one transaction announce the final state once', async () => {
    const userId = await db.createUser();
    await assert.rejects(db.owner.begin(async (tx) => {
      await applySubscriptionUpdate(tx, stripeUpdate({ userId }));
      throw new Error('the caller failed after applying');
    }), /caller failed/);
    assert.equal(await eventCount(db.owner, userId), 0);
    assert.equal(await announcedOf(db.owner, userId), undefined);

    await db.owner.begin(async (tx) => {
      await applySubscriptionUpdate(tx, stripeUpdate({ userId, status: 'incomplete' }));
      await applySubscriptionUpdate(tx, appStoreUpdate({ userId }));
    });
    const events = await eventsOf(db.owner, userId);
    assert.deepEqual(events.map((e) => e.type), ['became_active']);
    assert.equal(events[0].payload.data.subscription?.store, 'app_store');
  });

  test('each event gets one pending delivery per active endpoint, and a notification at commit where listeners asked for one', async () => {
    await db.owner`select billing.sync_outbound_endpoints(array['https://a.example/hook', 'https://b.example/hook'])`;
    await db.owner`select billing.sync_outbound_endpoints(array['https://b.example/hook', 'http://127.0.0.1:9/hook'])`;
    const [a] = await db.owner`select active from billing.outbound_endpoints where url = 'https://a.example/hook'`;
    assert.equal(a.active, false, 'an endpoint no longer configured is retired');

    const listener = postgres(db.url, { max: 1, onnotice: () => {} });
    const notes: { event_id: string; user_id: string; type: string }[] = [];
    try {
      await listener.listen('entitlement_events', (payload) => notes.push(JSON.parse(payload)));
      // Off by default (a NOTIFY serializes commits): no notification for this person's event.
      const quietUser = await db.createUser();
      await applySubscriptionUpdate(db.owner, stripeUpdate({ userId: quietUser }));
      assert.equal((await eventsOf(db.owner, quietUser)).length, 1);

      const notifying = <T>(fn: (tx: typeof db.owner) => Promise<T>) => db.owner.begin(async (tx) => {
        await tx`select set_config('billing.notify_entitlement_events', 'on', true)`;
        return fn(tx as unknown as typeof db.owner);
      });
      const userId = await db.createUser();
      await assert.rejects(notifying(async (tx) => {
        await applySubscriptionUpdate(tx, stripeUpdate({ userId }));
        throw new Error('rolled back');
      }));
      await notifying((tx) => applySubscriptionUpdate(tx, stripeUpdate({ userId })));
      const [event] = await eventsOf(db.owner, userId);
      const deliveries = await db.owner`
        select endpoint, status::text, attempts, user_id, seq from billing.outbound_deliveries where event_id = ${event.id} order by endpoint`;
      assert.deepEqual(deliveries.map((d) => ({ ...d, seq: Number(d.seq) })), [
        { endpoint: 'http://127.0.0.1:9/hook', status: 'pending', attempts: 0, user_id: userId, seq: 1 },
        { endpoint: 'https://b.example/hook', status: 'pending', attempts: 0, user_id: userId, seq: 1 },
      ]);
      for (let i = 0; i < 50 && notes.length === 0; i++) await sleep(20);
      assert.deepEqual(notes, [{ event_id: event.id, user_id: userId, type: 'became_active' }], 'one notification, none for the rolled-back change nor where it is off');
    } finally {
      await listener.end();
      await db.owner`select billing.sync_outbound_endpoints(array[]::text[])`;
    }
  });

  test('the payload is a Standard Webhooks body: type, timestamp, data { user_id, sequence, subscription, cause }', async () => {
    const userId = await db.createUser();
    const update = stripeUpdate({ userId });
    await applySubscriptionUpdate(db.owner, update);
    const [event] = await eventsOf(db.owner, userId);
    assert.match(event.id, /^evt_[0-9a-f]{32}$/);
    assert.deepEqual(Object.keys(event.payload).sort(), ['data', 'timestamp', 'type']);
    assert.equal(event.payload.type, 'entitlement.became_active');
    assert.match(event.payload.timestamp, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
    assert.deepEqual(Object.keys(event.payload.data).sort(), ['cause', 'sequence', 'subscription', 'user_id']);
    assert.equal(event.payload.data.user_id, userId);
    assert.deepEqual(event.payload.data.cause, { reason: 'store_event', store: 'stripe', store_subscription_id: update.storeSubscriptionId, store_event_id: update.eventId });
    // The row exactly as the person reads it, updated_at included.
    const view = await viewRowOf(db, userId);
    assert.deepEqual(Object.keys(event.payload.data.subscription ?? {}).sort(), Object.keys(view ?? {}).sort());
    assert.deepEqual(comparable(event.payload.data.subscription), comparable(view));
  });

  test('the outbox is closed to every API role: no table, no function', async () => {
    const userId = await db.createUser();
    const roles = {
      anon: <T>(fn: Parameters<TestDatabase['asAnon']>[0]) => db.asAnon(fn) as Promise<T>,
      authenticated: <T>(fn: Parameters<TestDatabase['asAnon']>[0]) => db.asUser(userId, fn) as Promise<T>,
      service_role: <T>(fn: Parameters<TestDatabase['asAnon']>[0]) => db.asServiceRole(fn) as Promise<T>,
    };
    const updates: Record<string, string> = {
      entitlement_announcements: 'seq = 0',
      outbound_events: 'created_at = now()',
      outbound_endpoints: 'active = true',
      outbound_deliveries: "status = 'pending'",
    };
    const statements = Object.entries(updates).flatMap(([t, set]) => [
      `select * from billing.${t}`,
      `insert into billing.${t} default values`,
      `update billing.${t} set ${set}`,
      `delete from billing.${t}`,
    ]);
    const functions = [
      `select billing.entitlement_state('${userId}')`,
      `select billing.entitlement_reevaluate_at('${userId}')`,
      `select billing.entitlement_event_type(null, null)`,
      `select billing.announce_entitlement('${userId}', '{}'::jsonb)`,
      `select billing.sweep_entitlement_changes()`,
      `select billing.sync_outbound_endpoints(array['https://evil.example/hook'])`,
      `select * from billing.claim_outbound_deliveries(array['https://evil.example/hook'], 1, 60)`,
      `select billing.finish_outbound_delivery(1, 1, 'delivered', 200, null, null)`,
      `select billing.retry_outbound_deliveries(array[1]::bigint[])`,
      `select billing.replay_outbound_events(array['evt_00000000000000000000000000000000'])`,
    ];
    for (const [role, run] of Object.entries(roles)) {
      for (const statement of [...statements, ...functions]) {
        await assert.rejects(run((tx) => tx.unsafe(statement)), (error: { code?: string }) => error.code === '42501', `${role}: ${statement}`);
      }
    }
  });
});
