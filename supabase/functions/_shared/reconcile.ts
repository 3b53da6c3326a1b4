// One scheduled reconciliation run (the `reconcile` edge function; Supabase Cron calls it every 15
// minutes, `npm run dev` every few minutes): take the lease, catch up Stripe and the App Store side
// by side within one time budget, record the run and the state the next run starts from.
import { ConfigError, optionalInt } from './config.ts';
import { isDatabaseUnavailable, isStripeUnavailable } from './dependency-errors.ts';
import type { ErrorCode } from './http.ts';
import { catchUpStripe, type StripeCatchUpReport } from './stripe-catch-up.ts';
import { type AppStoreCatchUpReport, catchUpAppStore, isAppleUnavailable } from './app-store-catch-up.ts';
import { beginRun, finishRun, type RunOutcome } from './reconcile-runs.ts';

/**
 * Re-read this much before where the last complete read ended: clock skew between Stripe and the
 * database, Stripe's list catching up (seconds). Re-read events cost a query each and only the time
 * budget bounds them, so it stays short.
 */
const STRIPE_OVERLAP_SECONDS = 600;
/** The same for Apple's notification history, replayed in chunks (no count to outgrow). */
const APPLE_HISTORY_OVERLAP_MS = 3_600_000;
/**
 * The lease outlasts the budget by the longest a run can overshoot it: one Stripe request in flight
 * at the deadline takes at most 2 × 15 s (timeout, one retry; stripe-client.ts), an Apple one less.
 */
const LEASE_MARGIN_SECONDS = 120;
/** Failed ledger events retried per run. */
const MAX_RETRIES = 50;

export interface ReconcileLimits {
  /** Wall-clock budget of a run: no new page, event or subscription is started after it. */
  budgetSeconds: number;
  /** Stripe events not already in the ledger processed per run (each costs reads of Stripe). */
  maxEvents: number;
  /** How far back Stripe's event list is read at most (Stripe keeps 30 days). */
  stripeDays: number;
  appStoreStaleHours: number;
  appStoreMaxRefresh: number;
  appStoreHistoryDays: number;
}


/** Bounds of each limit: the environment and a request may choose within them. */
export const LIMIT_BOUNDS: Record<keyof ReconcileLimits, [min: number, max: number]> = {
  // Supabase's edge functions have 150 s of wall clock (free plan): the budget leaves room to answer.
  budgetSeconds: [1, 120],
  maxEvents: [1, 100_000],
  stripeDays: [1, 30],
  appStoreStaleHours: [0, 24 * 30],
  appStoreMaxRefresh: [0, 10_000],
  appStoreHistoryDays: [1, 180],
};

/** The limits from the environment (RECONCILE_*), defaults where unset. */
export function reconcileLimits(): ReconcileLimits {
  const env = (key: keyof ReconcileLimits, name: string, fallback: number) => optionalInt(name, fallback, ...LIMIT_BOUNDS[key]);
  return {
    budgetSeconds: env('budgetSeconds', 'RECONCILE_BUDGET_SECONDS', 60),
    maxEvents: env('maxEvents', 'RECONCILE_MAX_EVENTS', 1000),
    stripeDays: env('stripeDays', 'RECONCILE_STRIPE_DAYS', 30),
    appStoreStaleHours: env('appStoreStaleHours', 'RECONCILE_APP_STORE_STALE_HOURS', 24),
    appStoreMaxRefresh: env('appStoreMaxRefresh', 'RECONCILE_APP_STORE_MAX_REFRESH', 100),
    appStoreHistoryDays: env('appStoreHistoryDays', 'RECONCILE_APP_STORE_HISTORY_DAYS', 7),
  };
}

export interface ReconcileReport {
  /** 'skipped': another run holds the lease; this call did nothing. */
  outcome: RunOutcome | 'skipped';
  runId?: number;
  startedAt?: string;
  finishedAt?: string;
  stripe?: StripeCatchUpReport & { listedTo: string | null; backlogBefore: string | null };
  appStore?: AppStoreCatchUpReport;
  /** Why the run failed: the answer is 503 for a dependency (retry later), else 500. */
  failure?: { status: 500 | 503; code: ErrorCode; message: string };
}

export async function runReconciliation(limits: ReconcileLimits): Promise<ReconcileReport> {
  const run = await beginRun(limits.budgetSeconds + LEASE_MARGIN_SECONDS);
  if (!run) return { outcome: 'skipped' };
  const deadline = Date.now() + limits.budgetSeconds * 1000;
  // Independent stores, independent dependencies: side by side, each with its own connection.
  const [stripe, appStore] = await Promise.all([
    catchUpStripe(run.stripe, run.startedAt, {
      deadline, maxEvents: limits.maxEvents, maxRetries: MAX_RETRIES, days: limits.stripeDays, overlapSeconds: STRIPE_OVERLAP_SECONDS,
    }),
    catchUpAppStore(run.appStoreHistoryTo, run.startedAt, {
      deadline, staleHours: limits.appStoreStaleHours, maxRefresh: limits.appStoreMaxRefresh,
      historyDays: limits.appStoreHistoryDays, overlapMs: APPLE_HISTORY_OVERLAP_MS,
    }),
  ]);
  const failure = failureOf(stripe.error) ?? failureOf(appStore.error);
  const outcome: RunOutcome = failure ? 'failed' : stripe.report.complete && appStore.report.complete ? 'succeeded' : 'partial';
  const report: ReconcileReport = {
    outcome,
    runId: run.runId,
    startedAt: run.startedAt.toISOString(),
    stripe: { ...stripe.report, listedTo: stripe.next.listedTo?.toISOString() ?? null, backlogBefore: stripe.next.backlogBefore?.toISOString() ?? null },
    appStore: appStore.report,
    ...(failure ? { failure } : {}),
  };
  const finished = await finishRun(run.runId, {
    outcome, stripe: stripe.next, appStoreHistoryTo: appStore.historyTo, summary: report, error: failure?.message,
  });
  if (!finished) console.warn(`Reconciliation run ${run.runId} outlived its lease; another run had started`);
  return { ...report, finishedAt: new Date().toISOString() };
}

function failureOf(error: unknown): ReconcileReport['failure'] {
  if (error === undefined) return undefined;
  if (isStripeUnavailable(error)) return { status: 503, code: 'stripe_unavailable', message: 'Stripe is unavailable; the next run continues from here' };
  if (isDatabaseUnavailable(error)) return { status: 503, code: 'database_unavailable', message: 'The database is unavailable; the next run continues from here' };
  if (isAppleUnavailable(error)) return { status: 503, code: 'apple_unavailable', message: 'Apple is unavailable; the next run continues from here' };
  if (error instanceof ConfigError) return { status: 500, code: 'config_error', message: error.message };
  console.error('Reconciliation failed', error);
  return { status: 500, code: 'internal_error', message: error instanceof Error ? error.message : String(error) };
}
