// The scheduled App Store catch-up: the existing reconciliation (app-store-reconcile.ts, also
// `npm run app-store:reconcile`) run within a run's budget — refresh the subscriptions not updated
// for a while from Apple's statuses, and replay Apple's notification history since the last run
// (Apple retries failed deliveries only in production, and never in the sandbox). Everything goes
// through the same idempotent, ordered apply path as the notifications.
import { APIException } from '@apple/app-store-server-library';
import { appleConfig, appStoreServerApiConfig, type AppleEnvironment } from './config.ts';
import { isDatabaseUnavailable } from './dependency-errors.ts';
import { ApiError } from './http.ts';
import { refreshSubscription, replayNotificationHistory, subscriptionsToRefresh } from './app-store-reconcile.ts';
import { historyChunks } from './catch-up-window.ts';
import type { NotificationOutcome } from './app-store-notifications.ts';

/**
 * History is replayed in chunks of this length, oldest first, and the position saved after each:
 * a run that reaches its deadline keeps what it finished (replayNotificationHistory itself reads
 * its whole range).
 */
const HISTORY_CHUNK_MS = 6 * 3_600_000;

export interface AppStoreCatchUpLimits {
  deadline: number;
  /** Refresh the subscriptions not updated for this long (refunded and revoked ones too). */
  staleHours: number;
  /** Subscriptions refreshed per run, at most (least recently updated first). */
  maxRefresh: number;
  /** Replay at most this far back. */
  historyDays: number;
  overlapMs: number;
}

export interface AppStoreCatchUpReport {
  /** 'not_configured': no App Store Server API key (APP_STORE_SERVER_API_*), nothing to do. */
  status: 'done' | 'not_configured';
  refreshed: number;
  refreshFailed: number;
  /** Stale subscriptions left for the next run (count or time budget). */
  refreshLeft: number;
  /** Notifications replayed from the history, and what processing each gave. */
  notifications: number;
  outcomes: Record<NotificationOutcome['result'], number>;
  /** History replayed up to (ISO time). */
  historyTo: string | null;
  /** History chunks that failed on data that can never be processed (kept for the next run). */
  historyFailed: number;
  complete: boolean;
}

export interface AppStoreCatchUpResult {
  report: AppStoreCatchUpReport;
  historyTo: Date | null;
  error?: unknown;
}

/**
 * Apple could not answer: its API (5xx, 429, the network) or its certificate status service (our
 * 503 `verification_unavailable`). Worth retrying later; the run stops.
 */
export function isAppleUnavailable(error: unknown): boolean {
  if (error instanceof APIException) return error.httpStatusCode >= 500 || error.httpStatusCode === 429;
  if (error instanceof ApiError) return error.status === 503;
  // fetch() rejects with a TypeError when the connection fails.
  return error instanceof TypeError && /fetch|send|connect|network/i.test(error.message);
}

/** Never throws: an error is returned with the position reached. */
export async function catchUpAppStore(historyTo: Date | null, startedAt: Date, limits: AppStoreCatchUpLimits): Promise<AppStoreCatchUpResult> {
  const report: AppStoreCatchUpReport = {
    status: 'done', refreshed: 0, refreshFailed: 0, refreshLeft: 0, notifications: 0,
    outcomes: { applied: 0, stale: 0, duplicate: 0, ignored: 0 }, historyTo: historyTo?.toISOString() ?? null, historyFailed: 0, complete: false,
  };
  let position = historyTo;
  try {
    if (!appStoreServerApiConfig()) {
      report.status = 'not_configured';
      report.complete = true;
      return { report, historyTo };
    }
    const timeLeft = () => Date.now() < limits.deadline;

    const targets = await subscriptionsToRefresh({ staleHours: limits.staleHours });
    for (const target of targets) {
      if (report.refreshed + report.refreshFailed >= limits.maxRefresh || !timeLeft()) break;
      try {
        await refreshSubscription(target.id, target.environment);
        report.refreshed += 1;
      } catch (error) {
        if (isAppleUnavailable(error) || isDatabaseUnavailable(error)) throw error;
        // One subscription Apple does not know (404) or whose data is refused: the others go on.
        console.warn(`App Store subscription ${target.id} (${target.environment}) not refreshed:`, error instanceof Error ? error.message : error);
        report.refreshFailed += 1;
      }
    }
    report.refreshLeft = targets.length - report.refreshed - report.refreshFailed;

    const environments: AppleEnvironment[] = appleConfig().allowSandbox ? ['Production', 'Sandbox'] : ['Production'];
    let contiguous = true;
    let chunksLeft = false;
    for (const chunk of historyChunks(historyTo, startedAt, { days: limits.historyDays, overlapMs: limits.overlapMs, chunkMs: HISTORY_CHUNK_MS })) {
      if (!timeLeft()) {
        chunksLeft = true;
        break;
      }
      let chunkFailed = false;
      for (const environment of environments) {
        try {
          const summary = await replayNotificationHistory(chunk.start, chunk.end, environment);
          report.notifications += summary.notifications;
          for (const [result, n] of Object.entries(summary.outcomes)) report.outcomes[result as NotificationOutcome['result']] += n;
        } catch (error) {
          if (isAppleUnavailable(error) || isDatabaseUnavailable(error)) throw error;
          // A notification that can never be processed stops its chunk: the position stays before
          // it (the next runs replay it again, duplicates cost a query) until it leaves the window.
          console.warn(`App Store ${environment} history ${chunk.start.toISOString()}…${chunk.end.toISOString()} failed:`, error instanceof Error ? error.message : error);
          chunkFailed = true;
        }
      }
      if (chunkFailed) report.historyFailed += 1;
      contiguous &&= !chunkFailed;
      if (contiguous) position = chunk.end;
    }
    report.complete = !chunksLeft && report.historyFailed === 0 && report.refreshLeft === 0 && report.refreshFailed === 0;
    report.historyTo = position?.toISOString() ?? null;
    return { report, historyTo: position };
  } catch (error) {
    report.historyTo = position?.toISOString() ?? null;
    return { report, historyTo: position, error };
  }
}
