// The pure parts of the outbound webhooks: configuration from the environment (HTTPS only, a real
// Standard Webhooks secret), the retry schedule (exponential, jittered, capped), and the CLI's
// command line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { endpointProblem, parseOutboundConfig } from '../../functions/_shared/outbound-config.ts';
import { JITTER, nominalRetryDelayMs, retryDelayMs } from '../../functions/_shared/outbound-retry.ts';
import { parseEventsCommand, UsageError } from '../../../scripts/entitlement-events.ts';

const secret = (bytes: number) => `whsec_${randomBytes(bytes).toString('base64')}`;
const envOf = (vars: Record<string, string>) => (name: string) => vars[name];

test('defaults: nothing configured sends nothing; 12 attempts, 15 s timeout, 60 s doubling to 8 h, expiries after 5 min', () => {
  assert.deepEqual(parseOutboundConfig(envOf({})), {
    endpoints: [], secret: undefined, maxAttempts: 12, timeoutMs: 15_000, retry: { baseMs: 60_000, maxMs: 8 * 3600_000 }, expiryDelayMs: 300_000,
  });
  // With the defaults the last of 12 attempts comes about a day after the first.
  const total = Array.from({ length: 11 }, (_, i) => nominalRetryDelayMs(i + 1, { baseMs: 60_000, maxMs: 8 * 3600_000 })).reduce((a, b) => a + b);
  assert.equal(total / 1000, 88_260);
});

test('endpoints: HTTPS, or plain HTTP to this machine only; no credentials in the URL', () => {
  for (const ok of ['https://api.example.com/webhooks', 'https://example.com:8443/x?y=1', 'http://localhost:3000/hook', 'http://127.0.0.1:9/h', 'http://[::1]:8080/h']) {
    assert.equal(endpointProblem(ok), null, ok);
  }
  for (const [bad, why] of [
    ['http://api.example.com/webhooks', /must use https/],
    ['http://10.0.0.5/hook', /must use https/],
    ['ftp://example.com/x', /must use https/],
    ['https://user:pass@example.com/hook', /credentials/],
    ['example.com/hook', /not a URL/],
  ] as const) {
    assert.match(endpointProblem(bad) ?? '', why, bad);
    assert.throws(() => parseOutboundConfig(envOf({ ENTITLEMENT_WEBHOOK_ENDPOINTS: bad, ENTITLEMENT_WEBHOOK_SECRET: secret(32) })),
      (e: Error) => e.name === 'ConfigError' && e.message.includes('ENTITLEMENT_WEBHOOK_ENDPOINTS'));
  }
  const parsed = parseOutboundConfig(envOf({
    ENTITLEMENT_WEBHOOK_ENDPOINTS: ' https://a.example/h , https://b.example/h,https://a.example/h,, ',
    ENTITLEMENT_WEBHOOK_SECRET: secret(32),
  }));
  assert.deepEqual(parsed.endpoints, ['https://a.example/h', 'https://b.example/h']);
});

test('the secret: required with endpoints, whsec_ + base64 of 24 to 64 bytes', () => {
  const endpoints = { ENTITLEMENT_WEBHOOK_ENDPOINTS: 'https://a.example/h' };
  assert.throws(() => parseOutboundConfig(envOf(endpoints)), /Missing required environment variable ENTITLEMENT_WEBHOOK_SECRET/);
  for (const bytes of [24, 32, 64]) assert.equal(parseOutboundConfig(envOf({ ...endpoints, ENTITLEMENT_WEBHOOK_SECRET: secret(bytes) })).secret?.startsWith('whsec_'), true);
  for (const [bad, why] of [
    [secret(16), /24 to 64 random bytes, not 16/],
    [secret(65), /not 65/],
    [randomBytes(32).toString('base64'), /must start with whsec_/],
    ['whsec_not base64!', /base64/],
    ['whsec_abc', /base64/],
  ] as const) {
    assert.throws(() => parseOutboundConfig(envOf({ ...endpoints, ENTITLEMENT_WEBHOOK_SECRET: bad })), why, bad);
  }
});

