// `npm run dev`'s web app: which Stripe it uses, and that its build can only talk to this machine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyStripeMode, devWebEnv, stripeModeFrom } from '../../scripts/lib/dev-web.ts';

test('no Stripe keys: the local stand-in', () => {
  assert.deepEqual(stripeModeFrom({}), { mode: 'local', publishableKey: 'pk_test_local_sandbox' });
});

test('both test keys: real Stripe in test mode, and the functions call Stripe itself', () => {
  const mode = stripeModeFrom({ VITE_STRIPE_PUBLISHABLE_KEY: 'pk_test_abc', STRIPE_SECRET_KEY: 'sk_test_def' });
  assert.deepEqual(mode, { mode: 'test', publishableKey: 'pk_test_abc', secretKey: 'sk_test_def' });
  const env: Record<string, string> = { STRIPE_SECRET_KEY: 'sk_test_local_sandbox', STRIPE_API_HOST: '127.0.0.1', STRIPE_API_PORT: '54331', STRIPE_API_PROTOCOL: 'http', STRIPE_WEBHOOK_SECRET: 'whsec_local' };
  applyStripeMode(env, mode, { STRIPE_WEBHOOK_SECRET: 'whsec_from_stripe_listen' });
  assert.deepEqual(env, { STRIPE_SECRET_KEY: 'sk_test_def', STRIPE_WEBHOOK_SECRET: 'whsec_from_stripe_listen' });
});

test('live keys, or one key without the other, are refused', () => {
  assert.throws(() => stripeModeFrom({ VITE_STRIPE_PUBLISHABLE_KEY: 'pk_live_abc', STRIPE_SECRET_KEY: 'sk_test_def' }), /refuses live Stripe keys/);
  assert.throws(() => stripeModeFrom({ VITE_STRIPE_PUBLISHABLE_KEY: 'pk_test_abc', STRIPE_SECRET_KEY: 'sk_live_def' }), /refuses live Stripe keys/);
  assert.throws(() => stripeModeFrom({ VITE_STRIPE_PUBLISHABLE_KEY: 'pk_test_abc' }), /set both/);
  assert.throws(() => stripeModeFrom({ STRIPE_SECRET_KEY: 'sk_test_def' }), /set both/);
});

test('the dev build points at this machine only, whatever the shell says', () => {
  assert.deepEqual(devWebEnv('http://127.0.0.1:54321', { mode: 'local', publishableKey: 'pk_test_local_sandbox' }), {
    VITE_SUPABASE_URL: 'http://127.0.0.1:54321',
    VITE_SUPABASE_PUBLISHABLE_KEY: 'sb_publishable_local_sandbox',
    VITE_STRIPE_PUBLISHABLE_KEY: 'pk_test_local_sandbox',
  });
  assert.throws(() => devWebEnv('https://abcd.supabase.co', { mode: 'local', publishableKey: 'pk_test_local_sandbox' }), /this machine only/);
});
