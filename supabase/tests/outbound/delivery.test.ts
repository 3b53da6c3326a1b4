// The entitlement-webhooks function under Deno, delivering the outbox to local receivers that
// verify every request with the Standard Webhooks reference library: only the scheduler may run
// it; signatures verify; a failing receiver gets retries with backoff and exactly one successful
// delivery per event, in order per person; a delivery goes dead after the last attempt and the CLI
// brings it back; overlapping runs send nothing twice; a hanging or unreachable receiver and a lost
// database cost nothing but time. Real function, real database; the receivers are local servers.
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { callFunction } from '../helpers/edge-function.ts';
import { newSigningSecret, startDeliveryStack, TEST_RETRY, type DeliveryStack } from './delivery-stack.ts';
import type { ReceivedWebhook } from './receiver.ts';

/** A port nothing listens on: connections are refused. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * Per person, the receiver never saw sequence n + 1 before sequence n was answered 2xx (or given
 * up on: `dead` lists the event ids that went dead).
 */
function assertOrderPerPerson(received: ReceivedWebhook[], dead: Set<string> = new Set()) {
  const settled = new Map<string, number>(); // user → highest sequence delivered or dead, in arrival order
  const deadSeq = new Map<string, Set<number>>();
  for (const r of received) {
    const user = r.payload!.data.user_id;
    const seq = r.payload!.data.sequence;
    const done = settled.get(user) ?? 0;
    assert.ok(seq <= done + 1 || deadSeq.get(user)?.has(seq - 1), `${user}: sequence ${seq} arrived before ${done + 1} was delivered`);
    if (typeof r.answer === 'number' && r.answer >= 200 && r.answer < 300) settled.set(user, Math.max(done, seq));
    if (dead.has(r.id)) deadSeq.set(user, new Set([...(deadSeq.get(user) ?? []), seq]));
  }
}

