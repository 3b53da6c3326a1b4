// Builders for normalized store updates used across the database tests.
import { randomUUID } from 'node:crypto';
import type { SubscriptionUpdate } from '../../functions/_shared/billing-db.ts';

export const DAY_MS = 86_400_000;
export const HOUR_MS = 3_600_000;

export function at(base: Date, offsetMs: number): Date {
  return new Date(base.getTime() + offsetMs);
}

export function stripeUpdate(overrides: Partial<SubscriptionUpdate> & { userId: string | null }): SubscriptionUpdate {
  const now = new Date();
  return {
    store: 'stripe',
    eventId: `evt_${randomUUID().replaceAll('-', '')}`,
    eventType: 'customer.subscription.updated',
    eventAt: now,
    storeSubscriptionId: `sub_${randomUUID().replaceAll('-', '').slice(0, 24)}`,
    productId: 'prod_premium',
    status: 'active',
    expiresAt: at(now, 30 * DAY_MS),
    willRenew: true,
    gracePeriodExpiresAt: null,
    isSandbox: true,
    ...overrides,
  };
}

export function appStoreUpdate(overrides: Partial<SubscriptionUpdate> & { userId: string | null }): SubscriptionUpdate {
  const now = new Date();
  return {
    store: 'app_store',
    eventId: randomUUID(),
    eventType: 'SUBSCRIBED.INITIAL_BUY',
    eventAt: now,
    storeSubscriptionId: String(2_000_000_000_000_000n + BigInt(Math.floor(Math.random() * 1e12))),
    productId: 'com.certgames.app.monthly_premium',
    status: 'active',
    expiresAt: at(now, 30 * DAY_MS),
    willRenew: true,
    gracePeriodExpiresAt: null,
    isSandbox: true,
    ...overrides,
  };
}

/** True when the error is a Postgres error with this SQLSTATE. */
export function hasCode(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: string }).code === code;
}
