// What a person sees about their subscription: pure, from their row of `public.subscriptions`.
import { formatDay } from './dates.ts';

/** A row of the public.subscriptions view (one per user). */
export interface SubscriptionRow {
  user_id: string;
  is_active: boolean;
  status: 'incomplete' | 'trialing' | 'active' | 'in_grace_period' | 'past_due' | 'paused' | 'expired' | 'refunded' | 'revoked';
  store: 'stripe' | 'app_store';
  product_id: string;
  current_period_ends_at: string | null;
  will_renew: boolean;
  in_grace_period: boolean;
  grace_period_ends_at: string | null;
  has_billing_issue: boolean;
  is_sandbox: boolean;
  is_family_shared: boolean;
  manage_with: 'stripe_customer_portal' | 'app_store';
  manage_url: string | null;
  active_in_both_stores: boolean;
  updated_at: string;
}

export type Tone = 'good' | 'warning' | 'neutral' | 'bad';

export interface SubscriptionSummary {
  headline: string;
  detail?: string;
  tone: Tone;
  storeLabel?: string;
  /** What the person can do about it. */
  action?: { kind: 'portal'; label: string } | { kind: 'app_store'; label: string; url: string } | { kind: 'subscribe'; label: string };
  warning?: string;
}

export const APPLE_MANAGE_URL = 'https://apps.apple.com/account/subscriptions';

function formatDate(iso: string | null, locale?: string): string {
  return iso ? formatDay(iso, locale) : '';
}

export function describeSubscription(row: SubscriptionRow | null | undefined, locale?: string): SubscriptionSummary {
  if (!row) {
    return { headline: 'No subscription', detail: 'Subscribe to unlock everything.', tone: 'neutral', action: { kind: 'subscribe', label: 'Subscribe' } };
  }
  const onWeb = row.store === 'stripe';
  const storeLabel = onWeb ? 'Billed on the web' : row.is_family_shared ? 'Shared with you through Family Sharing' : 'Managed in the App Store on your iPhone';
  const manage = onWeb
    ? ({ kind: 'portal', label: 'Manage billing' } as const)
    : ({ kind: 'app_store', label: 'Manage in the App Store', url: row.manage_url ?? APPLE_MANAGE_URL } as const);
  const fix = onWeb
    ? ({ kind: 'portal', label: 'Update payment method' } as const)
    : ({ kind: 'app_store', label: 'Update payment in the App Store', url: row.manage_url ?? APPLE_MANAGE_URL } as const);
  const until = formatDate(row.current_period_ends_at, locale);
  const warning = row.active_in_both_stores
    ? 'You are paying twice: you have an active subscription both on the web and in the App Store. Cancel one of them.'
    : undefined;

  if (row.status === 'incomplete') {
    return { headline: 'Payment processing', detail: 'We will unlock Premium as soon as your payment is confirmed.', tone: 'neutral', storeLabel };
  }
  if (row.status === 'in_grace_period' && row.is_active) {
    return {
      headline: 'Payment problem',
      detail: `Your last payment failed. You keep Premium until ${formatDate(row.grace_period_ends_at, locale)} — update your payment method to avoid losing it.`,
      tone: 'warning', storeLabel, action: fix, warning,
    };
  }
  if (row.status === 'past_due' || (row.status === 'in_grace_period' && !row.is_active)) {
    return { headline: 'Payment failed', detail: 'Premium is paused until your payment goes through.', tone: 'bad', storeLabel, action: fix, warning };
  }
  if (row.status === 'refunded') {
    return { headline: 'Refunded', detail: 'This subscription was refunded, so Premium has ended.', tone: 'bad', storeLabel, action: { kind: 'subscribe', label: 'Subscribe again' } };
  }
  if (row.status === 'revoked') {
    return { headline: 'Access removed', detail: 'Family Sharing for this subscription has ended.', tone: 'bad', storeLabel, action: { kind: 'subscribe', label: 'Subscribe' } };
  }
  if (row.is_active) {
    const trial = row.status === 'trialing' ? 'Free trial. ' : '';
    const detail = row.will_renew ? `${trial}Renews on ${until}.` : `${trial}Ends on ${until}; it will not renew.`;
    return { headline: 'Premium is active', detail, tone: 'good', storeLabel, action: manage, warning };
  }
  const ended = until ? `Ended on ${until}.` : 'It has ended.';
  return { headline: row.status === 'paused' ? 'Subscription paused' : 'Subscription ended', detail: ended, tone: 'neutral', storeLabel, action: { kind: 'subscribe', label: 'Subscribe again' } };
}

/** Whether the subscribe page may offer a new subscription to this person. */
export function canSubscribe(row: SubscriptionRow | null | undefined): boolean {
  if (!row) return true;
  // A failed renewal or a pause is fixed where the subscription lives, not by subscribing twice.
  return !row.is_active && ['expired', 'refunded', 'revoked', 'incomplete'].includes(row.status);
}

export function formatPrice(amount: number, currency: string, interval: string, locale?: string): string {
  const money = new Intl.NumberFormat(locale, { style: 'currency', currency: currency.toUpperCase() }).format(amount / 100);
  return `${money}/${interval === 'month' ? 'month' : interval}`;
}
