// Pure App Store domain logic: how a verified notification (or transaction) maps to our normalized
// subscription state. No I/O. Dates in Apple's payloads are epoch milliseconds.
import type {
  JWSRenewalInfoDecodedPayload,
  JWSTransactionDecodedPayload,
} from '@apple/app-store-server-library';
import type { SubscriptionStatus, SubscriptionUpdate } from './billing-db.ts';

/** How each subscription notification type/subtype is handled. Anything not listed is recorded as unhandled. */
export const APP_STORE_NOTIFICATION_RULES = {
  SUBSCRIBED: 'state', // INITIAL_BUY, RESUBSCRIBE
  DID_RENEW: 'state', // incl. BILLING_RECOVERY
  DID_FAIL_TO_RENEW: 'state', // GRACE_PERIOD → grace; no subtype → billing retry
  GRACE_PERIOD_EXPIRED: 'state',
  EXPIRED: 'expired', // VOLUNTARY, BILLING_RETRY, PRICE_INCREASE, PRODUCT_NOT_FOR_SALE
  DID_CHANGE_RENEWAL_STATUS: 'state', // AUTO_RENEW_ENABLED / AUTO_RENEW_DISABLED
  DID_CHANGE_RENEWAL_PREF: 'state', // UPGRADE / DOWNGRADE
  OFFER_REDEEMED: 'state',
  PRICE_INCREASE: 'state', // PENDING / ACCEPTED: no change of entitlement
  REFUND: 'refunded',
  REFUND_DECLINED: 'state',
  REFUND_REVERSED: 'state', // the revocation is gone from the transaction: access comes back
  REVOKE: 'revoked', // family sharing withdrawn
  RENEWAL_EXTENDED: 'state',
  RENEWAL_EXTENSION: 'record', // SUMMARY / FAILURE of a mass extension: per-subscription RENEWAL_EXTENDED follow
  TEST: 'record',
} as const;

export type NotificationRule = (typeof APP_STORE_NOTIFICATION_RULES)[keyof typeof APP_STORE_NOTIFICATION_RULES] | 'unhandled';

export function notificationRule(notificationType: string | undefined): NotificationRule {
  return (notificationType && (APP_STORE_NOTIFICATION_RULES as Record<string, NotificationRule>)[notificationType]) || 'unhandled';
}

export interface AppStoreStateInput {
  transaction: JWSTransactionDecodedPayload;
  renewal?: JWSRenewalInfoDecodedPayload;
  /** The moment this state describes: the notification's (or transaction's) signedDate. */
  at: Date;
  /** Set by notifications that state the outcome outright. */
  forced?: 'expired' | 'refunded' | 'revoked';
}

/** Normalized status and grace end from Apple's transaction and renewal info at a moment. */
export function appStoreStatus(input: AppStoreStateInput): { status: SubscriptionStatus; gracePeriodExpiresAt: Date | null } {
  const { transaction: t, renewal: r, at, forced } = input;
  if (forced) return { status: forced, gracePeriodExpiresAt: null };
  if (t.revocationDate) {
    return { status: t.revocationType === 'FAMILY_REVOKE' ? 'revoked' : 'refunded', gracePeriodExpiresAt: null };
  }
  const expires = t.expiresDate ?? 0;
  const now = at.getTime();
  // A failed renewal with a billing grace period keeps access until the grace ends, even when the
  // notification comes before the paid period is over.
  if (r?.isInBillingRetryPeriod && r.gracePeriodExpiresDate && r.gracePeriodExpiresDate > now) {
    return { status: 'in_grace_period', gracePeriodExpiresAt: new Date(r.gracePeriodExpiresDate) };
  }
  if (expires > now) {
    const freeTrial = t.offerType === 1 && t.offerDiscountType === 'FREE_TRIAL';
    return { status: freeTrial ? 'trialing' : 'active', gracePeriodExpiresAt: null };
  }
  if (r?.isInBillingRetryPeriod) return { status: 'past_due', gracePeriodExpiresAt: null };
  return { status: 'expired', gracePeriodExpiresAt: null };
}

export interface AppStoreUpdateContext {
  eventId: string;
  eventType: string;
  at: Date;
  userId: string | null;
  forced?: AppStoreStateInput['forced'];
  /** Used when the renewal info is not known (a transaction alone, from the app). */
  fallbackWillRenew: boolean;
  payload: unknown;
}

export function subscriptionUpdateFromAppStore(
  transaction: JWSTransactionDecodedPayload,
  renewal: JWSRenewalInfoDecodedPayload | undefined,
  ctx: AppStoreUpdateContext,
): SubscriptionUpdate {
  if (!transaction.originalTransactionId || !transaction.productId) {
    throw new Error('transaction without originalTransactionId or productId');
  }
  const { status, gracePeriodExpiresAt } = appStoreStatus({ transaction, renewal, at: ctx.at, forced: ctx.forced });
  const ended = status === 'expired' || status === 'refunded' || status === 'revoked';
  return {
    store: 'app_store',
    eventId: ctx.eventId,
    eventType: ctx.eventType,
    eventAt: ctx.at,
    storeSubscriptionId: transaction.originalTransactionId,
    userId: ctx.userId,
    productId: transaction.productId,
    status,
    expiresAt: transaction.expiresDate ? new Date(transaction.expiresDate) : null,
    willRenew: renewal ? renewal.autoRenewStatus === 1 && status !== 'revoked' : ended ? false : ctx.fallbackWillRenew,
    gracePeriodExpiresAt,
    isSandbox: transaction.environment !== 'Production',
    isFamilyShared: transaction.inAppOwnershipType === 'FAMILY_SHARED',
    payload: ctx.payload,
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The purchaser's Supabase user id, when the app set it as the purchase's appAccountToken. */
export function accountTokenOf(transaction: JWSTransactionDecodedPayload): string | null {
  const token = transaction.appAccountToken;
  return token && UUID.test(token) ? token.toLowerCase() : null;
}

export function eventTypeOf(notificationType: string, subtype?: string): string {
  return subtype ? `${notificationType}.${subtype}` : notificationType;
}

/**
 * A transaction alone (from the app, without renewal info) cannot tell grace periods or billing
 * retry from an ended subscription. It may only bring news: a first sighting, a revocation (or
 * its reversal), or a paid period at least as long as the one we know.
 */
export function transactionOnlyMayApply(
  existing: { expires_at: Date | null } | undefined,
  update: Pick<SubscriptionUpdate, 'status' | 'expiresAt'>,
  transaction: Pick<JWSTransactionDecodedPayload, 'revocationDate'>,
): boolean {
  if (!existing || transaction.revocationDate) return true;
  const entitled = update.status === 'active' || update.status === 'trialing';
  return entitled && (update.expiresAt?.getTime() ?? 0) >= (existing.expires_at?.getTime() ?? 0);
}
