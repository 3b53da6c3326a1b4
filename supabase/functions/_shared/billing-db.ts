// The edge functions' only way to write billing data: thin, typed calls to the SQL functions in
// supabase/migrations/*_billing_apply_functions.sql, each in the caller's transaction.
import type { JSONValue, Sql, TransactionSql } from 'postgres';

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

/**
 * A time read from the database clock (`clock_timestamp()::text`), passed back as text so its
 * microseconds survive (a JS Date keeps milliseconds, and two reads a few microseconds apart must
 * stay ordered).
 */
export type DbTime = string & { readonly dbTime: unique symbol };

/** The database clock now: the start of a read whose result the database will order by it. */
export async function databaseNow(sql: Db): Promise<DbTime> {
  const [row] = await sql<{ now: DbTime }[]>`select clock_timestamp()::text as now`;
  return row.now;
}

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
  /** When the store said so (Apple's signedDate), or when the read of it started (Stripe, a DbTime). */
  stateAt: Date | DbTime | null;
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
   * The store's own signed time for this state (App Store signedDate); for Stripe, when the read
   * of this state started, by the database clock, as Postgres prints it (a DbTime, microseconds
   * kept); null: now, by the database clock (a placeholder written without a read).
   */
  eventAt: Date | DbTime | null;
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
  const [row] = await sql.unsafe<ApplyRow[]>(APPLY_FOR_USER, applyArguments(u, u.userId), { prepare: true });
  return outcomeOf(row);
}

/**
 * Applies a Stripe update in one statement, its owner resolved in the same statement: the
 * subscription's owner if it has one (kept after its customer is deleted), else the user the
 * customer is linked to. null when neither exists: nothing is written and the caller decides.
 */
export async function applyStripeUpdate(sql: Db, u: SubscriptionUpdate, customerId: string | null): Promise<ApplyOutcome | null> {
  const [row] = await sql.unsafe<ApplyRow[]>(APPLY_FOR_STRIPE_OWNER, applyArguments(u, u.storeSubscriptionId, customerId), { prepare: true });
  return row ? outcomeOf(row) : null;
}

type ApplyRow = { result: ApplyResult; subscription_id: string; user_id: string | null };

function outcomeOf(row: ApplyRow): ApplyOutcome {
  return { result: row.result, subscriptionId: Number(row.subscription_id), userId: row.user_id };
}

// billing.apply_subscription_update's arguments other than p_user_id, in one place: name and value.
//
// Why a fixed statement text and a flat list of values instead of nested sql`` fragments: the
// webhook runs this for nearly every event, and each fragment is one more postgres.js Query (a
// Promise) holding its arguments. Under 200 events/s (npm run bench:webhook -- --only ours
// --deno-flags "--v8-flags=--trace-gc-nvp") the function's young-generation collections promote
// several MB each; this statement's objects are a large share of it: one statement instead of
// three took it from ≈ 4.0 to ≈ 3.2 MB a collection (see docs/benchmarks.md, third session). The
// payload goes as the object: the statement is prepared, so postgres.js learns from Postgres that
// the parameter is jsonb and serializes it (a JSON text here would be stored as a JSON string).
const APPLY_ARGUMENTS = [
  'p_store', 'p_event_id', 'p_event_type', 'p_event_at', 'p_store_subscription_id', 'p_product_id', 'p_status',
  'p_expires_at', 'p_will_renew', 'p_grace_period_expires_at', 'p_is_sandbox', 'p_is_family_shared', 'p_payload',
  'p_snapshot_rank', 'p_current_period_id', 'p_current_period_ends_at', 'p_period_id', 'p_period_end',
  'p_period_is_trial', 'p_period_state', 'p_period_state_at',
] as const;

/** What postgres.js sends; the payload (JSON) is serialized as the jsonb Postgres says the parameter is. */
type ApplyValue = JSONValue;

/** The statement's values: `leading` (those its text numbers first), then the call's arguments in order. */
function applyArguments(u: SubscriptionUpdate, ...leading: ApplyValue[]): ApplyValue[] {
  const values: Record<(typeof APPLY_ARGUMENTS)[number], ApplyValue> = {
    p_store: u.store,
    p_event_id: u.eventId,
    p_event_type: u.eventType,
    p_event_at: u.eventAt,
    p_store_subscription_id: u.storeSubscriptionId,
    p_product_id: u.productId,
    p_status: u.status,
    p_expires_at: u.expiresAt,
    p_will_renew: u.willRenew,
    p_grace_period_expires_at: u.gracePeriodExpiresAt,
    p_is_sandbox: u.isSandbox,
    p_is_family_shared: u.isFamilyShared ?? false,
    p_payload: u.payload === undefined ? null : u.payload as JSONValue,
    p_snapshot_rank: u.snapshotRank ?? 1,
    p_current_period_id: u.currentPeriodId ?? null,
    p_current_period_ends_at: u.currentPeriodEndsAt ?? null,
    p_period_id: u.period?.id ?? null,
    p_period_end: u.period?.endsAt ?? null,
    p_period_is_trial: u.period?.isTrial ?? false,
    p_period_state: u.period?.state ?? null,
    p_period_state_at: u.period?.stateAt ?? null,
  };
  return [...leading, ...APPLY_ARGUMENTS.map((name) => values[name])];
}

/** The call, its arguments numbered from `$first`, p_user_id given as an SQL expression. */
function applyCallText(first: number, userId: string): string {
  const named = APPLY_ARGUMENTS.map((name, i) => `${name} => $${first + i}`);
  return `billing.apply_subscription_update(p_user_id => ${userId}, ${named.join(', ')})`;
}

const APPLY_FOR_USER = `select * from ${applyCallText(2, '$1::uuid')}`;

// The filter is on the owner subquery alone, so without an owner the function is never called.
const APPLY_FOR_STRIPE_OWNER = `
  select r.* from (select coalesce(
      (select s.user_id from billing.store_subscriptions s where s.store = 'stripe' and s.store_subscription_id = $1),
      (select c.user_id from billing.stripe_customers c where c.stripe_customer_id = $2)) as user_id) o
  cross join lateral ${applyCallText(3, 'o.user_id')} r
  where o.user_id is not null`;

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
