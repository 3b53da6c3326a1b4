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

/** Mirrors billing.period_state (same order: the tie-break rank, and the gravest wins a shared period). */
export const PERIOD_STATES = ['paid', 'charged_back', 'refunded', 'revoked'] as const;
export type PeriodState = (typeof PERIOD_STATES)[number];

/** A statement about one paid period: an App Store transaction, a Stripe invoice. */
export interface PeriodFact {
  /** App Store transactionId; Stripe invoice id. */
  id: string;
  endsAt: Date;
  isTrial?: boolean;
  state: PeriodState;
  /** When the store said so (Apple's signedDate); null: now, by the database clock, under the caller's lock. */
  stateAt: Date | null;
}

/**
 * One store event, normalized: the store's statement about one subscription as of `eventAt`
 * (a snapshot of the whole subscription, rank 1, or a placeholder made from a statement about one
 * period, rank 0), and optionally a fact about one period. See the period-facts migration.
 */
export interface SubscriptionUpdate {
  store: Store;
  eventId: string;
  eventType: string;
  /**
   * The store's own signed time for this state (App Store signedDate), or null: observed now, by
   * the database clock, by a caller that holds the subscription's lock and read the store after
   * taking it (Stripe).
   */
  eventAt: Date | null;
  /** 1 (default): the whole subscription; 0: only creates the row when none exists. */
  snapshotRank?: 0 | 1;
  /** The period the snapshot describes: App Store transactionId (Stripe: matched by its end). */
  currentPeriodId?: string | null;
  /** Its end; defaults to expiresAt. */
  currentPeriodEndsAt?: Date | null;
  period?: PeriodFact | null;
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
      p_payload => ${u.payload === undefined ? null : sql.json(u.payload as never)},
      p_snapshot_rank => ${u.snapshotRank ?? 1},
      p_current_period_id => ${u.currentPeriodId ?? null},
      p_current_period_ends_at => ${u.currentPeriodEndsAt ?? null},
      p_period_id => ${u.period?.id ?? null},
      p_period_end => ${u.period?.endsAt ?? null},
      p_period_is_trial => ${u.period?.isTrial ?? false},
      p_period_state => ${u.period?.state ?? null},
      p_period_state_at => ${u.period?.stateAt ?? null}
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
