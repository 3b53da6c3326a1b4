// The scheduled Stripe catch-up: reads Stripe's own event list (GET /v1/events, the event types
// the webhook handles) for what the webhook may have missed — a delivery Stripe gave up on after 3
// days, an endpoint that was down or misconfigured — and retries events the ledger holds as
// 'failed'. Every event goes through processStripeEvent, the webhook's own path: one already
// applied is a duplicate and costs one query. Bounded by a deadline and by a count of events not
// yet in the ledger (those cost reads of Stripe); it stops cleanly and says how far it got
// (catch-up-window.ts), so the next run continues from there. Duplicates are bounded by the
// deadline only: a run re-reading what the last one read must always get past it to new events.
import type Stripe from 'stripe';
import { db } from './db.ts';
import { isDatabaseUnavailable, isStripeUnavailable } from './dependency-errors.ts';
import { ApiError } from './http.ts';
import { stripe } from './stripe-client.ts';
import { processStripeEvent, requireStripeEvent } from './stripe-events.ts';
import { STRIPE_WEBHOOK_EVENTS } from './stripe-mapping.ts';
import {
  type CatchUpWindowOptions,
  nextStripeState,
  type Segment,
  type SegmentProgress,
  stripeSegments,
  type StripeCatchUpState,
} from './catch-up-window.ts';

/** Stripe's largest page. */
const PAGE_SIZE = 100;

export interface StripeCatchUpLimits extends CatchUpWindowOptions {
  /** Date.now() after which no new page or event is started. */
  deadline: number;
  /** Events not already in the ledger processed per run, at most. */
  maxEvents: number;
  /** Failed ledger events retried, at most. */
  maxRetries: number;
}

export type EventCounts = Record<'applied' | 'stale' | 'duplicate' | 'ignored' | 'invalid' | 'failed', number>;

export interface StripeCatchUpReport {
  /** The ranges read, in Unix seconds (createdLt null: up to now). */
  segments: (Segment & { complete: boolean })[];
  /** Events read from Stripe's list, and what processing each gave. */
  listed: number;
  outcomes: EventCounts;
  /** Failed ledger events read back from Stripe (events.retrieve) and processed again. */
  retried: number;
  retryOutcomes: EventCounts;
  /** Failed events Stripe no longer has (older than its 30 days): left as they are. */
  retryGone: number;
  /** Everything in the window was read and every failed event eligible was retried. */
  complete: boolean;
}

export interface StripeCatchUpResult {
  report: StripeCatchUpReport;
  next: StripeCatchUpState;
  /** Why the catch-up stopped early: Stripe or the database unavailable, or an unexpected error. */
  error?: unknown;
}

const emptyCounts = (): EventCounts => ({ applied: 0, stale: 0, duplicate: 0, ignored: 0, invalid: 0, failed: 0 });

/** Runs the catch-up from `state` for a run that started at `startedAt` (database clock). Never throws: an error is returned with the progress made. */
export async function catchUpStripe(state: StripeCatchUpState, startedAt: Date, limits: StripeCatchUpLimits): Promise<StripeCatchUpResult> {
  const segments = stripeSegments(state, startedAt, limits);
  const report: StripeCatchUpReport = {
    segments: [], listed: 0, outcomes: emptyCounts(), retried: 0, retryOutcomes: emptyCounts(), retryGone: 0, complete: false,
  };
  const progress: SegmentProgress[] = [];
  const processed = new Set<string>();
  const timeLeft = () => Date.now() < limits.deadline;
  let error: unknown;
  try {
    for (const segment of segments) {
      const tracker: Tracker = { complete: false, oldestRead: null };
      try {
        await readSegment(segment, tracker, report, processed, limits, timeLeft);
      } finally {
        progress.push(tracker.complete ? { complete: true } : { complete: false, oldestRead: tracker.oldestRead });
        report.segments.push({ ...segment, complete: tracker.complete });
      }
      if (!tracker.complete) break;
    }
    const listedAll = progress.length === segments.length && progress.every((p) => p.complete);
    const retriedAll = await retryFailed(report, processed, limits, timeLeft);
    report.complete = listedAll && retriedAll;
  } catch (e) {
    error = e;
  }
  return { report, next: nextStripeState(state, startedAt, progress, limits), error };
}

/** How far the read of a segment got, kept up to date as it goes (an error may end it anywhere). */
type Tracker = { complete: boolean; oldestRead: number | null };

/** Reads one segment newest first, page by page. */
async function readSegment(
  segment: Segment,
  p: Tracker,
  report: StripeCatchUpReport,
  processed: Set<string>,
  limits: StripeCatchUpLimits,
  timeLeft: () => boolean,
): Promise<void> {
  let startingAfter: string | undefined;
  const budgetLeft = () => report.listed - report.outcomes.duplicate < limits.maxEvents && timeLeft();
  for (;;) {
    if (!budgetLeft()) return;
    const page = await stripe().events.list({
      types: [...STRIPE_WEBHOOK_EVENTS],
      created: segment.createdLt === null ? { gte: segment.createdGte } : { gte: segment.createdGte, lt: segment.createdLt },
      limit: PAGE_SIZE,
      ...(startingAfter ? { starting_after: startingAfter } : {}),
    });
    for (const event of page.data) {
      if (!budgetLeft()) return;
      report.listed += 1;
      report.outcomes[await examine(event)] += 1;
      processed.add(event.id);
      p.oldestRead = event.created;
    }
    if (!page.has_more || page.data.length === 0) {
      p.complete = true;
      return;
    }
    startingAfter = page.data[page.data.length - 1].id;
  }
}

/**
 * Processes one event; its outcome, 'invalid' for an event we can never process (malformed), or
 * 'failed' for one whose failure is now on record in the ledger (retried by a later run). Stripe
 * or the database being unavailable is thrown: the run stops there, and the event is read again.
 */
async function examine(event: Stripe.Event): Promise<keyof EventCounts> {
  try {
    return (await processStripeEvent(requireStripeEvent(event))).result;
  } catch (error) {
    if (isStripeUnavailable(error) || isDatabaseUnavailable(error)) throw error;
    if (error instanceof ApiError && error.status < 500) {
      console.warn(`Stripe event ${event.id} cannot be processed: ${error.message}`);
      return 'invalid';
    }
    return 'failed';
  }
}

/**
 * Retries the ledger's failed Stripe events that the list did not bring this run (older than the
 * window, or failed since), least recently tried first, reading each back from Stripe. Returns
 * whether every eligible one was reached.
 */
async function retryFailed(report: StripeCatchUpReport, processed: Set<string>, limits: StripeCatchUpLimits, timeLeft: () => boolean): Promise<boolean> {
  // Those processed this run may be among them; one more than that, to know whether any were left over.
  const limit = limits.maxRetries + processed.size + 1;
  const rows = await db()<{ id: string }[]>`
    select store_event_id as id from billing.store_events
    where store = 'stripe' and result = 'failed' and store_event_at > now() - interval '30 days'
    order by received_at
    limit ${limit}`;
  const due = rows.map((r) => r.id).filter((id) => !processed.has(id));
  for (const [i, id] of due.entries()) {
    if (i >= limits.maxRetries || !timeLeft()) return false;
    let event: Stripe.Event;
    try {
      event = await stripe().events.retrieve(id);
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) {
        report.retryGone += 1;
        continue;
      }
      throw error;
    }
    report.retried += 1;
    report.retryOutcomes[await examine(event)] += 1;
    processed.add(id);
  }
  return rows.length < limit;
}
