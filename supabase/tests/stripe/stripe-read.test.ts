// _shared/stripe-read.ts (the webhook's one-fetch reads) against stripe-node on the same FAKE
// Stripe API: the same objects, and failures the rest of the code classifies alike (the SDK's
// error `type` and `statusCode`), with the same retry rule as stripe-node's maxNetworkRetries = 1.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import Stripe from 'stripe';
import { FakeStripe } from '../fakes/fake-stripe.ts';
import { isStripeUnavailable } from '../../functions/_shared/dependency-errors.ts';

let fake: FakeStripe;
let scripted: Server;
let scriptedPort = 0;
/**
 * What the scripted front answers next, one entry per request ('drop': the connection closes with
 * no answer); with nothing scripted it forwards the request to the FAKE Stripe API.
 */
let script: ({ status: number; headers?: Record<string, string>; body?: unknown } | 'drop')[] = [];
let scriptedRequests = 0;
let lastHeaders: Record<string, string | string[] | undefined> = {};
let read: typeof import('../../functions/_shared/stripe-read.ts');
let sdk: Stripe;

before(async () => {
  fake = await new FakeStripe().start();
  scripted = createServer(async (req, res) => {
    scriptedRequests++;
    lastHeaders = req.headers;
    const next = script.shift();
    if (next === 'drop') return req.socket.destroy();
    if (next) {
      res.writeHead(next.status, { 'content-type': 'application/json', ...next.headers });
      return res.end(JSON.stringify(next.body ?? {}));
    }
    const forwarded = await fetch(`http://127.0.0.1:${fake.port}${req.url}`, { headers: req.headers as Record<string, string> });
    res.writeHead(forwarded.status, Object.fromEntries(forwarded.headers));
    res.end(await forwarded.text());
  });
  await new Promise<void>((resolve) => scripted.listen(0, '127.0.0.1', resolve));
  scriptedPort = (scripted.address() as { port: number }).port;
  Object.assign(process.env, fake.env(), { STRIPE_API_PORT: String(scriptedPort) });
  read = await import('../../functions/_shared/stripe-read.ts');
  sdk = new Stripe('sk_test_fake', { host: '127.0.0.1', port: scriptedPort, protocol: 'http', maxNetworkRetries: 1 });
});
after(async () => {
  await fake.stop();
  scripted.close();
});

async function subscribedCustomer(): Promise<string> {
  const price = fake.seedPremiumPrice();
  const customer = await fake.apiPost('customers', { email: 'read@example.test' });
  const sub = await fake.apiPost('subscriptions', { customer: customer.id as string, 'items[0][price]': price.id as string, payment_behavior: 'default_incomplete' });
  fake.payFirstInvoice(sub.id as string, 'succeeded');
  return sub.id as string;
}

/** The SDK's answers carry a non-enumerable lastResponse; compare the JSON both received. */
const plain = (value: unknown) => JSON.parse(JSON.stringify(value));

test('a subscription, its charge and the charge’s disputes read the same as through stripe-node, with the pinned API version', async () => {
  const subId = await subscribedCustomer();
  fake.disputeLatestInvoice(subId, 'created');
  const sub = await read.retrieveSubscription(subId);
  assert.deepEqual(plain(sub), plain(await sdk.subscriptions.retrieve(subId)));
  const chargeId = [...fake.charges.keys()].at(-1)!;
  assert.deepEqual(plain(await read.retrieveCharge(chargeId)), plain(await sdk.charges.retrieve(chargeId)));
  const disputes = await read.listDisputesOfCharge(chargeId);
  assert.equal(disputes.data.length, 1);
  assert.deepEqual(plain(disputes), plain(await sdk.disputes.list({ charge: chargeId, limit: 100 })));
  await read.retrieveSubscription(subId);
  assert.equal(lastHeaders['stripe-version'], (await import('../../functions/_shared/stripe-client.ts')).STRIPE_API_VERSION);
  assert.equal(lastHeaders.authorization, 'Bearer sk_test_fake');
});