describe('entitlement-webhooks: delivering the outbox', { timeout: 600_000 }, () => {
  let s: DeliveryStack;
  let unreachable: string;

  before(async () => {
    unreachable = `http://127.0.0.1:${await closedPort()}/hook`;
    s = await startDeliveryStack();
    // The first run records the endpoints; events from then on are delivered to them.
    const first = await s.runOnce();
    assert.equal(first.status, 200, JSON.stringify(first.body));
  });
  after(async () => s?.stop());
  beforeEach(() => {
    s.receiver.received.length = 0;
    s.receiver.answer = () => 204;
  });

  test('without the scheduler\'s secret: 401 and nothing read or written', async () => {
    const person = await s.personWithEvents(2);
    const snapshot = () => s.db.owner`
      select (select json_agg(d order by d.id) from billing.outbound_deliveries d) as deliveries,
             (select json_agg(e order by e.url) from billing.outbound_endpoints e) as endpoints,
             (select json_agg(a order by a.user_id) from billing.entitlement_announcements a) as announcements`;
    const before = await snapshot();
    const attempts: [string, Record<string, string>][] = [
      ['no Authorization', {}],
      ['a wrong secret', { authorization: `Bearer ${'0'.repeat(64)}` }],
      ['the secret with one more character', { authorization: `Bearer ${s.cronSecret}x` }],
      ['the secret cut short', { authorization: `Bearer ${s.cronSecret.slice(0, -1)}` }],
      ['the secret without Bearer', { authorization: s.cronSecret }],
      ['Basic auth', { authorization: `Basic ${Buffer.from(`cron:${s.cronSecret}`).toString('base64')}` }],
    ];
    for (const [label, headers] of attempts) {
      const res = await callFunction(s.fn, { headers, body: {} });
      assert.equal(res.status, 401, label);
      assert.equal(res.body.error.code, 'unauthorized', label);
    }
    assert.deepEqual(await snapshot(), before, 'nothing changed');
    assert.equal(s.receiver.received.length, 0, 'nothing sent');
    // The same run with the secret does deliver: the refusals above were the check, not an empty outbox.
    const ok = await s.runOnce();
    assert.equal(ok.status, 200);
    assert.equal(ok.body.delivered, 2);
    assert.deepEqual([...s.receiver.successes().keys()].sort(), [...person.eventIds].sort());
    assert.equal((await callFunction(s.fn, { method: 'GET', token: s.cronSecret })).status, 405);
  });

  test('the receiver verifies every request with the standardwebhooks library; the body is the stored event', async () => {
    const person = await s.personWithEvents(3);
    const result = await s.runOnce();
    assert.equal(result.status, 200);
    assert.equal(s.receiver.received.length, 3);
    const stored = await s.db.owner<{ id: string; payload: unknown }[]>`select id, payload from billing.outbound_events where user_id = ${person.userId} order by seq`;
    for (const [i, r] of s.receiver.received.entries()) {
      assert.equal(r.verified, true, r.verifyError);
      assert.equal(r.id, stored[i].id, 'webhook-id is the event id');
      assert.equal(r.contentType, 'application/json');
      assert.ok(Math.abs(r.timestamp - Date.now() / 1000) < 60, 'webhook-timestamp is the time of sending');
      assert.match(r.signature, /^v1,[A-Za-z0-9+/]+={0,2}$/);
      assert.deepEqual(JSON.parse(r.body), stored[i].payload);
      assert.deepEqual(r.payload, stored[i].payload);
      // The signature is over this body with this secret: anything else fails verification.
      const headers = { 'webhook-id': r.id, 'webhook-timestamp': String(r.timestamp), 'webhook-signature': r.signature };
      assert.throws(() => new Webhook(newSigningSecret()).verify(r.body, headers), /No matching signature/);
      assert.throws(() => new Webhook(s.signingSecret).verify(r.body.replace('"sequence"', '"sequence" '), headers), /No matching signature/);
      assert.throws(() => new Webhook(s.signingSecret).verify(r.body, { ...headers, 'webhook-id': `${r.id}x` }), /No matching signature/);
    }
    assert.deepEqual(s.receiver.received.map((r) => r.payload!.type), ['entitlement.became_active', 'entitlement.will_not_renew', 'entitlement.renewal_enabled']);
  });

  test('a receiver that fails twice per event: retried with backoff, delivered exactly once each, in order per person', async () => {
    const people = await Promise.all([s.personWithEvents(3), s.personWithEvents(3), s.personWithEvents(2)]);
    const failuresBefore = 2;
    const seen = new Map<string, number>();
    s.receiver.answer = (r) => {
      const n = (seen.get(r.id) ?? 0) + 1;
      seen.set(r.id, n);
      return n <= failuresBefore ? 503 : 200;
    };
    await s.runUntil(async () => (await s.pending()) === 0);

    const ids = people.flatMap((p) => p.eventIds);
    const successes = s.receiver.successes();
    for (const id of ids) {
      assert.equal(successes.get(id), 1, `${id}: one successful delivery`);
      assert.equal(s.receiver.received.filter((r) => r.id === id).length, failuresBefore + 1, `${id}: attempts`);
    }
    assert.ok(s.receiver.received.every((r) => r.verified));
    assertOrderPerPerson(s.receiver.received);

    // Backoff: the gap before attempt k + 1 is at least 75 % of base × 2^(k-1) (±25 % jitter).
    for (const id of ids) {
      const times = s.receiver.received.filter((r) => r.id === id).map((r) => r.at);
      for (let k = 1; k < times.length; k++) {
        const nominal = TEST_RETRY.baseSeconds * 1000 * 2 ** (k - 1);
        assert.ok(times[k] - times[k - 1] >= 0.75 * nominal - 5, `${id}: attempt ${k + 1} came ${times[k] - times[k - 1]} ms after attempt ${k}, sooner than the backoff (${0.75 * nominal} ms)`);
      }
    }
    const rows = await s.db.owner`
      select status::text, attempts, last_http_status, last_error, delivered_at is not null as delivered
      from billing.outbound_deliveries where event_id = any (${s.db.owner.array(ids, 1009)}::text[])`;
    assert.equal(rows.length, ids.length);
    for (const row of rows) assert.deepEqual({ ...row }, { status: 'delivered', attempts: 3, last_http_status: 200, last_error: null, delivered: true });
  });

  test('dead after the last attempt; the next event then goes; the CLI lists, retries and replays', async () => {
    const person = await s.personWithEvents(2);
    const [doomed, next] = person.eventIds;
    s.receiver.answer = (r) => (r.id === doomed ? 500 : 204);
    await s.runUntil(async () => (await s.pending()) === 0);

    const [dead] = await s.db.owner`
      select id, status::text, attempts, last_http_status, last_error from billing.outbound_deliveries where event_id = ${doomed}`;
    assert.equal(dead.status, 'dead');
    assert.equal(dead.attempts, TEST_RETRY.maxAttempts);
    assert.equal(dead.last_http_status, 500);
    assert.match(dead.last_error, /^HTTP 500: receiver says no \(500\)/);
    assert.equal(s.receiver.received.filter((r) => r.id === doomed).length, TEST_RETRY.maxAttempts);
    assert.equal(s.receiver.successes().get(next), 1, 'the next event went once the first was dead');
    assertOrderPerPerson(s.receiver.received, new Set([doomed]));
    const lastDoomed = Math.max(...s.receiver.received.filter((r) => r.id === doomed).map((r) => r.at));
    assert.ok(s.receiver.received.filter((r) => r.id === next).every((r) => r.at >= lastDoomed), 'not before the first went dead');

    // list
    const listed = await s.cli('list', '--status', 'dead', '--json');
    assert.equal(listed.code, 0, listed.out);
    const deadRows = JSON.parse(listed.out) as { id: number; event_id: string; status: string; attempts: number }[];
    assert.ok(deadRows.some((d) => d.id === Number(dead.id) && d.event_id === doomed && d.attempts === TEST_RETRY.maxAttempts));
    assert.ok(deadRows.every((d) => d.status === 'dead'));
    const table = await s.cli('list', '--user', person.userId);
    assert.equal(table.code, 0, table.out);
    assert.match(table.out, new RegExp(`${doomed}.*dead`));
    assert.match(table.out, new RegExp(`${next}.*delivered`));

    // retry: back to pending, due now, and delivered once the receiver works again
    s.receiver.answer = () => 204;
    const retried = await s.cli('retry', '--dead');
    assert.equal(retried.code, 0, retried.out);
    assert.match(retried.out, new RegExp(`back to pending, due now: .*\\b${dead.id}\\b`));
    const [pending] = await s.db.owner`select status::text, attempts from billing.outbound_deliveries where id = ${dead.id}`;
    assert.deepEqual({ ...pending }, { status: 'pending', attempts: 0 });
    await s.runUntil(async () => (await s.pending()) === 0);
    assert.equal(s.receiver.successes().get(doomed), 1);

    // A delivered one is not retried (replay is for that); mistakes are refused before anything is written.
    const refused = await s.cli('retry', String(dead.id));
    assert.equal(refused.code, 1);
    assert.match(refused.out, /was delivered; replay its event/);
    assert.equal((await s.cli('retry', 'seven')).code, 2);
    assert.equal((await s.cli('replay', '--user', 'nobody')).code, 2);
    assert.equal((await s.cli('frobnicate')).code, 2);
    const unknown = await s.cli('replay', `evt_${'0'.repeat(32)}`);
    assert.equal(unknown.code, 1);
    assert.match(unknown.out, /no event/);

    // replay: new deliveries with the same webhook-id, so the receiver can tell
    const replayed = await s.cli('replay', doomed);
    assert.equal(replayed.code, 0, replayed.out);
    assert.match(replayed.out, /1 new delivery of 1 event/);
    const everything = await s.cli('replay', '--user', person.userId);
    assert.match(everything.out, /2 new deliveries of 2 event/);
    await s.runUntil(async () => (await s.pending()) === 0);
    assert.equal(s.receiver.successes().get(doomed), 3);
    assert.equal(s.receiver.successes().get(next), 2);
    assert.ok(s.receiver.received.every((r) => r.verified));
  });

  test('a receiver that hangs times out; an unreachable one fails; neither holds up the other endpoint', async () => {
    const other = await startDeliveryStack({ extraEndpoints: [unreachable], env: { ENTITLEMENT_WEBHOOK_MAX_ATTEMPTS: '2' } });
    try {
      await other.runOnce();
      const person = await other.personWithEvents(2);
      const [hangs] = person.eventIds;
      let hung = false;
      other.receiver.answer = (r) => (r.id === hangs && !hung ? ((hung = true), 'hang') : 204);
      const started = Date.now();
      const first = await other.runOnce();
      assert.equal(first.status, 200, JSON.stringify(first.body));
      assert.ok(Date.now() - started < (TEST_RETRY.timeoutSeconds + 10) * 1000, 'the run is bounded by the request timeout');
      const [timedOut] = await other.db.owner`
        select status::text, last_error from billing.outbound_deliveries where event_id = ${hangs} and endpoint = ${other.receiver.url}`;
      assert.equal(timedOut.status, 'pending');
      assert.equal(timedOut.last_error, `no answer within ${TEST_RETRY.timeoutSeconds} s`);

      await other.runUntil(async () => (await other.pending()) === 0);
      const rows = await other.db.owner`
        select endpoint, seq, status::text, attempts, last_error from billing.outbound_deliveries order by endpoint, seq`;
      const byEndpoint = (url: string) => rows.filter((r) => r.endpoint === url).map((r) => r.status);
      assert.deepEqual(byEndpoint(other.receiver.url), ['delivered', 'delivered']);
      assert.deepEqual(byEndpoint(unreachable), ['dead', 'dead']);
      for (const row of rows.filter((r) => r.endpoint === unreachable)) assert.match(row.last_error, /^request failed: /);
      assert.equal(other.receiver.successes().get(hangs), 1);
      assert.equal(other.fn.exitStatus(), null, 'the function process is alive');
    } finally {
      await other.stop();
    }
  });

  test('two processes running at once send every event once', async () => {
    const people = await Promise.all(Array.from({ length: 30 }, () => s.personWithEvents(2)));
    const second = await s.startAnother();
    s.receiver.answer = () => ({ status: 200, delayMs: 80 });
    const runs = await Promise.all([s.runOnce(), s.runOnce(second), s.runOnce(), s.runOnce(second)]);
    for (const run of runs) assert.equal(run.status, 200, JSON.stringify(run.body));
    if ((await s.pending()) > 0) await s.runUntil(async () => (await s.pending()) === 0);
    const ids = people.flatMap((p) => p.eventIds);
    assert.equal(s.receiver.received.length, ids.length, 'one request per event, no more');
    const successes = s.receiver.successes();
    for (const id of ids) assert.equal(successes.get(id), 1, id);
    assert.equal(runs.reduce((n, r) => n + r.body.delivered, 0), ids.length, 'the runs\' counts add up');
    assert.ok(runs.filter((r) => r.body.delivered > 0).length >= 2, `the runs overlapped: ${JSON.stringify(runs.map((r) => r.body.delivered))}`);
    assertOrderPerPerson(s.receiver.received);
  });

  test('a lost database: 503 while it is gone, the process lives, the next run delivers', async () => {
    const person = await s.personWithEvents(1);
    s.proxy.cut();
    try {
      const down = await s.runOnce();
      assert.equal(down.status, 503);
      assert.equal(down.body.error.code, 'database_unavailable');
    } finally {
      s.proxy.resume();
    }
    assert.equal(s.fn.exitStatus(), null, `the process died:\n${s.fn.logs().slice(-2000)}`);
    await s.runUntil(async () => (await s.pending()) === 0);
    assert.equal(s.receiver.successes().get(person.eventIds[0]), 1);
  });

  test('an ended period is announced and delivered by the next run (the sweep)', { timeout: 60_000 }, async () => {
    const person = await s.personWithEvents(1);
    await s.runUntil(async () => (await s.pending()) === 0);
    // The period ends a moment from now, with no store event.
    await s.db.owner`
      update billing.store_subscriptions set expires_at = clock_timestamp() + interval '1 second', snapshot_expires_at = clock_timestamp() + interval '1 second'
      where user_id = ${person.userId}`;
    s.receiver.received.length = 0;
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const result = await s.runOnce();
    assert.equal(result.status, 200);
    assert.ok(result.body.swept >= 1);
    const types = s.receiver.received.filter((r) => r.payload!.data.user_id === person.userId).map((r) => r.payload!.type);
    assert.deepEqual(types.slice(-1), ['entitlement.expired']);
    assert.equal(s.receiver.received.at(-1)!.payload!.data.cause.reason, 'period_ended');
  });
});
