// The catch-up windows (pure): whatever budgets, crashes and clock skew the runs meet, no Stripe
// event inside Stripe's retention is skipped for good — once runs can finish, every event has been
// read. A model of Stripe's event list (newest first, events showing up late or early relative to
// the database clock) is read by a model of the catch-up loop (stripe-catch-up.ts's rules: stop
// before an event once the budget of new events is spent; duplicates are free).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  DAY_SECONDS,
  floorOf,
  historyChunks,
  nextStripeState,
  type SegmentProgress,
  stripeSegments,
  type StripeCatchUpState,
} from '../../functions/_shared/catch-up-window.ts';

const options = { days: 30, overlapSeconds: 600 };
const BASE = 1_900_000_000; // Unix seconds, 2030

interface ModelEvent { id: number; created: number; /** Stripe's clock ahead (+) or its list lagging (−), in seconds. */ shift: number }

/** One run of the catch-up loop over the model list; returns the read ids and the new state. */
function run(
  state: StripeCatchUpState,
  startedAt: number,
  events: ModelEvent[],
  read: Set<number>,
  budget: { newEvents: number; crashAfter: number },
): StripeCatchUpState {
  const at = new Date(startedAt * 1000);
  const visible = events.filter((e) => e.created - e.shift <= startedAt);
  const progress: SegmentProgress[] = [];
  let newRead = 0;
  let examined = 0;
  for (const segment of stripeSegments(state, at, options)) {
    const list = visible
      .filter((e) => e.created >= segment.createdGte && (segment.createdLt === null || e.created < segment.createdLt))
      .sort((a, b) => b.created - a.created || b.id - a.id);
    let oldestRead: number | null = null;
    let complete = true;
    for (const e of list) {
      if (newRead >= budget.newEvents || examined >= budget.crashAfter) {
        complete = false;
        break;
      }
      examined += 1;
      if (!read.has(e.id)) newRead += 1;
      read.add(e.id);
      oldestRead = e.created;
    }
    progress.push(complete ? { complete: true } : { complete: false, oldestRead });
    if (!complete) break;
  }
  return nextStripeState(state, at, progress, options);
}

const arbitraryEvents = fc.array(
  fc.record({
    created: fc.oneof(
      fc.integer({ min: BASE - 40 * DAY_SECONDS, max: BASE + 5 * DAY_SECONDS }),
      // Several events in one second, as Stripe's often are: a page may end between them.
      fc.tuple(fc.constantFrom(BASE - 10 * DAY_SECONDS, BASE - DAY_SECONDS, BASE), fc.integer({ min: 0, max: 2 })).map(([t, d]) => t + d),
    ),
    shift: fc.integer({ min: -(options.overlapSeconds - 1), max: options.overlapSeconds - 1 }),
  }),
  { maxLength: 60 },
).map((list) => list.map((e, id): ModelEvent => ({ id, ...e })));

/** Gaps between runs (seconds) and each run's budget; crashAfter: the run dies after examining that many. */
const arbitraryRuns = fc.array(
  fc.record({
    gap: fc.oneof(fc.integer({ min: 1, max: 900 }), fc.integer({ min: 1, max: 3 * DAY_SECONDS })),
    newEvents: fc.integer({ min: 1, max: 8 }),
    crashAfter: fc.oneof(fc.constant(Infinity), fc.integer({ min: 0, max: 10 })),
  }),
  { minLength: 1, maxLength: 12 },
);

