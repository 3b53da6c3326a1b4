// Pure App Store domain logic: how a verified notification (or transaction) maps to our normalized
// subscription state. No I/O. Dates in Apple's payloads are epoch milliseconds.
import type {
  JWSRenewalInfoDecodedPayload,
  JWSTransactionDecodedPayload,
} from '@apple/app-store-server-library';
import type { PeriodState, SubscriptionStatus, SubscriptionUpdate } from './billing-db.ts';
import { UUID_PATTERN } from './event-validation.ts';

/**
 * How each notification type is handled. 'state': a statement about the whole subscription (its
 * latest transaction and renewal info); 'expired': the same, ended; 'period': a statement about the
 * one transaction it carries, which may be an earlier period than the current one (a refund of
 * January processed after February renewed); 'record': kept in the ledger only. Anything not listed
 * is recorded as unhandled.
 */
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
  REFUND: 'period', // the transaction was refunded
  REFUND_DECLINED: 'period', // still paid
  REFUND_REVERSED: 'period', // the revocation is gone: paid again
  REVOKE: 'period', // family sharing withdrawn
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
  forced?: 'expired';
}

/**
 * Normalized status and grace end of the subscription from Apple's transaction and renewal info
 * at a moment. A revocation is not part of it: it is a fact about that transaction's period
 * (periodStateOf), which the database combines with the snapshot.
 */
export function appStoreStatus(input: AppStoreStateInput): { status: SubscriptionStatus; gracePeriodExpiresAt: Date | null } {
  const { transaction: t, renewal: r, at, forced } = input;
  if (forced) return { status: forced, gracePeriodExpiresAt: null };
  const expires = t.expiresDate ?? 0;
  const now = at.getTime();
  // A failed renewal with a billing grace period keeps access until the grace ends, even when the
  // notification comes before the paid period is over.
  if (r?.isInBillingRetryPeriod && r.gracePeriodExpiresDate && r.gracePeriodExpiresDate > now) {
    return { status: 'in_grace_period', gracePeriodExpiresAt: new Date(r.gracePeriodExpiresDate) };
  }
  if (expires > now) return { status: isFreeTrial(t) ? 'trialing' : 'active', gracePeriodExpiresAt: null };
  if (r?.isInBillingRetryPeriod) return { status: 'past_due', gracePeriodExpiresAt: null };
  return { status: 'expired', gracePeriodExpiresAt: null };
}

function isFreeTrial(t: JWSTransactionDecodedPayload): boolean {
  return t.offerType === 1 && t.offerDiscountType === 'FREE_TRIAL';
}

/**
 * What a transaction says about its own period as of its signing: revoked by family sharing,
 * refunded (fully or prorated: Apple revokes the transaction either way), or paid. A REFUND or
 * REVOKE notification states it outright.
 */
export function periodStateOf(transaction: JWSTransactionDecodedPayload, notificationType?: string): PeriodState {
  if (notificationType === 'REVOKE') return 'revoked';
  if (notificationType === 'REFUND') return 'refunded';
  if (notificationType === 'REFUND_REVERSED' || notificationType === 'REFUND_DECLINED') return 'paid';
  if (transaction.revocationDate) return transaction.revocationType === 'FAMILY_REVOKE' ? 'revoked' : 'refunded';
  return 'paid';
}

export interface AppStoreUpdateContext {
  eventId: string;
  eventType: string;
  /** Apple's signedDate of the statement: the ordering time of the snapshot and of the period fact. */
  at: Date;
  userId: string | null;
  forced?: AppStoreStateInput['forced'];
  /** 1: a statement about the whole subscription; 0: about this transaction only (refunds, the app's transactions). */
  snapshotRank: 0 | 1;
  /** The notification type, when the transaction came in one (REFUND, REVOKE… state the period's fate). */
  notificationType?: string;
  /** Used when the renewal info is not known (a transaction alone, from the app). */
  fallbackWillRenew: boolean;
  payload: unknown;
}

/** The update for one verified transaction: a snapshot (or placeholder) and the fact about its period. */
export function subscriptionUpdateFromAppStore(
  transaction: JWSTransactionDecodedPayload,
  renewal: JWSRenewalInfoDecodedPayload | undefined,
  ctx: AppStoreUpdateContext,
): SubscriptionUpdate {
  if (!transaction.originalTransactionId || !transaction.productId || !transaction.transactionId) {
    throw new Error('transaction without originalTransactionId, transactionId or productId');
  }
  const { status, gracePeriodExpiresAt } = appStoreStatus({ transaction, renewal, at: ctx.at, forced: ctx.forced });
  const expiresAt = transaction.expiresDate ? new Date(transaction.expiresDate) : null;
  return {
    store: 'app_store',
    eventId: ctx.eventId,
    eventType: ctx.eventType,
    eventAt: ctx.at,
    snapshotRank: ctx.snapshotRank,
    storeSubscriptionId: transaction.originalTransactionId,
    userId: ctx.userId,
    productId: transaction.productId,
    status,
    expiresAt,
    willRenew: renewal ? renewal.autoRenewStatus === 1 : status === 'expired' ? false : ctx.fallbackWillRenew,
    gracePeriodExpiresAt,
    isSandbox: transaction.environment !== 'Production',
    isFamilyShared: transaction.inAppOwnershipType === 'FAMILY_SHARED',
    currentPeriodId: transaction.transactionId,
    currentPeriodEndsAt: expiresAt,
    period: expiresAt
      ? { id: transaction.transactionId, endsAt: expiresAt, isTrial: isFreeTrial(transaction), state: periodStateOf(transaction, ctx.notificationType), stateAt: ctx.at }
      : null,
    payload: ctx.payload,
  };
}


/** The purchaser's Supabase user id, when the app set it as the purchase's appAccountToken. */
export function accountTokenOf(transaction: JWSTransactionDecodedPayload): string | null {
  const token = transaction.appAccountToken;
  return token && UUID_PATTERN.test(token) ? token.toLowerCase() : null;
}

/**
 * Whether the in-app sync may move a purchase from its current owner to the caller. Only under the
 * `transfer_to_caller` policy, and never away from the account its appAccountToken names: that is
 * the account that bought it (the caller may be someone signed in on the buyer's phone).
 */
export function mayTransferToCaller(policy: string, tokenUserId: string | null, currentOwnerId: string | null): boolean {
  if (policy !== 'transfer_to_caller') return false;
  return !(tokenUserId !== null && tokenUserId === currentOwnerId);
}

export function eventTypeOf(notificationType: string, subtype?: string): string {
  return subtype ? `${notificationType}.${subtype}` : notificationType;
}
