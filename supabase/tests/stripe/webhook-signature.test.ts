// The webhook's HMAC provider (node:crypto) against the sample values stripe-node documents for
// every CryptoProvider (node_modules/stripe/esm/crypto/CryptoProvider.d.ts), and against a header
// signed by stripe-node's own test helper. The webhook tests run it under Deno on every delivery.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Stripe from 'stripe';
import { webhookCryptoProvider } from '../../functions/_shared/stripe-client.ts';

test('HMAC-SHA256 hex as stripe-node specifies it, including non-ASCII payloads', async () => {
  assert.equal(await webhookCryptoProvider.computeHMACSignatureAsync('', 'test_secret'), 'f7f9bd47fb987337b5796fdc1fdb9ba221d0d5396814bfcaf9521f43fd8927fd');
  assert.equal(await webhookCryptoProvider.computeHMACSignatureAsync('\ud83d\ude00', 'test_secret'), '837da296d05c4fe31f61d5d7ead035099d9585a5bcde87de952012a78f0b0c43');
});

test('constructEventAsync accepts Stripe’s signature and refuses a tampered body with this provider', async () => {
  const stripe = new Stripe('sk_test_x');
  const secret = 'whsec_test_secret';
  const payload = JSON.stringify({ id: 'evt_1', object: 'event', type: 'invoice.paid', created: 1_767_225_600, data: { object: {} } });
  const header = await stripe.webhooks.generateTestHeaderStringAsync({ payload, secret });
  const event = await stripe.webhooks.constructEventAsync(payload, header, secret, 300, webhookCryptoProvider);
  assert.equal(event.id, 'evt_1');
  await assert.rejects(stripe.webhooks.constructEventAsync(payload.replace('evt_1', 'evt_2'), header, secret, 300, webhookCryptoProvider), /signature/i);
});
