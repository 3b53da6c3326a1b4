// Reconciliation with the App Store Server API (optional credentials): refresh subscriptions from
// getAllSubscriptionStatuses, and replay missed notifications from the Notification History API —
// Apple retries failed deliveries only in production, and never in the sandbox.
import {
  AppStoreServerAPIClient,
  Environment,
  type NotificationHistoryResponse,
} from '@apple/app-store-server-library';
import { applySubscriptionUpdate, type ApplyResult } from './billing-db.ts';
import { appStoreServerApiConfig, appleConfig, ConfigError, type AppleEnvironment } from './config.ts';
import { db } from './db.ts';
import { verifyRenewalInfo, verifyTransaction } from './app-store-verify.ts';
import { accountTokenOf, subscriptionUpdateFromAppStore } from './app-store-mapping.ts';
import { processAppStoreNotification, type NotificationOutcome } from './app-store-notifications.ts';

/** Apple's Status value for an expired subscription in getAllSubscriptionStatuses (5, revoked, is in the transaction). */
const STATUS_EXPIRED = 2;

class LocalAppStoreServerAPIClient extends AppStoreServerAPIClient {
  constructor(private readonly baseUrl: string, ...args: ConstructorParameters<typeof AppStoreServerAPIClient>) {
    super(...args);
  }
  // Tests point the client at a local fake of Apple's API (the hook Apple's own tests use). Apple
  // serves the environments on two hosts; the fake serves Sandbox under /sandbox.
  protected override async makeFetchRequest(path: string, query: URLSearchParams, method: string, body: unknown, headers: Record<string, string>) {
    return (await fetch(`${this.baseUrl}${path}?${query}`, { method, body: body as string | undefined, headers })) as never;
  }
}

const clients = new Map<AppleEnvironment, AppStoreServerAPIClient>();

export function appStoreApiClient(environment: AppleEnvironment): AppStoreServerAPIClient {
  const credentials = appStoreServerApiConfig();
  if (!credentials) {
    throw new ConfigError('Reconciliation needs APP_STORE_SERVER_API_KEY_ID, APP_STORE_SERVER_API_ISSUER_ID and APP_STORE_SERVER_API_PRIVATE_KEY');
  }
  let client = clients.get(environment);
  if (!client) {
    const args = [credentials.privateKey, credentials.keyId, credentials.issuerId, appleConfig().bundleId,
      environment === 'Production' ? Environment.PRODUCTION : Environment.SANDBOX] as const;
    client = credentials.baseUrl
      ? new LocalAppStoreServerAPIClient(`${credentials.baseUrl}${environment === 'Sandbox' ? '/sandbox' : ''}`, ...args)
      : new AppStoreServerAPIClient(...args);
    clients.set(environment, client);
  }
  return client;
}

export interface RefreshOutcome {
  originalTransactionId: string;
  results: ApplyResult[];
}

/** Re-reads one subscription's current state from Apple and applies it (idempotent, order-safe). */
export async function refreshSubscription(originalTransactionId: string, environment: AppleEnvironment): Promise<RefreshOutcome> {
  const response = await appStoreApiClient(environment).getAllSubscriptionStatuses(originalTransactionId);
  const results: ApplyResult[] = [];
  for (const group of response.data ?? []) {
    for (const item of group.lastTransactions ?? []) {
      if (!item.signedTransactionInfo) continue;
      const { transaction, environment: verifiedIn } = await verifyTransaction(item.signedTransactionInfo);
      if (!appleConfig().productIds.includes(transaction.productId ?? '')) continue;
      const renewal = item.signedRenewalInfo ? await verifyRenewalInfo(item.signedRenewalInfo, verifiedIn) : undefined;
      const at = new Date(Math.max(transaction.signedDate ?? 0, renewal?.signedDate ?? 0));
      // A revoked status shows in the transaction's revocationDate: a fact about its period.
      const forced = item.status === STATUS_EXPIRED ? 'expired' as const : undefined;
      const update = subscriptionUpdateFromAppStore(transaction, renewal, {
        eventId: `status:${transaction.originalTransactionId}:${at.getTime()}`,
        eventType: 'reconcile.subscription_status',
        at,
        userId: accountTokenOf(transaction),
        forced,
        snapshotRank: 1,
        fallbackWillRenew: true,
        payload: { status: item.status, transaction, renewal, source: 'getAllSubscriptionStatuses' },
      });
      results.push((await db().begin((tx) => applySubscriptionUpdate(tx, update))).result);
    }
  }
  return { originalTransactionId, results };
}

export interface ReplaySummary {
  environment: AppleEnvironment;
  notifications: number;
  outcomes: Record<NotificationOutcome['result'], number>;
}

/** Replays every notification Apple sent in [start, end] through the same processing as the endpoint. */
export async function replayNotificationHistory(start: Date, end: Date, environment: AppleEnvironment): Promise<ReplaySummary> {
  const client = appStoreApiClient(environment);
  const summary: ReplaySummary = { environment, notifications: 0, outcomes: { applied: 0, stale: 0, duplicate: 0, ignored: 0 } };
  let token: string | null = null;
  do {
    const page: NotificationHistoryResponse = await client.getNotificationHistory(token, { startDate: start.getTime(), endDate: end.getTime() });
    for (const item of page.notificationHistory ?? []) {
      if (!item.signedPayload) continue;
      summary.notifications += 1;
      summary.outcomes[(await processAppStoreNotification(item.signedPayload)).result] += 1;
    }
    token = page.hasMore ? page.paginationToken ?? null : null;
  } while (token);
  return summary;
}

/** App Store subscriptions of one user, or every one not refreshed for `staleHours` that may still matter. */
export async function subscriptionsToRefresh(filter: { userId?: string; staleHours?: number }): Promise<{ id: string; environment: AppleEnvironment }[]> {
  const rows = await db()<{ id: string; is_sandbox: boolean }[]>`
    select store_subscription_id as id, is_sandbox from billing.store_subscriptions
    where store = 'app_store'
      and (${filter.userId ?? null}::uuid is null or user_id = ${filter.userId ?? null}::uuid)
      and (${filter.staleHours ?? null}::int is null or (
        -- Refunded and revoked rows too: a renewal we missed may have made them paid again.
        updated_at < now() - make_interval(hours => ${filter.staleHours ?? 0}::int)
        and coalesce(grace_period_expires_at, expires_at, now()) > now() - interval '60 days'))
    order by updated_at`;
  return rows.map((r) => ({ id: r.id, environment: r.is_sandbox ? 'Sandbox' : 'Production' }));
}
