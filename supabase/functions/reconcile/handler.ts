// The scheduled reconciliation: catches up Stripe (its event list, and failed ledger events) and
// the App Store (stale subscriptions, notification history) through the same apply path as the
// webhooks. See docs/reconciliation.md.
//
// Body (optional JSON object): { "budgetSeconds": n, "maxEvents": n } to run with lower limits
// than the environment's (RECONCILE_BUDGET_SECONDS, RECONCILE_MAX_EVENTS).
//
// Answers: 200 { outcome: succeeded | partial | skipped, runId, stripe: {…counts}, appStore: {…} }
// · 401 without the cron secret · 400 bad body · 405 not POST (nothing written for any of these)
// · 503 Stripe, Apple or the database unavailable (the run is on record as failed; what it applied
// is applied, the next run continues) · 500 otherwise.
import { requireCronSecret } from '../_shared/cron-auth.ts';
import { ApiError, json, readJsonObject, respond } from '../_shared/http.ts';
import { LIMIT_BOUNDS, reconcileLimits, type ReconcileLimits, runReconciliation } from '../_shared/reconcile.ts';

const MAX_BODY_BYTES = 16 * 1024;
/** What a caller may lower for one run. */
const OVERRIDABLE = ['budgetSeconds', 'maxEvents'] as const satisfies readonly (keyof ReconcileLimits)[];

export function handleReconcile(req: Request): Promise<Response> {
  return respond(async () => {
    if (req.method !== 'POST') throw new ApiError(405, 'method_not_allowed', 'The reconciliation is started with a POST');
    await requireCronSecret(req);
    const limits = withOverrides(reconcileLimits(), await readJsonObject(req, MAX_BODY_BYTES));
    const report = await runReconciliation(limits);
    if (report.failure) {
      throw new ApiError(report.failure.status, report.failure.code, report.failure.message, { run: report });
    }
    return json(200, report);
  });
}

function withOverrides(limits: ReconcileLimits, body: Record<string, unknown>): ReconcileLimits {
  const result = { ...limits };
  for (const [key, value] of Object.entries(body)) {
    // pg_cron's job sends when it was scheduled and by whom: informative only.
    if (key === 'scheduler' || key === 'scheduled_at') continue;
    if (!(OVERRIDABLE as readonly string[]).includes(key)) {
      throw new ApiError(400, 'invalid_request', `Unknown field "${key}"; a run accepts ${OVERRIDABLE.join(', ')}`);
    }
    const name = key as (typeof OVERRIDABLE)[number];
    const [min] = LIMIT_BOUNDS[name];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > limits[name]) {
      throw new ApiError(400, 'invalid_request', `${name} must be an integer from ${min} to ${limits[name]} (this deployment's limit)`);
    }
    result[name] = value;
  }
  return result;
}
