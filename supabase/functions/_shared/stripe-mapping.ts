// Pure Stripe domain logic: which events we handle, where each one's subscription is, and how a
// Stripe subscription maps to our normalized state. No I/O here.
//
// Written against API version 2026-10-28.endive: periods live on subscription items, an invoice
// reaches its subscription through parent.subscription_details, and a charge has no invoice.
import type Stripe from 'stripe';
import type { SubscriptionStatus, SubscriptionUpdate } from './billing-db.ts';

export const STRIPE_SUBSCRIPTION_EVENTS = [
  'customer.subscription.created',
  'customer.subscription.updated',
  'customer.subscription.deleted',
  'customer.subscription.paused',
  'customer.subscription.resumed',
] as const;

export const STRIPE_INVOICE_EVENTS = ['invoice.paid', 'invoice.payment_failed', 'invoice.payment_action_required'] as const;

/** Every event the webhook acts on; register exactly these (scripts/stripe-setup.ts prints them). */
export const STRIPE_WEBHOOK_EVENTS = [
  ...STRIPE_SUBSCRIPTION_EVENTS, ...STRIPE_INVOICE_EVENTS, 'charge.refunded', 'charge.dispute.created', 'charge.dispute.closed', 'customer.deleted',
] as const;

export type StripeEventRoute =
  | { kind: 'subscription'; subscriptionId: string }
  /** A full refund or a chargeback: the paid period grants nothing. `reinstate`: a dispute was won. */
  | { kind: 'refund' | 'reinstate'; paymentIntent: string | null }
  | { kind: 'customer_deleted'; customerId: string }
  | { kind: 'ignore'; reason: string };

export function idOf(value: string | { id: string } | null | undefined): string | null {
  if (!value) return null;
  return typeof value === 'string' ? value : value.id;
}

export function routeStripeEvent(event: Stripe.Event): StripeEventRoute {
  const type = event.type as string;
  if ((STRIPE_SUBSCRIPTION_EVENTS as readonly string[]).includes(type)) {
    const id = idOf(event.data.object as Stripe.Subscription);
    return id ? { kind: 'subscription', subscriptionId: id } : { kind: 'ignore', reason: 'subscription event without an id' };
  }
  if ((STRIPE_INVOICE_EVENTS as readonly string[]).includes(type)) {
    const invoice = event.data.object as Stripe.Invoice & { subscription?: string | null };
    // `invoice.subscription` is the pre-2025-03-31 shape, from an endpoint on an older API version.
    const id = idOf(invoice.parent?.subscription_details?.subscription ?? invoice.subscription);
    return id ? { kind: 'subscription', subscriptionId: id } : { kind: 'ignore', reason: 'invoice is not for a subscription' };
  }
  if (type === 'charge.refunded') {
    const charge = event.data.object as Stripe.Charge;
    // `refunded` is true only once the whole charge is refunded; partial refunds keep access.
    return charge.refunded ? { kind: 'refund', paymentIntent: idOf(charge.payment_intent) } : { kind: 'ignore', reason: 'partial refund' };
  }
  if (type === 'charge.dispute.created' || type === 'charge.dispute.closed') {
    const dispute = event.data.object as Stripe.Dispute;
    const paymentIntent = idOf(dispute.payment_intent);
    if (type === 'charge.dispute.created') return { kind: 'refund', paymentIntent };
    return dispute.status === 'won' ? { kind: 'reinstate', paymentIntent } : { kind: 'ignore', reason: `dispute closed as ${dispute.status}` };
  }
  if (type === 'customer.deleted') {
    const id = idOf(event.data.object as Stripe.Customer);
    return id ? { kind: 'customer_deleted', customerId: id } : { kind: 'ignore', reason: 'customer event without an id' };
  }
  return { kind: 'ignore', reason: `event type ${type} is not handled` };
}

export class UnsupportedStripeState extends Error {
  override name = 'UnsupportedStripeState';
}

function seconds(value: number): Date {
  return new Date(value * 1000);
}

