// `npm run dev` supervises its edge functions (scripts/lib/edge-functions.ts superviseEdgeFunction):
// a Deno process that dies is started again with backoff, the restart is announced (which
// function, how it ended, the restart count), requests work again at the function's URL, and
// stopping it leaves nothing running and restarts nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { superviseEdgeFunction } from '../helpers/edge-function.ts';

async function waitFor(what: string, ok: () => boolean, timeoutMs = 30_000): Promise<void> {
  const started = Date.now();
  while (!ok()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test('a supervised edge function whose process dies is restarted with backoff, and says so', { timeout: 120_000 }, async () => {
  const lines: string[] = [];
  // No database needed: a GET is refused (405) before anything else happens.
  const fn = await superviseEdgeFunction('stripe-webhook', { STRIPE_WEBHOOK_SECRET: 'whsec_test', STRIPE_SECRET_KEY: 'sk_test_fake' }, {
    log: (line) => lines.push(line),
    initialDelayMs: 200,
  });
  const pids: number[] = [];
  try {
    assert.equal((await fetch(fn.url, { method: 'GET' })).status, 405);

    // Killed outright.
    pids.push(fn.pid!);
    process.kill(fn.pid!, 'SIGKILL');
    await waitFor('the first restart', () => lines.some((l) => /restarted \(restart 1\)/.test(l)));
    assert.match(lines[0], /^Edge function stripe-webhook died \(signal SIGKILL\); restarting it in 200 ms \(restart 1\)$/);
    assert.notEqual(fn.pid, pids[0], 'a new process');
    assert.equal(fn.exitStatus(), null);
    assert.equal((await fetch(fn.url, { method: 'GET' })).status, 405, 'serves again at its (new) url');

    // Dies again soon after: the delay doubles.
    pids.push(fn.pid!);
    process.kill(fn.pid!, 'SIGTERM');
    await waitFor('the second restart', () => lines.some((l) => /restarted \(restart 2\)/.test(l)));
    assert.ok(lines.some((l) => /^Edge function stripe-webhook died \(signal SIGTERM\); restarting it in 400 ms \(restart 2\)$/.test(l)), lines.join('\n'));
    assert.equal(fn.restarts(), 2);
    assert.equal((await fetch(fn.url, { method: 'GET' })).status, 405);
  } finally {
    pids.push(fn.pid!);
    await fn.stop();
  }
  // Stopped for good: nothing left running, and no restart after a stop.
  assert.notEqual(fn.exitStatus(), null);
  await new Promise((r) => setTimeout(r, 600));
  assert.equal(fn.restarts(), 2);
  assert.deepEqual(pids.filter(alive), [], 'no Deno process left behind');
});
