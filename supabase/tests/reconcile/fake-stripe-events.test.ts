// The FAKE Stripe API's GET /v1/events, read through stripe-node exactly as the catch-up reads it:
// Stripe's list semantics (https://docs.stripe.com/api/events/list, /api/pagination) — newest
// first, created ranges, types[] or a type with wildcards, cursors both ways, has_more, and the
// errors Stripe gives for parameters it refuses.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import Stripe from 'stripe';
import { FakeStripe, FAKE_STRIPE_API_VERSION } from '../fakes/fake-stripe.ts';

describe('FAKE Stripe: GET /v1/events', () => {
  let fake: FakeStripe;
  let stripe: Stripe;
  const ids: string[] = []; // oldest first
  before(async () => {
    fake = await new FakeStripe().start();
    stripe = new Stripe('sk_test_fake', { apiVersion: FAKE_STRIPE_API_VERSION as never, host: '127.0.0.1', port: fake.port, protocol: 'http', maxNetworkRetries: 0 });
    // 12 events over 6 seconds, two per second, alternating types.
    for (let i = 0; i < 12; i++) {
      if (i % 2 === 0 && i > 0) fake.advance(1);
      const type = ['invoice.paid', 'customer.subscription.updated', 'charge.refunded'][i % 3];
      ids.push(fake.event(type, { id: `obj_${i}`, object: 'thing' }).id);
    }
  });
  after(async () => fake?.stop());

  test('a page: newest first, object list, url, has_more; limit 1–100 (default 10)', async () => {
    const page = await stripe.events.list();
    assert.equal(page.object, 'list');
    assert.equal(page.url, '/v1/events');
    assert.deepEqual(page.data.map((e) => e.id), [...ids].reverse().slice(0, 10));
    assert.equal(page.has_more, true);
    const all = await stripe.events.list({ limit: 100 });
    assert.deepEqual(all.data.map((e) => e.id), [...ids].reverse());
    assert.equal(all.has_more, false);
    for (const limit of [0, 101]) {
      await assert.rejects(stripe.events.list({ limit }), (e: { type: string; statusCode: number }) => e.type === 'StripeInvalidRequestError' && e.statusCode === 400);
    }
  });

  test('cursors: starting_after walks to older events, ending_before to newer ones; auto-pagination sees each once', async () => {
    const newest = [...ids].reverse();
    const second = await stripe.events.list({ limit: 4, starting_after: newest[3] });
    assert.deepEqual(second.data.map((e) => e.id), newest.slice(4, 8));
    assert.equal(second.has_more, true);
    const back = await stripe.events.list({ limit: 3, ending_before: newest[6] });
    assert.deepEqual(back.data.map((e) => e.id), newest.slice(3, 6), 'the page closest to the cursor, still newest first');
    assert.equal(back.has_more, true);
    const top = await stripe.events.list({ limit: 10, ending_before: newest[2] });
    assert.deepEqual([top.data.map((e) => e.id), top.has_more], [newest.slice(0, 2), false]);
    const walked = await stripe.events.list({ limit: 5 }).autoPagingToArray({ limit: 1000 });
    assert.deepEqual(walked.map((e) => e.id), newest);
    await assert.rejects(stripe.events.list({ starting_after: 'evt_unknown' }), (e: { statusCode: number; code: string }) => e.statusCode === 400 && e.code === 'resource_missing');
    await assert.rejects(stripe.events.list({ starting_after: newest[0], ending_before: newest[1] }), (e: { statusCode: number }) => e.statusCode === 400);
  });

  test('filters: created range (gt, gte, lt, lte, or exact), types[], or type with a wildcard — not both', async () => {
    const events = await stripe.events.list({ limit: 100 });
    const created = new Map(events.data.map((e) => [e.id, e.created]));
    const t0 = created.get(ids[0])!;
    const range = await stripe.events.list({ limit: 100, created: { gte: t0 + 1, lt: t0 + 3 } });
    assert.deepEqual(range.data.map((e) => e.id), ids.slice(2, 6).reverse());
    const open = await stripe.events.list({ limit: 100, created: { gt: t0 + 4 } });
    assert.deepEqual(open.data.map((e) => e.id), ids.slice(10).reverse());
    const exact = await stripe.events.list({ limit: 100, created: t0 });
    assert.deepEqual(exact.data.map((e) => e.id), ids.slice(0, 2).reverse());
    const upTo = await stripe.events.list({ limit: 100, created: { lte: t0 + 1 } });
    assert.deepEqual(upTo.data.map((e) => e.id), ids.slice(0, 4).reverse());

    const types = await stripe.events.list({ limit: 100, types: ['invoice.paid', 'charge.refunded'] });
    assert.ok(types.data.length === 8 && types.data.every((e) => e.type === 'invoice.paid' || e.type === 'charge.refunded'));
    const wildcard = await stripe.events.list({ limit: 100, type: 'customer.subscription.*' });
    assert.deepEqual(wildcard.data.map((e) => e.type), Array(4).fill('customer.subscription.updated'));
    assert.equal((await stripe.events.list({ type: 'customer.*.updated' })).data.length, 4);
    assert.equal((await stripe.events.list({ type: 'invoice' })).data.length, 0, 'no wildcard: the exact type');
    await assert.rejects(stripe.events.list({ type: 'invoice.paid', types: ['invoice.paid'] }), (e: { statusCode: number }) => e.statusCode === 400);
  });

  test('retrieve: an event by id; a 404 resource_missing otherwise', async () => {
    const event = await stripe.events.retrieve(ids[3]);
    assert.equal(event.id, ids[3]);
    assert.equal((event.data.object as { id?: string }).id, 'obj_3');
    await assert.rejects(stripe.events.retrieve('evt_gone'), (e: { statusCode: number; code: string }) => e.statusCode === 404 && e.code === 'resource_missing');
  });
});