/** Current period of a subscription: the span covered by its items (periods live on items). */
export function currentPeriod(sub: Stripe.Subscription): { start: Date; end: Date } {
  const items = sub.items?.data ?? [];
  if (items.length === 0) throw new UnsupportedStripeState(`subscription ${sub.id} has no items`);
  return {
    start: seconds(Math.min(...items.map((i) => i.current_period_start))),
    end: seconds(Math.max(...items.map((i) => i.current_period_end))),
  };
}

/** The end of the subscription period an invoice paid for (from its subscription lines). */
export function invoicePeriodEnd(invoice: Stripe.Invoice): Date | null {
  const ends = (invoice.lines?.data ?? [])
    .filter((line) => line.parent?.subscription_item_details || line.subscription)
    .map((line) => line.period.end);
  return ends.length ? seconds(Math.max(...ends)) : null;
}

export interface StripeMappingContext {
  eventId: string;
  eventType: string;
  /** When we retrieved the subscription from Stripe: the ordering time of this state. */
  observedAt: Date;
  userId: string | null;
  gracePeriodDays: number;
  /** Period end of a fully refunded invoice: that period grants nothing. */
  refundedPeriodEnd: Date | null;
}

export function normalizedStatus(
  sub: Stripe.Subscription,
  periodStart: Date,
  gracePeriodDays: number,
): { status: SubscriptionStatus; gracePeriodExpiresAt: Date | null } {
  switch (sub.status) {
    case 'incomplete':
      return { status: 'incomplete', gracePeriodExpiresAt: null };
    case 'incomplete_expired':
    case 'canceled':
      return { status: 'expired', gracePeriodExpiresAt: null };
    case 'trialing':
      return { status: 'trialing', gracePeriodExpiresAt: null };
    case 'active':
      return { status: 'active', gracePeriodExpiresAt: null };
    case 'past_due':
      // Stripe has moved the period forward to the unpaid one; access continues only for the
      // configured grace, counted from the failed renewal (the period start).
      return gracePeriodDays > 0
        ? { status: 'in_grace_period', gracePeriodExpiresAt: new Date(periodStart.getTime() + gracePeriodDays * 86_400_000) }
        : { status: 'past_due', gracePeriodExpiresAt: null };
    case 'unpaid':
      return { status: 'past_due', gracePeriodExpiresAt: null };
    case 'paused':
      return { status: 'paused', gracePeriodExpiresAt: null };
    default:
      throw new UnsupportedStripeState(`unknown Stripe subscription status "${sub.status}"`);
  }
}

/** Whether the subscription is set to bill again: flexible billing mode schedules cancellation through cancel_at. */
export function willRenew(sub: Stripe.Subscription): boolean {
  const renewing = ['active', 'trialing', 'past_due', 'incomplete'].includes(sub.status);
  return renewing && !sub.cancel_at_period_end && sub.cancel_at == null;
}

export function subscriptionUpdateFromStripe(sub: Stripe.Subscription, ctx: StripeMappingContext): SubscriptionUpdate {
  const period = currentPeriod(sub);
  const normalized = normalizedStatus(sub, period.start, ctx.gracePeriodDays);
  const refundedThisPeriod =
    ctx.refundedPeriodEnd !== null && Math.abs(ctx.refundedPeriodEnd.getTime() - period.end.getTime()) < 1000;
  const status: SubscriptionStatus =
    refundedThisPeriod && normalized.status !== 'incomplete' ? 'refunded' : normalized.status;
  const ended = sub.ended_at ? seconds(sub.ended_at) : null;
  return {
    store: 'stripe',
    eventId: ctx.eventId,
    eventType: ctx.eventType,
    eventAt: ctx.observedAt,
    storeSubscriptionId: sub.id,
    userId: ctx.userId,
    productId: idOf(sub.items.data[0].price.product as string | Stripe.Product) ?? sub.items.data[0].price.id,
    status,
    expiresAt: status === 'expired' && ended && ended < period.end ? ended : period.end,
    willRenew: willRenew(sub),
    gracePeriodExpiresAt: status === 'in_grace_period' ? normalized.gracePeriodExpiresAt : null,
    isSandbox: !sub.livemode,
    payload: sub,
  };
}
