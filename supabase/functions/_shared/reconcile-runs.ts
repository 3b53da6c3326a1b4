// The run record and lease of the scheduled reconciliation: thin, typed calls to
// billing.begin_reconcile_run / billing.finish_reconcile_run (migration 20261129120300_scheduled_jobs.sql).
import { db } from './db.ts';
import type { StripeCatchUpState } from './catch-up-window.ts';

export type RunOutcome = 'succeeded' | 'partial' | 'failed';

export interface BegunRun {
  runId: number;
  /** By the database clock: the time the catch-up windows are measured from. */
  startedAt: Date;
  stripe: StripeCatchUpState;
  appStoreHistoryTo: Date | null;
}

/** Takes the lease and starts a run; null while another run holds the lease. */
export async function beginRun(leaseSeconds: number): Promise<BegunRun | null> {
  const [row] = await db()<{
    run_id: string; started_at: Date; stripe_listed_to: Date | null; stripe_backlog_before: Date | null; app_store_history_to: Date | null;
  }[]>`select * from billing.begin_reconcile_run(${leaseSeconds})`;
  if (!row) return null;
  return {
    runId: Number(row.run_id),
    startedAt: row.started_at,
    stripe: { listedTo: row.stripe_listed_to, backlogBefore: row.stripe_backlog_before },
    appStoreHistoryTo: row.app_store_history_to,
  };
}

export interface FinishedRun {
  outcome: RunOutcome;
  stripe: StripeCatchUpState;
  appStoreHistoryTo: Date | null;
  summary: unknown;
  error?: string;
}

/** Records the end of a run and releases its lease; false when its lease had expired and another run took it. */
export async function finishRun(runId: number, run: FinishedRun): Promise<boolean> {
  const sql = db();
  const [row] = await sql<{ released: boolean }[]>`
    select billing.finish_reconcile_run(
      ${runId}, ${run.outcome}, ${run.stripe.listedTo}, ${run.stripe.backlogBefore}, ${run.appStoreHistoryTo},
      ${sql.json(run.summary as never)}, ${run.error ?? null}) as released`;
  return row.released;
}
