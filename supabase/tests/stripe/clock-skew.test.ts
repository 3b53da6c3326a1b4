// A caller's clock is not an ordering source. The operator's refresh (scripts/import-users.ts runs
// _shared/stripe-sync.ts on their laptop) with a clock an hour ahead must not make the webhooks of
// the next hour "stale" (answered 200 and never retried: lost). Stripe states are ordered by the
// database clock inside the locked transaction.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startStripeStack, subscriptionRowOf, WEB_ORIGIN, type StripeStack } from '../helpers/stripe-stack.ts';

const HOUR = 3_600_000;

/** Runs `work` with this process's clock moved by `offsetMs` (Date and Date.now). */
async function withClockOffset<T>(offsetMs: number, work: () => Promise<T>): Promise<T> {
  const RealDate = Date;
  class SkewedDate extends RealDate {
    constructor(...args: unknown[]) {
      if (args.length === 0) super(RealDate.now() + offsetMs);
      else super(...(args as [number]));
    }
    static override now() {
      return RealDate.now() + offsetMs;
    }
  }
  globalThis.Date = SkewedDate as DateConstructor;
  try {
    return await work();
  } finally {
    globalThis.Date = RealDate;
  }
}

describe('ordering is independent of the callers’ clocks', () => {
  let s: StripeStack;
  before(async () => {
    s = await startStripeStack({ functions: ['subscribe', 'stripe-webhook'] });
    // The refresh runs in this process, as the importer does, against the same database and Stripe.
    Object.assign(process.env, { SUPABASE_DB_URL: s.env.SUPABASE_DB_URL, ...s.stripe.env() });
  });
  after(async () => {
    const { db } = await import('../../functions/_shared/db.ts');
    await db().end({ timeout: 1 });
    await s?.stop();
  });

  test('a refresh from a machine whose clock is an hour ahead does not make later webhooks stale', async () => {
    const user = await s.signedUser();
    const started = await s.call('subscribe', { token: user.token, origin: WEB_ORIGIN, body: {} });
    const subscriptionId = started.body.subscriptionId as string;
    for (const event of s.stripe.payFirstInvoice(subscriptionId, 'succeeded')) assert.equal((await s.deliver(event)).status, 200);

    const { syncStripeSubscription } = await import('../../functions/_shared/stripe-sync.ts');
    const refreshed = await withClockOffset(HOUR, () =>
      syncStripeSubscription({ store: 'stripe', eventId: `import:${subscriptionId}:${Date.now()}`, eventType: 'import.refresh', eventAt: new Date() }, subscriptionId, null));
    assert.equal(refreshed.result, 'applied');

    // Minutes later (by the real clock) the person cancels in the portal.
    const [scheduled] = s.stripe.scheduleCancellation(subscriptionId);
    const res = await s.deliver(scheduled);
    assert.deepEqual([res.status, res.body.result], [200, 'applied']);
    assert.equal((await subscriptionRowOf(s.db, user.id))?.will_renew, false);
  });
});
