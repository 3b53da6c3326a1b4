// One delivery run of the outbound entitlement webhooks: announce what time alone changed, then
// send every due delivery until none is left or the run's time is up.
//
// A few workers each claim one delivery at a time (the database decides which are due: in order
// per person and endpoint, never one another run holds), send it, and record the outcome. One slow
// or failing receiver therefore never holds up the others, and a person's next event becomes due
// as soon as the previous one is delivered, in the same run.
//
// Failures of a receiver are outcomes, recorded with the next attempt's time; only the database
// failing ends a run early (the caller answers 503). A delivery that was claimed but not recorded
// (the database went away, the process died) is sent again once its lease expires.
import type { Sql } from 'postgres';
import type { OutboundConfig } from './outbound-config.ts';
import { retryDelayMs } from './outbound-retry.ts';
import { sendWebhook, WebhookSigner } from './outbound-send.ts';
import {
  type ClaimedDelivery,
  claimDeliveries,
  type DeliveryOutcome,
  finishDelivery,
  sweepEntitlementChanges,
  syncOutboundEndpoints,
} from './outbound-store.ts';

export interface RunSummary {
  /** Events written because a period or grace period ended. */
  swept: number;
  endpoints: number;
  /** Requests sent in this run. */
  attempted: number;
  delivered: number;
  /** Failed and scheduled again. */
  retrying: number;
  /** Failed for the last allowed time. */
  dead: number;
  /** Outcomes not recorded because the delivery was taken over meanwhile (a lease that ran out). */
  superseded: number;
}

export interface RunOptions {
  /** No new delivery is claimed after this long; requests in flight still finish. */
  budgetMs?: number;
  /** Requests in flight at once. */
  concurrency?: number;
}

const DEFAULT_BUDGET_MS = 45_000;
const DEFAULT_CONCURRENCY = 8;
/** A lease outlasts the request timeout by this much: time to record the outcome. */
const LEASE_MARGIN_SECONDS = 30;

export async function runOutboundDelivery(sql: Sql, config: OutboundConfig, options: RunOptions = {}): Promise<RunSummary> {
  const summary: RunSummary = { swept: 0, endpoints: config.endpoints.length, attempted: 0, delivered: 0, retrying: 0, dead: 0, superseded: 0 };
  summary.swept = await sweepEntitlementChanges(sql, config.expiryDelayMs / 1000);
  await syncOutboundEndpoints(sql, config.endpoints);
  if (config.endpoints.length === 0 || !config.secret) return summary;

  const signer = new WebhookSigner(config.secret);
  const deadline = Date.now() + (options.budgetMs ?? DEFAULT_BUDGET_MS);
  const leaseSeconds = config.timeoutMs / 1000 + LEASE_MARGIN_SECONDS;

  const worker = async () => {
    while (Date.now() < deadline) {
      const [claim] = await claimDeliveries(sql, config.endpoints, 1, leaseSeconds);
      if (!claim) return;
      summary.attempted++;
      const outcome = await attempt(claim, signer, config);
      const recorded = await finishDelivery(sql, claim, outcome);
      if (!recorded) summary.superseded++;
      else if (outcome.kind === 'delivered') summary.delivered++;
      else if (outcome.kind === 'retry') summary.retrying++;
      else summary.dead++;
    }
  };
  // Every worker ends (none is left writing after the answer); the first database error is the run's.
  const results = await Promise.allSettled(Array.from({ length: options.concurrency ?? DEFAULT_CONCURRENCY }, worker));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return summary;
}

async function attempt(claim: ClaimedDelivery, signer: WebhookSigner, config: OutboundConfig): Promise<DeliveryOutcome> {
  const result = await sendWebhook(claim.endpoint, claim.eventId, JSON.stringify(claim.payload), signer, config.timeoutMs);
  if (result.ok) return { kind: 'delivered', httpStatus: result.status };
  const error = result.error ?? 'failed';
  if (claim.attempt >= config.maxAttempts) return { kind: 'dead', httpStatus: result.status, error };
  return { kind: 'retry', afterMs: retryDelayMs(claim.attempt, config.retry), httpStatus: result.status, error };
}
