// The scheduled reconciliation, Stripe side: the real reconcile, subscribe and stripe-webhook
// functions under Deno, the real database, and the FAKE Stripe API, whose GET /v1/events serves
// every event it generated — including the ones the tests never deliver.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { startReconcileStack, type ReconcileStack } from '../helpers/reconcile-stack.ts';
import { subscriptionRowOf, WEB_ORIGIN } from '../helpers/stripe-stack.ts';
import type { FakeStripeEvent } from '../fakes/fake-stripe.ts';

type Outcomes = Record<string, number>;
const nonDuplicates = (o: Outcomes) => Object.entries(o).filter(([k]) => k !== 'duplicate').reduce((n, [, v]) => n + v, 0);

describe('scheduled reconciliation: Stripe catch-up', () => {
  let s: ReconcileStack;
  before(async () => {
    s = await startReconcileStack();
  });
  after(async () => s?.stop());

  async function subscribedUser() {
    const user = await s.signedUser();
    const res = await s.call('subscribe', { token: user.token, origin: WEB_ORIGIN, body: {} });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return { ...user, subscriptionId: res.body.subscriptionId as string };
  }

  /** The user's billing row as the database holds it (not only what the view shows). */
  async function storedRow(subscriptionId: string) {
    const [row] = await s.db.owner`
      select status::text, expires_at, will_renew, last_event_id, updated_at from billing.store_subscriptions where store_subscription_id = ${subscriptionId}`;
    return row ? { ...row } : undefined;
  }

  async function reconcileUntilDone(body: Record<string, unknown> = {}) {
    const answers = [];
    for (let i = 0; i < 60; i++) {
      const res = await s.reconcile(body);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      answers.push(res.body);
      if (res.body.outcome === 'succeeded') return answers;
    }
    assert.fail(`no run finished: ${JSON.stringify(answers.at(-1))}`);
  }

  test('a webhook that never arrived is applied by the next scheduled run; the run after changes nothing', async () => {
    const user = await subscribedUser();
    const missed = s.stripe.payFirstInvoice(user.subscriptionId, 'succeeded'); // Stripe sent them; we never got them
    assert.deepEqual([(await subscriptionRowOf(s.db, user.id))?.status], ['incomplete']);

    const res = await s.reconcile();
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.outcome, 'succeeded');
    const row = await subscriptionRowOf(s.db, user.id);
    const fake = s.stripe.subscriptions.get(user.subscriptionId)!;
    assert.deepEqual([row?.status, row?.is_active, row?.will_renew], ['active', true, true]);
    assert.equal(new Date(row!.current_period_ends_at).getTime(), fake.items.data[0].current_period_end * 1000);
    const ledger = await s.ledger();
    for (const event of missed) {
      const entry = ledger.find((e) => e.store_event_id === event.id);
      assert.ok(entry && ['applied', 'stale'].includes(entry.result) && entry.attempts === 1, `${event.type}: ${JSON.stringify(entry)}`);
    }
    assert.ok(s.stripe.requestsTo('GET', '/v1/events').length >= 1);
    assert.equal(res.body.stripe.listed, s.stripe.events.length, 'the first run reads Stripe\'s whole list (30 days)');

    const before = { ledger: await s.ledger(), row: await storedRow(user.subscriptionId) };
    const again = await s.reconcile();
    assert.equal(again.status, 200);
    assert.equal(nonDuplicates(again.body.stripe.outcomes), 0, JSON.stringify(again.body.stripe));
    assert.deepEqual(await s.ledger(), before.ledger);
    assert.deepEqual(await storedRow(user.subscriptionId), before.row);
  });

  test('a failed ledger event older than the window is read back from Stripe and applied', async () => {
    await s.reconcile(); // the window now starts 10 minutes before this run
    const user = await subscribedUser();
    s.stripe.advance(-3 * 3600); // these events happened three hours ago
    const events = s.stripe.payFirstInvoice(user.subscriptionId, 'succeeded');
    s.stripe.advance(3 * 3600);
    // Processing them failed (here: Stripe answered a status nobody knows), and went on record.
    const fake = s.stripe.subscriptions.get(user.subscriptionId)!;
    fake.status = 'mysterious';
    for (const event of events) assert.equal((await s.deliver(event)).status, 500);
    fake.status = 'active';
    const failed = (await s.ledger()).filter((e) => events.some((x) => x.id === e.store_event_id));
    assert.deepEqual(failed.map((e) => e.result), events.map(() => 'failed'));

    const res = await s.reconcile();
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.stripe.retried, events.length, JSON.stringify(res.body.stripe));
    for (const event of events) assert.ok(s.stripe.requestsTo('GET', `/v1/events/${event.id}`).length === 1, event.type);
    const after = (await s.ledger()).filter((e) => events.some((x) => x.id === e.store_event_id));
    assert.ok(after.every((e) => ['applied', 'stale'].includes(e.result) && e.attempts === 2), JSON.stringify(after));
    assert.deepEqual([(await subscriptionRowOf(s.db, user.id))?.is_active], [true]);
  });

  test('a failed event inside the window is processed again by the list itself', async () => {
    const user = await subscribedUser();
    const events = s.stripe.payFirstInvoice(user.subscriptionId, 'succeeded');
    s.stripe.subscriptions.get(user.subscriptionId)!.status = 'mysterious';
    assert.equal((await s.deliver(events[0])).status, 500);
    s.stripe.subscriptions.get(user.subscriptionId)!.status = 'active';
    const res = await s.reconcile();
    assert.equal(res.status, 200);
    assert.equal(res.body.stripe.retried, 0, 'no separate read back: the list brought it');
    const entry = (await s.ledger()).find((e) => e.store_event_id === events[0].id);
    assert.deepEqual([entry?.result, entry?.attempts], ['applied', 2]);
    assert.equal((await subscriptionRowOf(s.db, user.id))?.is_active, true);
  });

  test('first run on a project with history: a backlog larger than one run is worked through run after run, each event once', async () => {
    await reconcileUntilDone();
    const users = await Promise.all([subscribedUser(), subscribedUser(), subscribedUser()]);
    // Missed events from hours ago, older than any overlap: only the backlog reaches them.
    const hoursAgo = Math.floor(Date.now() / 1000) - 5 * 3600;
    const shift = hoursAgo - s.stripe.now();
    s.stripe.advance(shift);
    const events = users.flatMap((u) => {
      s.stripe.advance(600);
      return s.stripe.payFirstInvoice(u.subscriptionId, 'succeeded');
    });
    s.stripe.advance(-shift - 1800);
    // A new deployment: no run has read anything yet.
    await s.db.owner`delete from billing.reconcile_runs`;

    const answers = await reconcileUntilDone({ maxEvents: 2 });
    assert.ok(answers.length >= 3, `${answers.length} runs`);
    assert.ok(answers.slice(0, -1).every((a) => a.outcome === 'partial'));
    assert.ok(answers.some((a) => a.stripe.backlogBefore !== null && a.stripe.segments.some((g: { kind: string }) => g.kind === 'backlog')),
      'some run read the backlog a previous one left');
    assert.equal(answers.reduce((n, a) => n + nonDuplicates(a.stripe.outcomes), 0), events.length);
    for (const a of answers) assert.ok(nonDuplicates(a.stripe.outcomes) <= 2, JSON.stringify(a.stripe.outcomes));
    for (const u of users) assert.equal((await subscriptionRowOf(s.db, u.id))?.is_active, true);
    assert.equal(answers.at(-1).stripe.backlogBefore, null);
  });

  test('property: overlapping runs, racing webhook deliveries and a lease lost mid-run apply each event once', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 2, max: 4 }), // concurrent reconcile calls
        fc.integer({ min: 1, max: 4 }), // events each may process (its count budget)
        fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }), // which events Stripe also delivers, concurrently
        fc.boolean(), // the lease expires while the first run works (its holder looks dead)
        async (calls, maxEvents, delivered, loseLease) => {
          await reconcileUntilDone(); // nothing left over from before
          const users = [await subscribedUser(), await subscribedUser()];
          const events: FakeStripeEvent[] = [];
          for (const u of users) events.push(...s.stripe.payFirstInvoice(u.subscriptionId, 'succeeded'));
          events.push(...s.stripe.scheduleCancellation(users[0].subscriptionId));
          events.push(...s.stripe.renew(users[1].subscriptionId, 'succeeded'));
          const fresh = new Set(events.map((e) => e.id));
          const ledgerBefore = (await s.ledger()).length;

          // Stripe's reads take tens of milliseconds: the runs really overlap.
          s.stripe.readLatencyMs = 50;
          const runs = Array.from({ length: calls }, (_, i) => (async () => {
            if (loseLease && i > 0) {
              await new Promise((resolve) => setTimeout(resolve, 20 * i));
              await s.db.owner`update billing.reconcile_lease set locked_until = now()`;
            }
            return s.reconcile({ maxEvents });
          })());
          const deliveries = events.filter((_, i) => delivered[i % delivered.length]).map((e) => s.deliver(e));
          let answers, webhookAnswers;
          try {
            [answers, webhookAnswers] = await Promise.all([Promise.all(runs), Promise.all(deliveries)]);
          } finally {
            s.stripe.readLatencyMs = 0;
          }
          for (const a of answers) assert.equal(a.status, 200, JSON.stringify(a.body));
          for (const w of webhookAnswers) assert.equal(w.status, 200, JSON.stringify(w.body));
          const rest = await reconcileUntilDone();

          // Every event is in the ledger once, recorded on its first attempt, and processed (not
          // counted as a duplicate) by exactly one caller.
          const ledger = (await s.ledger()).filter((e) => fresh.has(e.store_event_id));
          assert.equal(ledger.length, events.length);
          assert.ok(ledger.every((e) => e.attempts === 1 && e.result !== 'failed'), JSON.stringify(ledger));
          assert.equal((await s.ledger()).length, ledgerBefore + events.length);
          const processedByRuns = [...answers, ...rest.map((body) => ({ body }))]
            .filter((a) => a.body.outcome !== 'skipped')
            .reduce((n, a) => n + nonDuplicates(a.body.stripe.outcomes) + nonDuplicates(a.body.stripe.retryOutcomes), 0);
          const processedByWebhook = webhookAnswers.filter((w) => w.body.result !== 'duplicate').length;
          assert.equal(processedByRuns + processedByWebhook, events.length);
          if (!loseLease) assert.ok(answers.filter((a) => a.body.outcome === 'skipped').length >= 1, 'the lease kept a concurrent run out');

          // And the subscriptions are Stripe's state.
          const [first, second] = await Promise.all(users.map((u) => subscriptionRowOf(s.db, u.id)));
          assert.deepEqual([first?.is_active, first?.will_renew], [true, false]);
          const renewed = s.stripe.subscriptions.get(users[1].subscriptionId)!;
          assert.deepEqual([second?.is_active, second?.will_renew], [true, true]);
          assert.equal(new Date(second!.current_period_ends_at).getTime(), renewed.items.data[0].current_period_end * 1000);
        },
      ),
      { numRuns: 6 },
    );
  });

  test('wrong or missing secret, wrong method, bad body: refused, nothing written', async () => {
    const user = await subscribedUser();
    s.stripe.payFirstInvoice(user.subscriptionId, 'succeeded');
    const before = { ledger: await s.ledger(), runs: (await s.runs()).length, requests: s.stripe.requests.length };
    const refused = [
      [await s.reconcile({}, { secret: null }), 401],
      [await s.reconcile({}, { secret: 'wrong' }), 401],
      [await s.reconcile({}, { secret: `${s.cronSecret}x` }), 401],
      [await s.reconcile({}, { secret: s.cronSecret.slice(0, -1) }), 401],
      [await s.reconcile({}, { secret: '' }), 401],
      [await s.reconcile({ maxEvents: 0 }), 400],
      [await s.reconcile({ maxEvents: 10 ** 9 }), 400],
      [await s.reconcile({ budgetSeconds: '5' }), 400],
      [await s.reconcile({ parts: ['stripe'] }), 400],
    ] as const;
    for (const [res, status] of refused) assert.equal(res.status, status, JSON.stringify(res.body));
    assert.equal(refused[0][0].body.error.code, 'unauthorized');
    const raw = await fetch(s.reconcileFn.url, { method: 'POST', headers: { authorization: s.cronSecret } });
    assert.equal(raw.status, 401, 'the secret without "Bearer"');
    const get = await fetch(s.reconcileFn.url, { headers: { authorization: `Bearer ${s.cronSecret}` } });
    assert.equal(get.status, 405);
    const notJson = await fetch(s.reconcileFn.url, { method: 'POST', headers: { authorization: `Bearer ${s.cronSecret}` }, body: '{' });
    assert.equal(notJson.status, 400);
    assert.deepEqual(await s.ledger(), before.ledger);
    assert.equal((await s.runs()).length, before.runs);
    assert.equal(s.stripe.requests.length, before.requests, 'Stripe was not called');
    assert.equal((await subscriptionRowOf(s.db, user.id))?.status, 'incomplete');
  });

  test('Stripe down: 503, nothing written, the process lives; the next run applies what was missed', async () => {
    await reconcileUntilDone();
    const user = await subscribedUser();
    s.stripe.payFirstInvoice(user.subscriptionId, 'succeeded');
    const before = { ledger: await s.ledger(), row: await storedRow(user.subscriptionId), state: (await s.runs()).at(-1) };
    s.stripe.unavailable = true;
    let res;
    try {
      res = await s.reconcile();
    } finally {
      s.stripe.unavailable = false;
    }
    assert.equal(res.status, 503, JSON.stringify(res.body));
    assert.equal(res.body.error.code, 'stripe_unavailable');
    assert.equal(res.body.error.run.outcome, 'failed');
    assert.deepEqual(await s.ledger(), before.ledger);
    assert.deepEqual(await storedRow(user.subscriptionId), before.row);
    const failedRun = (await s.runs()).at(-1)!;
    assert.equal(failedRun.outcome, 'failed');
    assert.deepEqual([failedRun.stripe_listed_to, failedRun.stripe_backlog_before], [before.state!.stripe_listed_to, before.state!.stripe_backlog_before],
      'the catch-up position did not move');
    assert.equal(s.reconcileFn.exitStatus(), null, 'the function process is alive');

    const next = await s.reconcile();
    assert.equal(next.status, 200, JSON.stringify(next.body));
    assert.equal((await subscriptionRowOf(s.db, user.id))?.is_active, true);
  });

  test('database down: 503 database_unavailable, the process lives, the next run works', async () => {
    const user = await subscribedUser();
    s.stripe.payFirstInvoice(user.subscriptionId, 'succeeded');
    s.proxy.cut();
    let res;
    try {
      res = await s.reconcile();
    } finally {
      s.proxy.resume();
    }
    assert.equal(res.status, 503, JSON.stringify(res.body));
    assert.equal(res.body.error.code, 'database_unavailable');
    assert.equal(s.reconcileFn.exitStatus(), null);
    const next = await s.reconcile();
    assert.equal(next.status, 200, JSON.stringify(next.body));
    assert.equal((await subscriptionRowOf(s.db, user.id))?.is_active, true);
  });
});
