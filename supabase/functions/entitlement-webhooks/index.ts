// POST /functions/v1/entitlement-webhooks — delivers the outbound entitlement events. Called by the
// scheduler (Supabase Cron every minute, `npm run dev`'s scheduler and its database listener) with
// Authorization: Bearer <CRON_SECRET>; no Supabase JWT.
import { handleEntitlementWebhooks } from './handler.ts';

Deno.serve(handleEntitlementWebhooks);
