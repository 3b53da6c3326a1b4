// The `entitlements` claim that Supabase Auth adds to every access token through our custom access
// token hook (supabase/migrations/20261129120100_access_token_hook.sql): the person's row of
// public.subscriptions as it read when the token was issued. Pure: give it the payload of a token
// whose signature, issuer, audience and expiry were already verified (_shared/auth.ts does, and so
// does the example in docs/entitlement-claims.md), and a clock.
//
// What it can and cannot say: the claim is at most one token lifetime old (`jwt_expiry` in
// supabase/config.toml, 1 hour). isPremium applies the clock to the period the claim names, so a
// token never grants access past the end of the period it was issued in; but a refund, a
// revocation or a purchase made after issue is unknown to it until the client refreshes its
// session (the apps do so when their row changes). Decisions that must be current — right after a
// purchase, before refunding, before granting anything irreversible — read public.subscriptions.
import { STORES, SUBSCRIPTION_STATUSES, type Store, type SubscriptionStatus } from './billing-db.ts';

export const ENTITLEMENTS_CLAIM = 'entitlements';

/** The claim as the hook writes it (times in Unix seconds, like `exp`); fields absent when null. */
export interface EntitlementClaim {
  /** Entitled when the token was issued (billing.is_entitled, as public.subscriptions.is_active). */
  active: boolean;
  status?: SubscriptionStatus;
  store?: Store;
  product_id?: string;
  /** End of the current paid period (current_period_ends_at). */
  expires_at?: number;
  /** End of the billing grace period; present only while in_grace_period. */
  grace_period_ends_at?: number;
  will_renew?: boolean;
}

const isSeconds = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);
const optional = (v: unknown, ok: (v: unknown) => boolean) => v === undefined || ok(v);

/**
 * The claim of a verified token payload; null when the token does not say: no claim (the hook is
 * not enabled, or it could not read the row and left the claim out) or not in the hook's shape.
 * Null is "unknown", not "not subscribed": read public.subscriptions when it matters.
 */
export function entitlementClaim(payload: Record<string, unknown>): EntitlementClaim | null {
  const raw = payload[ENTITLEMENTS_CLAIM];
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return null;
  const c = raw as Record<string, unknown>;
  const valid = typeof c.active === 'boolean'
    && optional(c.status, (v) => (SUBSCRIPTION_STATUSES as readonly unknown[]).includes(v))
    && optional(c.store, (v) => (STORES as readonly unknown[]).includes(v))
    && optional(c.product_id, (v) => typeof v === 'string' && v.length > 0 && v.length <= 255)
    && optional(c.expires_at, isSeconds)
    && optional(c.grace_period_ends_at, isSeconds)
    && optional(c.will_renew, (v) => typeof v === 'boolean');
  if (!valid) return null;
  const claim: EntitlementClaim = { active: c.active as boolean };
  for (const key of ['status', 'store', 'product_id', 'expires_at', 'grace_period_ends_at', 'will_renew'] as const) {
    if (c[key] !== undefined) (claim as unknown as Record<string, unknown>)[key] = c[key];
  }
  // An active claim must name the instant its access ends, or it could never end.
  if (claim.active && accessEndsAt(claim) === null) return null;
  return claim;
}

/**
 * Until when the claim grants access, or null when it grants none. The status rule itself was
 * applied by the database when the token was issued (`active`); this only picks the deadline that
 * rule used: the grace period's end while in grace, the paid period's end otherwise.
 */
export function accessEndsAt(claim: EntitlementClaim | null): Date | null {
  if (!claim?.active) return null;
  const end = claim.status === 'in_grace_period' ? claim.grace_period_ends_at : claim.expires_at;
  return end === undefined ? null : new Date(end * 1000);
}

/** Premium at `now`: active when issued, and its period (or grace period) has not ended since. */
export function isPremium(claim: EntitlementClaim | null, now: Date = new Date()): boolean {
  const end = accessEndsAt(claim);
  return end !== null && now.getTime() < end.getTime();
}

/** The columns of public.subscriptions the claim is copied from (times as the API returns them). */
export interface SubscriptionsRowFields {
  is_active: boolean;
  status: string;
  store: string;
  product_id: string;
  current_period_ends_at: string | Date | null;
  will_renew: boolean;
  in_grace_period: boolean;
  grace_period_ends_at: string | Date | null;
}

const unixSeconds = (t: string | Date | null) => (t === null ? undefined : Math.floor(new Date(t).getTime() / 1000));

/**
 * Does the claim still say what this row of public.subscriptions (null: no row) says, at `now`?
 * False means the token was issued before the row last changed: the client should refresh its
 * session to get a token that says it. Time passing alone never makes them disagree: a period that
 * ended without any event is inactive in the row and, through isPremium, in the claim.
 */
export function claimFollowsRow(claim: EntitlementClaim, row: SubscriptionsRowFields | null, now: Date = new Date()): boolean {
  if (row === null) return !claim.active && claim.status === undefined;
  return isPremium(claim, now) === row.is_active
    && claim.status === row.status
    && claim.store === row.store
    && claim.product_id === row.product_id
    && claim.expires_at === unixSeconds(row.current_period_ends_at)
    && claim.grace_period_ends_at === (row.in_grace_period ? unixSeconds(row.grace_period_ends_at) : undefined)
    && claim.will_renew === row.will_renew;
}