describe('Stripe catch-up windows', () => {
  test('property: after any sequence of bounded, crashing runs, runs that can finish leave no event unread', () => {
    fc.assert(
      fc.property(arbitraryEvents, arbitraryRuns, (events, runs) => {
        let state: StripeCatchUpState = { listedTo: null, backlogBefore: null };
        let now = BASE - 2 * DAY_SECONDS;
        const read = new Set<number>();
        for (const r of runs) {
          now += r.gap;
          state = run(state, now, events, read, r);
        }
        // Then runs that do not crash, each reading at most 8 new events: at most 60 events need 8 of
        // them, the rest finish.
        for (let i = 0; i < 20; i++) {
          now += 60;
          state = run(state, now, events, read, { newEvents: 8, crashAfter: Infinity });
        }
        assert.equal(state.backlogBefore, null);
        const missed = events.filter((e) => wanted(e, now) && !read.has(e.id));
        assert.deepEqual(missed, [], `state ${JSON.stringify(state)}`);
      }),
      { numRuns: 400 },
    );
    // Events inside Stripe's retention and already visible to the last run.
    function wanted(e: ModelEvent, now: number): boolean {
      return e.created >= floorOf(new Date(now * 1000), options.days) && e.created - e.shift <= now - 60;
    }
  });

  test('property: a run with room for everything reads each visible event of the window, and re-reads only the overlap', () => {
    fc.assert(
      fc.property(arbitraryEvents, fc.integer({ min: 1, max: 5 * DAY_SECONDS }), (events, gap) => {
        const first = BASE;
        const read = new Set<number>();
        let state = run({ listedTo: null, backlogBefore: null }, first, events, read, { newEvents: Infinity, crashAfter: Infinity });
        assert.deepEqual(state, { listedTo: new Date(first * 1000), backlogBefore: null });
        const second = first + gap;
        const [recent, ...rest] = stripeSegments(state, new Date(second * 1000), options);
        assert.equal(rest.length, 0);
        assert.equal(recent.createdGte, Math.max(first - options.overlapSeconds, second - options.days * DAY_SECONDS));
        state = run(state, second, events, read, { newEvents: Infinity, crashAfter: Infinity });
        assert.equal(state.listedTo?.getTime(), second * 1000);
      }),
      { numRuns: 200 },
    );
  });

  test('an interrupted recent segment leaves its older part as backlog; a backlog older than the floor is dropped', () => {
    const startedAt = new Date(BASE * 1000);
    const interrupted = nextStripeState({ listedTo: null, backlogBefore: null }, startedAt, [{ complete: false, oldestRead: BASE - 100 }], options);
    assert.deepEqual(interrupted, { listedTo: startedAt, backlogBefore: new Date((BASE - 99) * 1000) });
    const segments = stripeSegments(interrupted, new Date((BASE + 60) * 1000), options);
    assert.deepEqual(segments.map((s) => [s.kind, s.createdGte, s.createdLt]), [
      ['recent', BASE - options.overlapSeconds, null],
      ['backlog', BASE + 60 - 30 * DAY_SECONDS, BASE - options.overlapSeconds],
    ]);
    // Nothing read: nothing learnt.
    assert.deepEqual(nextStripeState(interrupted, startedAt, [{ complete: false, oldestRead: null }], options), interrupted);
    // Thirty days later the backlog is past Stripe's retention.
    const later = new Date((BASE + 31 * DAY_SECONDS) * 1000);
    assert.deepEqual(nextStripeState(interrupted, later, [{ complete: true }], options), { listedTo: later, backlogBefore: null });
  });

  test('history chunks: from the last replay minus the overlap (at most N days back) to the run start, in bounded chunks', () => {
    const start = new Date('2030-03-01T12:00:00Z');
    const hour = 3_600_000;
    const o = { days: 7, overlapMs: hour, chunkMs: 6 * hour };
    const fresh = historyChunks(null, start, o);
    assert.equal(fresh[0].start.getTime(), start.getTime() - 7 * 24 * hour);
    assert.equal(fresh.length, 28);
    assert.equal(fresh.at(-1)!.end.getTime(), start.getTime());
    for (let i = 1; i < fresh.length; i++) assert.equal(fresh[i].start.getTime(), fresh[i - 1].end.getTime());
    const next = historyChunks(new Date(start.getTime() - 15 * 60_000), start, o);
    assert.deepEqual(next.map((c) => [c.start.getTime(), c.end.getTime()]), [[start.getTime() - 75 * 60_000, start.getTime()]]);
    assert.deepEqual(historyChunks(start, start, { ...o, overlapMs: 0 }), []);
  });
});
