// When to try a failed webhook delivery again: exponential backoff with jitter. Pure.
//
// The delay doubles with each failure, from `baseMs` up to `maxMs`, and is spread by ±25 % so that
// deliveries that failed together (a receiver that was down) do not all come back at once. With
// the defaults (60 s, 8 h cap, 12 attempts) the last attempt comes about a day after the first.

export interface RetrySchedule {
  baseMs: number;
  maxMs: number;
}

/** Spread of the jitter around the nominal delay: [1 - JITTER, 1 + JITTER]. */
export const JITTER = 0.25;

/** The nominal delay after `failures` failed attempts (1 or more), before jitter. */
export function nominalRetryDelayMs(failures: number, schedule: RetrySchedule): number {
  if (!Number.isInteger(failures) || failures < 1) throw new RangeError(`failures must be a positive integer, not ${failures}`);
  // 2 ** 60 already exceeds any cap; larger exponents would only overflow to Infinity.
  return Math.min(schedule.maxMs, schedule.baseMs * 2 ** Math.min(failures - 1, 60));
}

/** The delay before the next attempt after `failures` failed ones; `random` in [0, 1). */
export function retryDelayMs(failures: number, schedule: RetrySchedule, random: () => number = Math.random): number {
  return Math.round(nominalRetryDelayMs(failures, schedule) * (1 - JITTER + 2 * JITTER * random()));
}
