// Pure Stripe domain logic: which events we handle, where each one's subscription is, and how a
// Stripe subscription maps to our normalized state. No I/O here.
//
// Written against API version 2026-10-28.endive: periods live on subscription items, an invoice
// reaches its subscription through parent.subscription_details, and a charge has no invoice.
import type Stripe from 'stripe';
import type { DbTime, PeriodState, SubscriptionStatus, SubscriptionUpdate } from './billing-db.ts';

export const STRIPE_SUBSCRIPTION_EVENTS = [
  'customer.subscription.created',
  'customer.subscription.updated',
  'customer.subscription.deleted',
  'customer.subscription.paused',
  'customer.subscription.resumed',
] as const;

export const STRIPE_INVOICE_EVENTS = ['invoice.paid', 'invoice.payment_failed', 'invoice.payment_action_required'] as const;

/** Events about one payment (one invoice, one period): the charge is re-read from Stripe. */
export const STRIPE_CHARGE_EVENTS = [
  'charge.refunded',
  'charge.dispute.created',
  'charge.dispute.updated',
  'charge.dispute.closed',
  'charge.dispute.funds_withdrawn',
  'charge.dispute.funds_reinstated',
] as const;

/** Every event the webhook acts on; register exactly these (scripts/stripe-setup.ts prints them). */
export const STRIPE_WEBHOOK_EVENTS = [
  ...STRIPE_SUBSCRIPTION_EVENTS, ...STRIPE_INVOICE_EVENTS, ...STRIPE_CHARGE_EVENTS, 'customer.deleted',
] as const;

export type StripeEventRoute =
  | { kind: 'subscription'; subscriptionId: string }
  /** Something happened to one payment (refund, dispute): re-read the charge, then its period's fact. */
  | { kind: 'payment'; chargeId: string; paymentIntent: string | null }
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
    if (!charge.refunded) return { kind: 'ignore', reason: 'partial refund' };
    return { kind: 'payment', chargeId: charge.id, paymentIntent: idOf(charge.payment_intent) };
  }
  if ((STRIPE_CHARGE_EVENTS as readonly string[]).includes(type)) {
    const dispute = event.data.object as Stripe.Dispute;
    const chargeId = idOf(dispute.charge);
    return chargeId
      ? { kind: 'payment', chargeId, paymentIntent: idOf(dispute.payment_intent) }
      : { kind: 'ignore', reason: 'dispute without a charge' };
  }
  if (type === 'customer.deleted') {
    const id = idOf(event.data.object as Stripe.Customer);
    return id ? { kind: 'customer_deleted', customerId: id } : { kind: 'ignore', reason: 'customer event without an id' };
  }
  return { kind: 'ignore', reason: `event type ${type} is not handled` };
}

/**
 * Dispute statuses that took the money back: a chargeback open or lost. Inquiries
 * (`warning_needs_response`, `warning_under_review`, `warning_closed`) move no money, and a won
 * (or `prevented`) dispute gave it back, so neither ends access.
 */
const CHARGEBACK_STATUSES = new Set(['needs_response', 'under_review', 'lost']);

/** What a charge, as Stripe reads now, says about the period its invoice paid for. */
export function periodStateOfCharge(charge: Pick<Stripe.Charge, 'refunded'>, disputes: Pick<Stripe.Dispute, 'status'>[]): PeriodState {
  if (charge.refunded) return 'refunded';
  if (disputes.some((d) => CHARGEBACK_STATUSES.has(d.status))) return 'charged_back';
  return 'paid';
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
  userId: string | null;
  gracePeriodDays: number;
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

/**
 * The snapshot of a subscription as read from Stripe. `readAt`: when that read started, by the
 * database clock (null: now, for a placeholder written without ordering). Refunds and chargebacks
 * are facts about one period, applied beside it.
 */
export function subscriptionUpdateFromStripe(sub: Stripe.Subscription, ctx: StripeMappingContext, readAt: DbTime | null = null): SubscriptionUpdate {
  const period = currentPeriod(sub);
  const { status, gracePeriodExpiresAt } = normalizedStatus(sub, period.start, ctx.gracePeriodDays);
  const ended = sub.ended_at ? seconds(sub.ended_at) : null;
  return {
    store: 'stripe',
    eventId: ctx.eventId,
    eventType: ctx.eventType,
    eventAt: readAt,
    storeSubscriptionId: sub.id,
    userId: ctx.userId,
    productId: idOf(sub.items.data[0].price.product as string | Stripe.Product) ?? sub.items.data[0].price.id,
    status,
    expiresAt: status === 'expired' && ended && ended < period.end ? ended : period.end,
    willRenew: willRenew(sub),
    gracePeriodExpiresAt: status === 'in_grace_period' ? gracePeriodExpiresAt : null,
    isSandbox: !sub.livemode,
    // A period is matched by its end: an invoice's subscription lines end when the period does.
    currentPeriodEndsAt: period.end,
    payload: sub,
  };
}