test('a missing object is a 404 StripeInvalidRequestError with Stripe’s code, as stripe-node reports it', async () => {
  const ours = await read.retrieveSubscription('sub_missing').then(() => null, (e) => e);
  const theirs = await sdk.subscriptions.retrieve('sub_missing').then(() => null, (e) => e);
  assert.ok(ours && theirs);
  for (const key of ['type', 'statusCode', 'code'] as const) assert.equal(ours[key], theirs[key], key);
  assert.equal(isStripeUnavailable(ours), false);
});

test('Stripe down: one retry, then an error that dependency-errors treats as "retry later" (503)', async () => {
  fake.unavailable = true;
  try {
    const before = fake.requests.length;
    const ours = await read.retrieveSubscription('sub_any').then(() => null, (e) => e);
    assert.equal(fake.requests.length - before, 2, 'one try and one retry');
    const theirs = await sdk.subscriptions.retrieve('sub_any').then(() => null, (e) => e);
    assert.equal(ours.type, theirs.type);
    assert.equal(ours.statusCode, theirs.statusCode);
    assert.ok(isStripeUnavailable(ours));
  } finally {
    fake.unavailable = false;
  }
});

test('retry rule: a 500 then a 200 succeeds; Stripe-Should-Retry overrides the status either way', async () => {
  const subId = [...fake.subscriptions.keys()][0];
  script = [{ status: 500, body: { error: { type: 'api_error', message: 'boom' } } }];
  scriptedRequests = 0;
  assert.equal((await read.retrieveSubscription(subId)).id, subId);
  assert.equal(scriptedRequests, 2);

  script = [{ status: 500, headers: { 'stripe-should-retry': 'false' }, body: { error: { message: 'do not retry' } } }];
  scriptedRequests = 0;
  const noRetry = await read.retrieveSubscription(subId).then(() => null, (e) => e);
  assert.equal(scriptedRequests, 1);
  assert.equal(noRetry.type, 'StripeAPIError');
  assert.equal(noRetry.message, 'do not retry');

  script = [{ status: 429, headers: { 'stripe-should-retry': 'true' }, body: { error: { code: 'rate_limit' } } }];
  scriptedRequests = 0;
  assert.equal((await read.retrieveSubscription(subId)).id, subId);
  assert.equal(scriptedRequests, 2);

  for (const client of ['ours', 'stripe-node'] as const) {
    script = [{ status: 429, body: { error: { type: 'invalid_request_error', code: 'rate_limit' } } }];
    scriptedRequests = 0;
    const limited = await (client === 'ours' ? read.retrieveSubscription(subId) : sdk.subscriptions.retrieve(subId)).then(() => null, (e) => e);
    assert.equal(scriptedRequests, 1, `${client}: a 429 without Stripe-Should-Retry is not retried`);
    assert.equal(limited.type, 'StripeRateLimitError', client);
    assert.ok(isStripeUnavailable(limited), client);
  }

  script = [{ status: 401, body: { error: { type: 'invalid_request_error', message: 'Invalid API Key provided' } } }];
  const auth = await read.retrieveSubscription(subId).then(() => null, (e) => e);
  assert.equal(auth.type, 'StripeAuthenticationError');
  assert.equal(isStripeUnavailable(auth), false);
});

test('a connection closed without an answer: one retry; twice: a StripeConnectionError, as stripe-node reports it (503)', async () => {
  const subId = [...fake.subscriptions.keys()][0];
  script = ['drop'];
  assert.equal((await read.retrieveSubscription(subId)).id, subId);
  for (const client of ['ours', 'stripe-node'] as const) {
    script = ['drop', 'drop'];
    const error = await (client === 'ours' ? read.retrieveSubscription(subId) : sdk.subscriptions.retrieve(subId)).then(() => null, (e) => e);
    assert.equal(error?.type, 'StripeConnectionError', client);
    assert.ok(isStripeUnavailable(error), client);
  }
});
