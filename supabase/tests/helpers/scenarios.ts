// Realistic lifecycles of one subscription as ordered, normalized store updates. Times advance
// the way the stores report them; some steps share one second, as Stripe's event times often do.
import type { SubscriptionUpdate } from '../../functions/_shared/billing-db.ts';
import { DAY_MS, at } from './fixtures.ts';

export interface Scenario {
  name: string;
  build(ids: { userId: string; subscriptionId: string; runId: string; start: Date }): SubscriptionUpdate[];
}

type Step = Omit<SubscriptionUpdate, 'store' | 'storeSubscriptionId' | 'userId' | 'isSandbox' | 'eventId' | 'eventAt' | 'productId'> & {
  offsetMs: number;
  userId?: string | null;
};

function stripeSteps(steps: Step[]): Scenario['build'] {
  return ({ userId, subscriptionId, runId, start }) =>
    steps.map((s, i) => ({
      store: 'stripe',
      eventId: `evt_${runId}_${i}`,
      eventAt: at(start, s.offsetMs),
      storeSubscriptionId: subscriptionId,
      userId,
      productId: 'prod_premium',
      isSandbox: true,
      eventType: s.eventType,
      status: s.status,
      expiresAt: s.expiresAt,
      willRenew: s.willRenew,
      gracePeriodExpiresAt: s.gracePeriodExpiresAt,
    }));
}

function appStoreSteps(steps: Step[]): Scenario['build'] {
  return ({ userId, subscriptionId, runId, start }) =>
    steps.map((s, i) => ({
      store: 'app_store',
      eventId: `${runId}-${i}`,
      eventAt: at(start, s.offsetMs),
      storeSubscriptionId: subscriptionId,
      // Apple's notifications carry the appAccountToken on every event; some purchases have none.
      userId: s.userId === undefined ? userId : s.userId,
      productId: 'com.certgames.app.monthly_premium',
      isSandbox: false,
      eventType: s.eventType,
      status: s.status,
      expiresAt: s.expiresAt,
      willRenew: s.willRenew,
      gracePeriodExpiresAt: s.gracePeriodExpiresAt,
    }));
}

const MONTH = 30 * DAY_MS;

