// `npm run simulate` against `npm run dev`: each scenario runs through the real endpoints and ends
// where it should. The simulate CLI itself checks every step's resulting status and fails otherwise.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from '../../scripts/lib/supabase-compat.ts';
import { devEnv, interrupt, startDev } from './helpers/dev-stack.ts';

const run = promisify(execFile);
let dir: string;
let env: Record<string, string>;
let dev: ReturnType<typeof startDev> | undefined;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'simulate-test-'));
  await chmod(dir, 0o755);
  env = await devEnv(join(dir, 'db'));
});
after(async () => {
  if (dev) await interrupt(dev.child);
  await rm(dir, { recursive: true, force: true });
});

async function simulate(...args: string[]) {
  return run(process.execPath, ['--import', 'tsx', 'scripts/simulate.ts', ...args], { cwd: repoRoot, env: { ...process.env, ...env } })
    .then((r) => ({ code: 0, out: r.stdout + r.stderr }), (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: e.stdout + e.stderr }));
}

test('without a running stack it says how to start one', async () => {
  const { code, out } = await simulate();
  assert.equal(code, 2);
  assert.match(out, /npm run dev/);
});

test('the Stripe scenario: subscribe, renew, payment failure, recovery, cancel at period end, deleted', { timeout: 120_000 }, async () => {
  dev = startDev(env);
  await dev.ready;
  const { code, out } = await simulate('--scenario', 'stripe');
  assert.equal(code, 0, out);
  const statuses = [...out.matchAll(/subscriptions row: stripe (\w+) · (ACTIVE|inactive)/g)].map((m) => `${m[1]}:${m[2]}`);
  assert.deepEqual(statuses, ['incomplete:inactive', 'active:ACTIVE', 'active:ACTIVE', 'in_grace_period:ACTIVE', 'active:ACTIVE', 'active:ACTIVE', 'expired:inactive']);
  assert.match(out, /invoice\.paid → 200 applied/);
  assert.match(out, /PASS {2}7 steps, final expired/);
});

test('the App Store scenario: initial buy, renew, grace period, recovery, refund, expired (the refunded period stays refunded)', { timeout: 120_000 }, async () => {
  const { code, out } = await simulate('--scenario', 'apple');
  assert.equal(code, 0, out);
  const statuses = [...out.matchAll(/subscriptions row: app_store (\w+) · (ACTIVE|inactive)/g)].map((m) => `${m[1]}:${m[2]}`);
  assert.deepEqual(statuses, ['active:ACTIVE', 'active:ACTIVE', 'in_grace_period:ACTIVE', 'active:ACTIVE', 'refunded:inactive', 'refunded:inactive']);
  assert.match(out, /SUBSCRIBED\.INITIAL_BUY → 200 applied/);
});
