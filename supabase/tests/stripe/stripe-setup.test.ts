// scripts/stripe-setup.ts against the FAKE Stripe API: creates what is missing, then changes nothing.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { FakeStripe } from '../fakes/fake-stripe.ts';
import { repoRoot } from '../../../scripts/lib/supabase-compat.ts';
import { STRIPE_WEBHOOK_EVENTS } from '../../functions/_shared/stripe-mapping.ts';

const run = promisify(execFile);
let stripe: FakeStripe;

before(async () => {
  stripe = await new FakeStripe().start();
});
after(async () => stripe?.stop());

async function setup(extraEnv: Record<string, string> = {}) {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', 'scripts/stripe-setup.ts'], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH, ...stripe.env(), SUPABASE_URL: 'https://abc.supabase.co', WEB_APP_URL: 'https://app.example', ...extraEnv },
  });
  return { stdout, summary: JSON.parse(stdout.trim().split('\n').at(-1)!) };
}

test('first run creates the product, the $9.99/month price with its lookup key, and the portal configuration', async () => {
  const { stdout, summary } = await setup();
  assert.equal(summary.priceAction, 'created');
  assert.equal(summary.portalAction, 'created');
  const price = stripe.prices.get(summary.priceId)!;
  assert.deepEqual([price.unit_amount, price.currency, price.recurring.interval, price.lookup_key], [999, 'usd', 'month', 'premium_monthly']);
  const portal = stripe.portalConfigurations.get(summary.portalConfigurationId)!;
  assert.equal(portal.features.subscription_cancel.mode, 'at_period_end');
  assert.equal(portal.features.payment_method_update.enabled, 'true');
  assert.equal(portal.default_return_url, 'https://app.example/account');
  assert.equal(summary.webhookUrl, 'https://abc.supabase.co/functions/v1/stripe-webhook');
  assert.deepEqual(summary.events, [...STRIPE_WEBHOOK_EVENTS]);
  assert.match(stdout, /stripe listen --events/);
});

test('a second run changes nothing: no write reaches Stripe', async () => {
  const writesBefore = stripe.requests.filter((r) => r.method !== 'GET').length;
  const { summary } = await setup();
  assert.deepEqual([summary.priceAction, summary.portalAction], ['unchanged', 'unchanged']);
  assert.equal(stripe.requests.filter((r) => r.method !== 'GET').length, writesBefore);
  assert.equal(stripe.products.size, 1);
  assert.equal(stripe.prices.size, 1);
});

test('a new amount moves the lookup key to a new price on the same product', async () => {
  const { summary } = await setup({ PRICE_AMOUNT_CENTS: '1299' });
  assert.match(summary.priceAction, /^replaced price_/);
  assert.equal(stripe.prices.size, 2);
  const withKey = [...stripe.prices.values()].filter((p) => p.lookup_key === 'premium_monthly');
  assert.deepEqual(withKey.map((p) => p.unit_amount), [1299]);
  assert.equal(stripe.products.size, 1);
});
