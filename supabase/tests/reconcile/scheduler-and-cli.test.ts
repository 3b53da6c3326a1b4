// The two other ways the reconciliation runs: `npm run dev`'s scheduler (scripts/lib/dev-scheduler.ts,
// the stand-in for Supabase Cron) and `npm run reconcile` (scripts/reconcile.ts). Both call the
// real reconcile function, here behind a gateway that routes /functions/v1/<name> as `npm run
// dev`'s does (404 for a function that is not there).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from '../../../scripts/lib/supabase-compat.ts';
import { proxyToFunction } from '../../../scripts/lib/edge-functions.ts';
import { startDevScheduler } from '../../../scripts/lib/dev-scheduler.ts';
import { startReconcileStack, type ReconcileStack } from '../helpers/reconcile-stack.ts';
import { subscriptionRowOf, WEB_ORIGIN } from '../helpers/stripe-stack.ts';

const run = promisify(execFile);

describe('dev scheduler and npm run reconcile', () => {
  let s: ReconcileStack;
  let gateway: Server;
  let functionsUrl: string;
  const calls: { name: string; authorization?: string }[] = [];
  before(async () => {
    s = await startReconcileStack();
    gateway = createServer((req, res) => {
      const name = /^\/functions\/v1\/([\w-]+)/.exec(req.url ?? '')?.[1] ?? '';
      calls.push({ name, authorization: req.headers.authorization });
      if (name === 'reconcile') proxyToFunction(req, res, s.reconcileFn.url, '').catch(() => res.writeHead(502).end());
      else res.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"no such function"}');
    });
    await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
    functionsUrl = `http://127.0.0.1:${(gateway.address() as { port: number }).port}/functions/v1`;
  });
  after(async () => {
    gateway?.closeAllConnections();
    await new Promise<void>((resolve) => (gateway ? gateway.close(() => resolve()) : resolve()));
    await s?.stop();
  });

  async function missedPayment() {
    const user = await s.signedUser();
    const res = await s.call('subscribe', { token: user.token, origin: WEB_ORIGIN, body: {} });
    assert.equal(res.status, 200);
    s.stripe.payFirstInvoice(res.body.subscriptionId, 'succeeded');
    return user;
  }

  test('the dev scheduler calls each job on its schedule with the cron secret, one line per run; a missing function is noted once', async () => {
    const user = await missedPayment();
    const lines: string[] = [];
    calls.length = 0;
    const scheduler = startDevScheduler({
      functionsUrl, secret: s.cronSecret, log: (line) => lines.push(line),
      jobs: [{ name: 'reconcile', everyMs: 400, firstAfterMs: 10 }, { name: 'entitlement-webhooks', everyMs: 100, firstAfterMs: 10 }],
    });
    try {
      const deadline = Date.now() + 60_000;
      while (calls.filter((c) => c.name === 'reconcile').length < 2 || lines.filter((l) => / reconcile: /.test(l)).length < 2) {
        assert.ok(Date.now() < deadline, `scheduler too slow:\n${lines.join('\n')}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    } finally {
      await scheduler.stop();
    }
    const after = calls.length;
    await new Promise((resolve) => setTimeout(resolve, 600));
    assert.equal(calls.length, after, 'nothing is called once stopped');

    assert.ok(calls.every((c) => c.authorization === `Bearer ${s.cronSecret}`));
    assert.ok(calls.filter((c) => c.name === 'entitlement-webhooks').length >= 2);
    assert.equal(lines.filter((l) => /entitlement-webhooks: not deployed here \(404\)/.test(l)).length, 1, lines.join('\n'));
    const reconcileLines = lines.filter((l) => / reconcile: /.test(l));
    assert.match(reconcileLines[0], /cron reconcile: 200 (succeeded|partial): Stripe \d+ events read, [1-9]\d* new/);
    assert.equal((await subscriptionRowOf(s.db, user.id))?.is_active, true, 'the scheduled run applied the missed payment');
  });

  test('the dev scheduler never overlaps a job with itself', async () => {
    s.stripe.readLatencyMs = 300; // each run takes a while
    calls.length = 0;
    const lines: string[] = [];
    const scheduler = startDevScheduler({ functionsUrl, secret: s.cronSecret, log: (line) => lines.push(line), jobs: [] });
    try {
      const [a, b] = await Promise.all([scheduler.runNow('reconcile'), scheduler.runNow('reconcile')]);
      assert.equal(a, b, 'the second call joined the one in flight');
      assert.equal(calls.length, 1);
    } finally {
      s.stripe.readLatencyMs = 0;
      await scheduler.stop();
    }
  });

  test('npm run reconcile calls the function and prints its answer; a wrong or missing secret fails', async () => {
    const user = await missedPayment();
    const script = ['--import', 'tsx', 'scripts/reconcile.ts', '--url', `${functionsUrl}/reconcile`];
    const emptyDir = await mkdtemp(join(tmpdir(), 'no-dev-stack-'));
    const env = { PATH: process.env.PATH, HOME: process.env.HOME, DEV_DATA_DIR: join(emptyDir, 'db') };
    try {
      const ok = await run(process.execPath, [...script, '--max-events', '50'], { cwd: repoRoot, env: { ...env, CRON_SECRET: s.cronSecret } });
      assert.match(ok.stdout, /→ 200 in \d+ ms/);
      const answer = JSON.parse(ok.stdout.slice(ok.stdout.indexOf('{')));
      assert.ok(['succeeded', 'partial', 'skipped'].includes(answer.outcome), ok.stdout);
      assert.equal((await subscriptionRowOf(s.db, user.id))?.is_active, true);

      await assert.rejects(run(process.execPath, script, { cwd: repoRoot, env: { ...env, CRON_SECRET: 'not-the-secret' } }),
        (error: { code: number; stdout: string }) => error.code === 1 && /→ 401/.test(error.stdout) && /unauthorized/.test(error.stdout));
      await assert.rejects(run(process.execPath, script, { cwd: repoRoot, env }),
        (error: { code: number; stderr: string }) => error.code === 2 && /No CRON_SECRET/.test(error.stderr));
    } finally {
      await rm(emptyDir, { recursive: true, force: true });
    }
  });
});
