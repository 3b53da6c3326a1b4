// Processes one App Store Server Notification V2 (from Apple's POST, or replayed from the
// Notification History API): verify, record in the ledger by notificationUUID, map, apply.
import { applySubscriptionUpdate, recordStoreEvent } from './billing-db.ts';
import { appleConfig } from './config.ts';
import { db } from './db.ts';
import { isDatabaseUnavailable } from './dependency-errors.ts';
import { ApiError } from './http.ts';
import { requireEventType, requireId, requireTime, requireTransaction, UUID_PATTERN } from './event-validation.ts';
import { verifyNotification, type VerifiedNotification } from './app-store-verify.ts';
import { accountTokenOf, eventTypeOf, notificationRule, subscriptionUpdateFromAppStore } from './app-store-mapping.ts';

export interface NotificationOutcome {
  result: 'applied' | 'stale' | 'duplicate' | 'ignored';
  notificationUUID: string;
  reason?: string;
  environment?: string;
}

export async function processAppStoreNotification(signedPayload: unknown): Promise<NotificationOutcome> {
  if (typeof signedPayload !== 'string' || signedPayload.length === 0) {
    throw new ApiError(400, 'invalid_request', 'Expected {"signedPayload": "<JWS>"}');
  }
  const verified = await verifyNotification(signedPayload);
  const n = verified.notification;
  const uuid = requireId(n.notificationUUID, 'notificationUUID', UUID_PATTERN);
  // Checked whole, as the ledger stores it: `TYPE` or `TYPE.SUBTYPE`.
  const eventType = requireEventType(eventTypeOf(requireEventType(n.notificationType, 'notificationType'), n.subtype));
  const at = requireTime(n.signedDate, 'signedDate');
  const key: LedgerKey = { store: 'app_store', eventId: uuid, eventType, eventAt: at };
  const base = { notificationUUID: uuid, environment: verified.environment };

  try {
    return await applyVerified(verified, key, base);
  } catch (error) {
    if (!(error instanceof ApiError) && !isDatabaseUnavailable(error)) {
      // Audit trail for a failed attempt, in its own transaction; Apple's retry will process it.
      console.error(`App Store notification ${uuid} (${eventType}) failed:`, error);
      await recordStoreEvent(db(), { ...key, result: 'failed', error: error instanceof Error ? error.message : String(error) })
        .catch((recordError) => console.error('Could not record the failure', recordError));
    }
    throw error;
  }
}

type LedgerKey = { store: 'app_store'; eventId: string; eventType: string; eventAt: Date };

async function applyVerified(
  verified: VerifiedNotification,
  key: LedgerKey,
  base: { notificationUUID: string; environment: string },
): Promise<NotificationOutcome> {
  const n = verified.notification;
  const { eventId: uuid, eventType, eventAt: at } = key;
  const ignore = async (reason: string): Promise<NotificationOutcome> => {
    const recorded = await recordStoreEvent(db(), { ...key, result: 'ignored', error: reason });
    return recorded === 'duplicate' ? { ...base, result: 'duplicate' } : { ...base, result: 'ignored', reason };
  };

  const [seen] = await db()`
    select 1 from billing.store_events where store = 'app_store' and store_event_id = ${uuid} and result <> 'failed'`;
  if (seen) return { ...base, result: 'duplicate' };

  const rule = notificationRule(n.notificationType);
  if (rule === 'record') return ignore(`${eventType} notification recorded`);
  if (rule === 'unhandled') return ignore(`${eventType} is not a subscription state change we handle`);
  const { transaction, renewal } = await verified.contents();
  if (!transaction?.originalTransactionId) return ignore('the notification carries no transaction');
  requireTransaction(transaction);
  if (!appleConfig().productIds.includes(transaction.productId ?? '')) return ignore(`product ${transaction.productId} is not sold by this backend`);

  const update = subscriptionUpdateFromAppStore(transaction, renewal, {
    eventId: uuid,
    eventType,
    at,
    userId: accountTokenOf(transaction),
    forced: rule === 'expired' ? 'expired' : undefined,
    // A refund or revocation is about the transaction it carries, perhaps an earlier period.
    snapshotRank: rule === 'period' ? 0 : 1,
    notificationType: n.notificationType,
    fallbackWillRenew: true,
    payload: { notification: { ...n, data: { ...n.data, signedTransactionInfo: undefined, signedRenewalInfo: undefined } }, transaction, renewal },
  });
  const { result } = await applySubscriptionUpdate(db(), update);
  return { ...base, result };
}
