// POST /functions/v1/reconcile — the scheduled reconciliation (Supabase Cron, `npm run dev`'s
// scheduler, `npm run reconcile`); Authorization: Bearer <CRON_SECRET>, no Supabase JWT.
import { handleReconcile } from './handler.ts';

Deno.serve(handleReconcile);