export const scenarios: Scenario[] = [
  {
    name: 'Stripe: subscribe → renew → cancel at period end → expire',
    build: (ids) => {
      const p1 = at(ids.start, MONTH);
      const p2 = at(ids.start, 2 * MONTH);
      return stripeSteps([
        { offsetMs: 0, eventType: 'customer.subscription.created', status: 'incomplete', expiresAt: p1, willRenew: true, gracePeriodExpiresAt: null },
        // invoice.paid and the subscription update land in the same second
        { offsetMs: 1000, eventType: 'invoice.paid', status: 'active', expiresAt: p1, willRenew: true, gracePeriodExpiresAt: null },
        { offsetMs: 1000, eventType: 'customer.subscription.updated', status: 'active', expiresAt: p1, willRenew: true, gracePeriodExpiresAt: null },
        { offsetMs: MONTH, eventType: 'customer.subscription.updated', status: 'active', expiresAt: p2, willRenew: true, gracePeriodExpiresAt: null },
        { offsetMs: MONTH + 3_600_000, eventType: 'invoice.paid', status: 'active', expiresAt: p2, willRenew: true, gracePeriodExpiresAt: null },
        { offsetMs: MONTH + 10 * DAY_MS, eventType: 'customer.subscription.updated', status: 'active', expiresAt: p2, willRenew: false, gracePeriodExpiresAt: null },
        { offsetMs: 2 * MONTH, eventType: 'customer.subscription.deleted', status: 'expired', expiresAt: p2, willRenew: false, gracePeriodExpiresAt: null },
      ])(ids);
    },
  },
  {
    name: 'Stripe: renewal payment fails → past due → recovers',
    build: (ids) => {
      const p1 = at(ids.start, MONTH);
      const p2 = at(ids.start, 2 * MONTH);
      return stripeSteps([
        { offsetMs: 0, eventType: 'customer.subscription.created', status: 'active', expiresAt: p1, willRenew: true, gracePeriodExpiresAt: null },
        { offsetMs: MONTH, eventType: 'invoice.payment_failed', status: 'past_due', expiresAt: p2, willRenew: true, gracePeriodExpiresAt: null },
        { offsetMs: MONTH + 3 * DAY_MS, eventType: 'invoice.payment_failed', status: 'past_due', expiresAt: p2, willRenew: true, gracePeriodExpiresAt: null },
        { offsetMs: MONTH + 5 * DAY_MS, eventType: 'invoice.paid', status: 'active', expiresAt: p2, willRenew: true, gracePeriodExpiresAt: null },
      ])(ids);
    },
  },
  {
    name: 'Stripe: retries exhausted → canceled, final failure and deletion in the same second',
    build: (ids) => {
      const p1 = at(ids.start, MONTH);
      const p2 = at(ids.start, 2 * MONTH);
      const last = MONTH + 21 * DAY_MS;
      return stripeSteps([
        { offsetMs: 0, eventType: 'customer.subscription.created', status: 'active', expiresAt: p1, willRenew: true, gracePeriodExpiresAt: null },
        { offsetMs: MONTH, eventType: 'invoice.payment_failed', status: 'past_due', expiresAt: p2, willRenew: true, gracePeriodExpiresAt: null },
        { offsetMs: last, eventType: 'customer.subscription.deleted', status: 'expired', expiresAt: p2, willRenew: false, gracePeriodExpiresAt: null },
        { offsetMs: last, eventType: 'invoice.payment_failed', status: 'past_due', expiresAt: p2, willRenew: true, gracePeriodExpiresAt: null },
      ])(ids);
    },
  },
  {
    name: 'App Store: billing failure → grace period → billing recovery',
    build: (ids) => {
      const p1 = at(ids.start, MONTH);
      const p2 = at(ids.start, 2 * MONTH);
      return appStoreSteps([
        { offsetMs: 0, eventType: 'SUBSCRIBED.INITIAL_BUY', status: 'active', expiresAt: p1, willRenew: true, gracePeriodExpiresAt: null },
        { offsetMs: MONTH - DAY_MS, eventType: 'DID_FAIL_TO_RENEW.GRACE_PERIOD', status: 'in_grace_period', expiresAt: p1, willRenew: true, gracePeriodExpiresAt: at(p1, 16 * DAY_MS) },
        { offsetMs: MONTH + 2 * DAY_MS, eventType: 'DID_RENEW.BILLING_RECOVERY', status: 'active', expiresAt: p2, willRenew: true, gracePeriodExpiresAt: null },
        { offsetMs: MONTH + 4 * DAY_MS, eventType: 'DID_CHANGE_RENEWAL_STATUS.AUTO_RENEW_DISABLED', status: 'active', expiresAt: p2, willRenew: false, gracePeriodExpiresAt: null },
      ])(ids);
    },
  },
  {
    name: 'App Store: grace period expires → billing retry → expired',
    build: (ids) => {
      const p1 = at(ids.start, MONTH);
      return appStoreSteps([
        { offsetMs: 0, eventType: 'SUBSCRIBED.INITIAL_BUY', status: 'active', expiresAt: p1, willRenew: true, gracePeriodExpiresAt: null },
        { offsetMs: MONTH - DAY_MS, eventType: 'DID_FAIL_TO_RENEW.GRACE_PERIOD', status: 'in_grace_period', expiresAt: p1, willRenew: true, gracePeriodExpiresAt: at(p1, 6 * DAY_MS) },
        { offsetMs: MONTH + 6 * DAY_MS, eventType: 'GRACE_PERIOD_EXPIRED', status: 'past_due', expiresAt: p1, willRenew: true, gracePeriodExpiresAt: null },
        { offsetMs: MONTH + 60 * DAY_MS, eventType: 'EXPIRED.BILLING_RETRY', status: 'expired', expiresAt: p1, willRenew: false, gracePeriodExpiresAt: null },
      ])(ids);
    },
  },
  {
    name: 'App Store: subscribe → renew → refund, first event without appAccountToken',
    build: (ids) => {
      const p1 = at(ids.start, MONTH);
      const p2 = at(ids.start, 2 * MONTH);
      return appStoreSteps([
        { offsetMs: 0, userId: null, eventType: 'SUBSCRIBED.INITIAL_BUY', status: 'active', expiresAt: p1, willRenew: true, gracePeriodExpiresAt: null },
        { offsetMs: MONTH - DAY_MS, eventType: 'DID_RENEW', status: 'active', expiresAt: p2, willRenew: true, gracePeriodExpiresAt: null },
        { offsetMs: MONTH + 2 * DAY_MS, eventType: 'REFUND', status: 'refunded', expiresAt: p2, willRenew: false, gracePeriodExpiresAt: null },
      ])(ids);
    },
  },
];
