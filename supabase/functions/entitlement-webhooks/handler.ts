// Delivers the outbound entitlement events (docs/outbound-webhooks.md): announces the changes time
// alone made, then sends every due delivery, signed per Standard Webhooks, and answers with counts.
//
// Answers: 200 { swept, endpoints, attempted, delivered, retrying, dead, superseded } — receivers
// that fail are counted, not errors · 401 without the scheduler's secret (nothing read or written)
// · 405 not POST · 500 config_error naming the variable · 503 the database is unavailable (what
// was claimed but not recorded is sent again after its lease; the next run carries on).
import { requireCronSecret } from '../_shared/cron-auth.ts';
import { db } from '../_shared/db.ts';
import { ApiError, json, respond } from '../_shared/http.ts';
import { outboundConfig } from '../_shared/outbound-config.ts';
import { runOutboundDelivery } from '../_shared/outbound-run.ts';

export function handleEntitlementWebhooks(req: Request): Promise<Response> {
  return respond(async () => {
    if (req.method !== 'POST') throw new ApiError(405, 'method_not_allowed', 'Use POST');
    await requireCronSecret(req);
    const summary = await runOutboundDelivery(db(), outboundConfig());
    return json(200, summary);
  });
}
