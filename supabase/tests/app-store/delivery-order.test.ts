// Property: App Store notifications and the app's transaction syncs, delivered in every order with
// random duplicates, end in the state of delivering them in order, and that state is the right one.
// Apple retries a failed delivery for up to 72 hours, so a refund of January can be processed before
// February's renewal, and the app sends each transaction (refunds too) whenever it sees it.
// Real functions under Deno, real database; only Apple's signing chain is a FAKE.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startAppStoreStack, type AppStoreStack } from '../helpers/app-store-stack.ts';
import { deliveryOrders, inBatches } from '../helpers/delivery-orders.ts';
import type { FakeSubscription, SignedNotification } from '../fakes/fake-app-store.ts';

type Step = { notification: SignedNotification } | { signedTransaction: string };
type Scenario = {
  name: string;
  familyShared?: boolean;
  steps(sub: FakeSubscription): Promise<Step[]>;
  expect: { status: string; is_active: boolean; period?: 'first' | 'second' };
};

const notification = async (n: Promise<SignedNotification>): Promise<Step> => ({ notification: await n });
const sync = async (t: Promise<string>): Promise<Step> => ({ signedTransaction: await t });

const scenarios: Scenario[] = [
  {
    name: 'a refund of the first period processed before the delayed renewal (and the app’s sync of the renewal)',
    async steps(sub) {
      const buy = await notification(sub.subscribe());
      const first = sub.transactionPayload();
      const renew = await notification(sub.renew());
      const appRenewal = await sync(sub.signedTransaction());
      return [buy, renew, appRenewal, await notification(sub.refundOf(first))];
    },
    expect: { status: 'active', is_active: true, period: 'second' },
  },
  {
    name: 'a refund of the current period, then the renewal',
    async steps(sub) {
      return [await notification(sub.subscribe()), await notification(sub.refund()), await notification(sub.renew())];
    },
    expect: { status: 'active', is_active: true, period: 'second' },
  },
  {
    name: 'a refund of the current period after a renewal',
    async steps(sub) {
      return [await notification(sub.subscribe()), await notification(sub.renew()), await notification(sub.refund())];
    },
    expect: { status: 'refunded', is_active: false, period: 'second' },
  },
  {
    name: 'a refund, reversed',
    async steps(sub) {
      return [await notification(sub.subscribe()), await notification(sub.refund()), await notification(sub.refundReversed())];
    },
    expect: { status: 'active', is_active: true, period: 'first' },
  },
  {
    name: 'a refund request declined',
    async steps(sub) {
      return [await notification(sub.subscribe()), await notification(sub.refundDeclined()), await notification(sub.setAutoRenew(false))];
    },
    expect: { status: 'active', is_active: true, period: 'first' },
  },
  {
    name: 'family sharing revoked',
    familyShared: true,
    async steps(sub) {
      return [await notification(sub.subscribe()), await sync(sub.signedTransaction()), await notification(sub.revokeFamilySharing())];
    },
    expect: { status: 'revoked', is_active: false, period: 'first' },
  },
  {
    name: 'the app’s syncs interleaved with notifications, the app sending the first period’s refund',
    async steps(sub) {
      const buy = await notification(sub.subscribe());
      const appFirst = await sync(sub.signedTransaction());
      const first = sub.transactionPayload();
      const renew = await notification(sub.renew());
      const appSecond = await sync(sub.signedTransaction());
      const appRefund = await sync(sub.signedTransactionOf(first, 'REFUND_FULL'));
      const refund = await notification(sub.refundOf(first));
      return [buy, appFirst, renew, appSecond, appRefund, refund];
    },
    expect: { status: 'active', is_active: true, period: 'second' },
  },
  {
    name: 'a billing grace period, recovered, the app seeing the new period first',
    async steps(sub) {
      const buy = await notification(sub.subscribe());
      const grace = await notification(sub.failToRenew(true));
      const recovered = await notification(sub.recover());
      return [buy, grace, recovered, await sync(sub.signedTransaction())];
    },
    expect: { status: 'active', is_active: true, period: 'second' },
  },
];

const COMPARED = ['is_active', 'status', 'store', 'product_id', 'current_period_ends_at', 'will_renew', 'in_grace_period',
  'grace_period_ends_at', 'has_billing_issue', 'is_sandbox', 'is_family_shared', 'manage_with', 'active_in_both_stores'] as const;

describe('App Store: any delivery order with duplicates converges', () => {
  let s: AppStoreStack;
  // One start for every run, so every run's Apple times (and so its rows) are identical.
  const start = Date.now() - 3_600_000;
  before(async () => {
    s = await startAppStoreStack({ functions: ['app-store-notifications', 'app-store-sync'] });
  });
  after(async () => s?.stop());

  async function run(scenario: Scenario, order: number[] | null) {
    const user = await s.signedUser();
    const sub = s.sandbox.subscription({ appAccountToken: user.id, familyShared: scenario.familyShared, start });
    const firstExpiry = sub.expires;
    const steps = await scenario.steps(sub);
    for (const i of order ?? steps.map((_, k) => k)) {
      const step = steps[i];
      const res = 'notification' in step ? await s.notify(step.notification) : await s.sync(user.token, step.signedTransaction);
      assert.equal(res.status, 200, `step ${i}: ${JSON.stringify(res.body)}`);
    }
    const [row] = await s.db.asUser(user.id, (tx) => tx`select * from public.subscriptions`);
    assert.ok(row, 'a subscriptions row');
    return { row: Object.fromEntries(COMPARED.map((k) => [k, row[k] instanceof Date ? row[k].toISOString() : row[k]])), firstExpiry, lastExpiry: sub.expires };
  }

  scenarios.forEach((scenario, n) => {
    test(scenario.name, async () => {
      const reference = await run(scenario, null);
      // The in-order state is the right one.
      assert.deepEqual([reference.row.status, reference.row.is_active], [scenario.expect.status, scenario.expect.is_active]);
      const expectedEnd = scenario.expect.period === 'first' ? reference.firstExpiry : reference.lastExpiry;
      assert.equal(new Date(reference.row.current_period_ends_at as string).getTime(), expectedEnd);

      const steps = (await scenario.steps(s.sandbox.subscription({ start }))).length;
      const orders = deliveryOrders(steps, { seed: 1000 + n, exhaustiveUpTo: 4, sample: 30 });
      await inBatches(orders, 4, async (order) => {
        const { row } = await run(scenario, order);
        assert.deepEqual(row, reference.row, `delivery order ${order.join(',')}`);
      });
    });
  });
});