test('numbers out of range are refused, naming the variable', () => {
  for (const [name, value] of [
    ['ENTITLEMENT_WEBHOOK_MAX_ATTEMPTS', '0'], ['ENTITLEMENT_WEBHOOK_MAX_ATTEMPTS', '2.5'], ['ENTITLEMENT_WEBHOOK_MAX_ATTEMPTS', 'many'],
    ['ENTITLEMENT_WEBHOOK_TIMEOUT_SECONDS', '0'], ['ENTITLEMENT_WEBHOOK_TIMEOUT_SECONDS', '61'],
    ['ENTITLEMENT_WEBHOOK_RETRY_BASE_SECONDS', '-1'],
    ['ENTITLEMENT_WEBHOOK_EXPIRY_DELAY_SECONDS', '-5'],
  ] as const) {
    assert.throws(() => parseOutboundConfig(envOf({ [name]: value })), new RegExp(name), `${name}=${value}`);
  }
  assert.throws(() => parseOutboundConfig(envOf({ ENTITLEMENT_WEBHOOK_RETRY_BASE_SECONDS: '100', ENTITLEMENT_WEBHOOK_RETRY_MAX_SECONDS: '50' })),
    /ENTITLEMENT_WEBHOOK_RETRY_MAX_SECONDS must be a number from 100/);
});

test('property: each retry waits base × 2^(failures − 1), capped, within ±25 % jitter', () => {
  fc.assert(fc.property(
    fc.integer({ min: 1, max: 200 }),
    fc.integer({ min: 10, max: 600_000 }),
    fc.integer({ min: 1, max: 100 }),
    fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
    (failures, baseMs, capFactor, r) => {
      const schedule = { baseMs, maxMs: baseMs * capFactor };
      const nominal = nominalRetryDelayMs(failures, schedule);
      assert.equal(nominal, Math.min(schedule.maxMs, baseMs * 2 ** (failures - 1)));
      assert.ok(nominal <= schedule.maxMs && nominal >= baseMs);
      if (failures > 1) assert.ok(nominal >= nominalRetryDelayMs(failures - 1, schedule), 'never shorter than the one before');
      const delay = retryDelayMs(failures, schedule, () => r);
      assert.ok(delay >= Math.floor(nominal * (1 - JITTER)) && delay <= Math.ceil(nominal * (1 + JITTER)), `${delay} vs ${nominal}`);
    },
  ));
  assert.throws(() => nominalRetryDelayMs(0, { baseMs: 1, maxMs: 2 }), RangeError);
});

test('the CLI\'s command line is checked before anything touches the database', () => {
  assert.deepEqual(parseEventsCommand(['list']), { kind: 'list', status: undefined, userId: undefined, limit: 50, json: false });
  const user = '2f1c8a36-3b5e-4a53-9a0e-0b5d7c1f9e11';
  assert.deepEqual(parseEventsCommand(['list', '--status', 'dead', '--user', user, '--json']), { kind: 'list', status: 'dead', userId: user, limit: 50, json: true });
  assert.deepEqual(parseEventsCommand(['retry', '4', '7']), { kind: 'retry', deliveryIds: [4, 7] });
  assert.deepEqual(parseEventsCommand(['retry', '--dead']), { kind: 'retry-dead' });
  const id = `evt_${'a'.repeat(32)}`;
  assert.deepEqual(parseEventsCommand(['replay', id, '--endpoint', 'https://x.example/h']), { kind: 'replay', eventIds: [id], endpoint: 'https://x.example/h' });
  assert.deepEqual(parseEventsCommand(['replay', '--user', user, '--since', '2026-11-01T00:00:00Z']),
    { kind: 'replay-matching', userId: user, since: new Date('2026-11-01T00:00:00Z'), endpoint: undefined });
  for (const bad of [[], ['send'], ['list', '--status', 'lost'], ['list', '--limit', '0'], ['list', 'extra'], ['list', '--dead'],
    ['retry'], ['retry', '--dead', '3'], ['retry', 'x'], ['retry', '-1'], ['replay'], ['replay', 'evt_1'], ['replay', id, '--user', user],
    ['replay', '--since', 'yesterday'], ['replay', '--user', 'alex'], ['list', '--user']]) {
    assert.throws(() => parseEventsCommand(bad), UsageError, bad.join(' '));
  }
});
