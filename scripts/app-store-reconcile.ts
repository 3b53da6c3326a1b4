// Reconciles App Store subscriptions with Apple (needs App Store Server API credentials):
//
//   npx tsx scripts/app-store-reconcile.ts --user <supabase user id>   # refresh one user's subscriptions
//   npx tsx scripts/app-store-reconcile.ts --stale-hours 24            # refresh every one not updated for 24 h
//   npx tsx scripts/app-store-reconcile.ts --history-days 7            # replay the last 7 days of notifications
//
// Env: SUPABASE_DB_URL, APPLE_* (as for the functions), APP_STORE_SERVER_API_KEY_ID,
// APP_STORE_SERVER_API_ISSUER_ID, APP_STORE_SERVER_API_PRIVATE_KEY (the .p8 contents).
// Safe to run at any time, e.g. from a daily cron: every change goes through the same idempotent,
// order-safe apply path as the notifications.
import { appleConfig, type AppleEnvironment } from '../supabase/functions/_shared/config.ts';
import { db } from '../supabase/functions/_shared/db.ts';
import { refreshSubscription, replayNotificationHistory, subscriptionsToRefresh } from '../supabase/functions/_shared/app-store-reconcile.ts';
import { stringArg } from './lib/args.ts';

async function main(): Promise<number> {
  const userId = stringArg('user');
  const staleHours = stringArg('stale-hours');
  const historyDays = stringArg('history-days');
  if (!userId && !staleHours && !historyDays) {
    console.error('Usage: app-store-reconcile.ts --user <id> | --stale-hours <n> | --history-days <n>');
    return 2;
  }
  let failures = 0;
  if (userId || staleHours) {
    const targets = await subscriptionsToRefresh({ userId, staleHours: staleHours ? Number(staleHours) : undefined });
    console.log(`Refreshing ${targets.length} App Store subscription(s) from getAllSubscriptionStatuses`);
    for (const target of targets) {
      try {
        const { results } = await refreshSubscription(target.id, target.environment);
        console.log(`  ${target.id} (${target.environment}): ${results.join(', ') || 'no transactions'}`);
      } catch (error) {
        failures += 1;
        console.error(`  ${target.id} (${target.environment}): FAILED ${error instanceof Error ? error.message : error}`);
      }
    }
  }
  if (historyDays) {
    const end = new Date();
    const start = new Date(end.getTime() - Number(historyDays) * 86_400_000);
    const config = appleConfig();
    const environments: AppleEnvironment[] = config.allowSandbox ? ['Production', 'Sandbox'] : ['Production'];
    for (const environment of environments) {
      try {
        const summary = await replayNotificationHistory(start, end, environment);
        console.log(`Replayed ${summary.notifications} ${environment} notification(s): ${JSON.stringify(summary.outcomes)}`);
      } catch (error) {
        failures += 1;
        console.error(`${environment} notification history: FAILED ${error instanceof Error ? error.message : error}`);
      }
    }
  }
  return failures ? 1 : 0;
}

main().then(
  async (code) => {
    await db().end();
    process.exit(code);
  },
  async (error) => {
    console.error(error instanceof Error ? error.message : error);
    await db().end().catch(() => {});
    process.exit(1);
  },
);
