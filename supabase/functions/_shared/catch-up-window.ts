// Which part of the stores' records a reconciliation run reads, and what it has covered once it
// stops. Pure: no I/O. The state lives in billing.reconcile_runs between runs.
//
// Stripe lists events newest first, and a run may stop anywhere (its time or count budget, Stripe
// or the database going away). So a run first reads the RECENT segment — from where the last
// complete read ended (minus an overlap) up to now — and then, with the time left, the BACKLOG —
// older events a previous run did not reach, down to the floor (Stripe keeps events for 30 days).
// A segment read to its end is covered; one interrupted is covered down to the oldest event read,
// and what lies below becomes the backlog. Re-reading an event costs one ledger query: the overlap
// and the re-read tail of an interrupted page are cheap, and every event is eventually read.

export const DAY_SECONDS = 86_400;

/** Where the Stripe catch-up stands between runs. Times by the database clock (runs) or Stripe's (events). */
export interface StripeCatchUpState {
  /** Every event created before this (down to the floor) was read — except those before backlogBefore. */
  listedTo: Date | null;
  /** Events created before this, down to the floor, are still to be read. */
  backlogBefore: Date | null;
}

/** One range of Stripe's event list to read, newest first: created ≥ createdGte and (if set) < createdLt, in Unix seconds. */
export interface Segment {
  kind: 'recent' | 'backlog';
  createdGte: number;
  createdLt: number | null;
}

export interface CatchUpWindowOptions {
  /** How far back to read at most (Stripe keeps 30 days). */
  days: number;
  /** Re-read this much before the last complete read: clock skew, Stripe's list catching up. */
  overlapSeconds: number;
}

const seconds = (d: Date) => Math.floor(d.getTime() / 1000);

export function floorOf(startedAt: Date, days: number): number {
  return seconds(startedAt) - days * DAY_SECONDS;
}

/** The segments a run that started at `startedAt` reads, in order: recent first, then the backlog. */
export function stripeSegments(state: StripeCatchUpState, startedAt: Date, o: CatchUpWindowOptions): Segment[] {
  const floor = floorOf(startedAt, o.days);
  const recentFrom = state.listedTo ? Math.max(seconds(state.listedTo) - o.overlapSeconds, floor) : floor;
  const segments: Segment[] = [{ kind: 'recent', createdGte: recentFrom, createdLt: null }];
  if (state.backlogBefore && seconds(state.backlogBefore) > floor) {
    segments.push({ kind: 'backlog', createdGte: floor, createdLt: Math.min(seconds(state.backlogBefore), recentFrom) });
  }
  return segments;
}

/**
 * How far a run got through one segment. Interrupted: the `created` time of the oldest event it
 * read (events of that same second may remain), or null when it read none.
 */
export type SegmentProgress = { complete: true } | { complete: false; oldestRead: number | null };

/**
 * The state after a run that started at `startedAt`: `progress` has an entry for each segment of
 * stripeSegments(state, startedAt) the run reached (none past an interrupted one).
 */
export function nextStripeState(state: StripeCatchUpState, startedAt: Date, progress: SegmentProgress[], o: CatchUpWindowOptions): StripeCatchUpState {
  const floor = floorOf(startedAt, o.days);
  const segments = stripeSegments(state, startedAt, o);
  let next: StripeCatchUpState = { ...state };
  progress.forEach((p, i) => {
    const segment = segments[i];
    if (!segment) throw new Error(`progress for segment ${i}, but the run has ${segments.length}`);
    if (segment.kind === 'recent') {
      // Everything from the recent segment's start to the run's start was read, or everything down
      // to an interrupted read: what lies below it, previous backlog included, is backlog now.
      if (p.complete) next = { ...next, listedTo: startedAt };
      else if (p.oldestRead !== null) next = { listedTo: startedAt, backlogBefore: new Date((p.oldestRead + 1) * 1000) };
    } else if (p.complete) {
      next = { ...next, backlogBefore: null };
    } else if (p.oldestRead !== null) {
      next = { ...next, backlogBefore: new Date((p.oldestRead + 1) * 1000) };
    }
  });
  // Backlog older than the floor is past Stripe's retention (or this deployment's): nothing to read.
  if (next.backlogBefore && seconds(next.backlogBefore) <= floor) next = { ...next, backlogBefore: null };
  return next;
}

/** One stretch of Apple's notification history to replay. */
export interface HistoryChunk {
  start: Date;
  end: Date;
}

/**
 * Apple's notification history from where the last replay ended (minus the overlap; at most `days`
 * back) up to `startedAt`, in chunks of at most `chunkMs`, oldest first: a run that stops between
 * chunks keeps what it finished.
 */
export function historyChunks(historyTo: Date | null, startedAt: Date, o: { days: number; overlapMs: number; chunkMs: number }): HistoryChunk[] {
  const end = startedAt.getTime();
  const floor = end - o.days * DAY_SECONDS * 1000;
  let from = historyTo ? Math.max(historyTo.getTime() - o.overlapMs, floor) : floor;
  const chunks: HistoryChunk[] = [];
  while (from < end) {
    const to = Math.min(from + o.chunkMs, end);
    chunks.push({ start: new Date(from), end: new Date(to) });
    from = to;
  }
  return chunks;
}
