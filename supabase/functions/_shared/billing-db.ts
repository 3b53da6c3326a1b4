// The edge functions' only way to write billing data: thin, typed calls to the SQL functions in
// supabase/migrations/*_billing_apply_functions.sql, each in the caller's transaction.
import type { Sql, TransactionSql } from 'postgres';

/** Mirrors the billing.store enum. */
export const STORES = ['stripe', 'app_store'] as const;
export type Store = (typeof STORES)[number];

/** Mirrors billing.subscription_status (same order: the tie-break rank for equal event times). */
export const SUBSCRIPTION_STATUSES = [
  'incomplete',
  'trialing',
  'active',
  'in_grace_period',
  'past_due',
  'paused',
  'expired',
  'refunded',
  'revoked',
] as const;
export type SubscriptionStatus = (typeof SUBSCRIPTION_STATUSES)[number];

/** One store event, normalized: the full state of one subscription as of `eventAt`. */
export interface SubscriptionUpdate {
  store: Store;
  eventId: string;
  eventType: string;
  /** The store's own time for this state (Stripe event created / App Store signedDate). */
  eventAt: Date;
  storeSubscriptionId: string;
  userId: string | null;
  productId: string;
  status: SubscriptionStatus;
  expiresAt: Date | null;
  willRenew: boolean;
  gracePeriodExpiresAt: Date | null;
  isSandbox: boolean;
  isFamilyShared?: boolean;
  payload?: unknown;
}

export type ApplyResult = 'applied' | 'stale' | 'duplicate';

export interface ApplyOutcome {
  result: ApplyResult;
  subscriptionId: number;
  userId: string | null;
}

type Db = Sql | TransactionSql;

export async function applySubscriptionUpdate(sql: Db, u: SubscriptionUpdate): Promise<ApplyOutcome> {
  const [row] = await sql<{ result: ApplyResult; subscription_id: string; user_id: string | null }[]>`
    select * from billing.apply_subscription_update(
      p_store => ${u.store},
      p_event_id => ${u.eventId},
      p_event_type => ${u.eventType},
      p_event_at => ${u.eventAt},
      p_store_subscription_id => ${u.storeSubscriptionId},
      p_user_id => ${u.userId},
      p_product_id => ${u.productId},
      p_status => ${u.status},
      p_expires_at => ${u.expiresAt},
      p_will_renew => ${u.willRenew},
      p_grace_period_expires_at => ${u.gracePeriodExpiresAt},
      p_is_sandbox => ${u.isSandbox},
      p_is_family_shared => ${u.isFamilyShared ?? false},
      p_payload => ${u.payload === undefined ? null : sql.json(u.payload as never)}
    )`;
  return { result: row.result, subscriptionId: Number(row.subscription_id), userId: row.user_id };
}

export interface StoreEventRecord {
  store: Store;
  eventId: string;
  eventType: string;
  eventAt: Date | null;
  result: 'applied' | 'ignored' | 'failed';
  error?: string;
}

/** Records an event that changes no subscription. Returns 'duplicate' when it was already processed. */
export async function recordStoreEvent(sql: Db, e: StoreEventRecord): Promise<'recorded' | 'duplicate'> {
  const [row] = await sql<{ outcome: 'recorded' | 'duplicate' }[]>`
    select billing.record_store_event(${e.store}, ${e.eventId}, ${e.eventType}, ${e.eventAt}, ${e.result}, ${e.error ?? null}) as outcome`;
  return row.outcome;
}
