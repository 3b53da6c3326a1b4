// What the account and success pages show about web billing, mapped from Stripe's objects: the
// amount and next charge of the subscription, the card on file (brand and last 4 digits only), the
// latest invoice and the email Stripe sends receipts to. Pure: handler.ts does the reading.
import type Stripe from 'stripe';
import { formatAmount } from '../_shared/stripe-price.ts';

export interface PaymentMethodSummary {
  /** Stripe's payment method type: `card`, `link`, … */
  type: string;
  /** `visa`, `mastercard`, … (cards only). */
  brand: string | null;
  last4: string | null;
  expMonth: number | null;
  expYear: number | null;
  /** `apple_pay`, `google_pay`, … when the card came from a wallet. */
  wallet: string | null;
}

export interface BillingSummary {
  /** Where Stripe sends receipts (the customer's email). */
  email: string | null;
  paymentMethod: PaymentMethodSummary | null;
  subscription: {
    status: Stripe.Subscription.Status;
    amount: number;
    currency: string;
    interval: string;
    intervalCount: number;
    formatted: string;
    currentPeriodEnd: string | null;
    /** Renewal is off (cancelled at period end, or a scheduled `cancel_at`). */
    cancelAtPeriodEnd: boolean;
    trialEnd: string | null;
  } | null;
  latestInvoice: {
    status: Stripe.Invoice.Status | null;
    amountPaid: number;
    amountDue: number;
    currency: string;
    formattedPaid: string;
    paidAt: string | null;
    /** Stripe's hosted page for this invoice and its receipt. */
    url: string | null;
  } | null;
}

const LIVE = new Set<Stripe.Subscription.Status>(['active', 'trialing', 'past_due', 'unpaid', 'paused', 'incomplete']);

const iso = (seconds: number | null | undefined) => (seconds ? new Date(seconds * 1000).toISOString() : null);

/** The subscription the account page is about: a live one first, else the most recent. */
export function representativeSubscription(subscriptions: Stripe.Subscription[]): Stripe.Subscription | undefined {
  const newestFirst = [...subscriptions].sort((a, b) => b.created - a.created);
  return newestFirst.find((s) => LIVE.has(s.status) && s.status !== 'incomplete') ?? newestFirst.find((s) => LIVE.has(s.status)) ?? newestFirst[0];
}

export function paymentMethodSummary(pm: string | Stripe.PaymentMethod | null | undefined): PaymentMethodSummary | null {
  if (!pm || typeof pm === 'string') return null;
  const card = pm.card;
  return {
    type: pm.type,
    brand: card?.display_brand ?? card?.brand ?? null,
    last4: card?.last4 ?? null,
    expMonth: card?.exp_month ?? null,
    expYear: card?.exp_year ?? null,
    wallet: card?.wallet?.type ?? null,
  };
}

export function billingSummary(customer: Stripe.Customer, subscriptions: Stripe.Subscription[]): BillingSummary {
  const sub = representativeSubscription(subscriptions);
  const item = sub?.items.data[0];
  const invoice = sub && typeof sub.latest_invoice === 'object' ? sub.latest_invoice : null;
  const amount = item ? (item.price.unit_amount ?? 0) * (item.quantity ?? 1) : 0;
  return {
    email: customer.email ?? null,
    // The card the subscription charges; else the customer's default (set in the portal).
    paymentMethod: paymentMethodSummary(sub?.default_payment_method as Stripe.PaymentMethod | string | null)
      ?? paymentMethodSummary(customer.invoice_settings?.default_payment_method as Stripe.PaymentMethod | string | null),
    subscription: sub && item ? {
      status: sub.status,
      amount,
      currency: sub.currency,
      interval: item.price.recurring?.interval ?? 'month',
      intervalCount: item.price.recurring?.interval_count ?? 1,
      formatted: formatAmount(amount, sub.currency),
      currentPeriodEnd: iso(item.current_period_end),
      cancelAtPeriodEnd: sub.cancel_at_period_end || Boolean(sub.cancel_at),
      trialEnd: iso(sub.trial_end),
    } : null,
    latestInvoice: invoice ? {
      status: invoice.status,
      amountPaid: invoice.amount_paid,
      amountDue: invoice.amount_due,
      currency: invoice.currency,
      formattedPaid: formatAmount(invoice.amount_paid, invoice.currency),
      paidAt: iso(invoice.status_transitions?.paid_at),
      url: invoice.hosted_invoice_url ?? null,
    } : null,
  };
}
