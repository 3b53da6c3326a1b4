// Benchmark: the subscribe page in Debian's Chromium, built as for production.
//
//   npm run bench:web [-- --runs 15]
//
// For a signed-in person without a subscription it measures, over fresh browser contexts (empty
// cache), the JavaScript the page downloads (each file gzipped, Stripe.js excluded: it comes from
// Stripe) split into our code and libraries, and the time to interactive: from navigation start
// until a person can pay (Stripe.js loaded and the card form or a wallet ready), as the page marks
// it with performance.mark('subscribe:interactive'). Same stack as the browser
// tests: fake Supabase/Stripe at the network boundary, real functions and Postgres behind them.
import { gzipSync } from 'node:zlib';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { numericArg, summarize, writeReport } from './lib/bench-util.ts';
import { startWebStack } from '../web/e2e/web-stack.ts';
import { startTestPostgres } from './lib/test-postgres.ts';

const RUNS = numericArg('runs', 15);
const PASSWORD = 'bench-password-1';

async function main() {
  const pg = await startTestPostgres();
  Object.assign(process.env, pg.env);
  const stack = await startWebStack().catch(async (error) => {
    await pg.stop();
    throw error;
  });
  try {
    const email = `bench-${randomBytes(4).toString('hex')}@example.test`;
    await stack.supabase.createUser(email, PASSWORD);
    const tti: number[] = [];
    let transfer: { file: string; gzip: number }[] = [];
    for (let run = 0; run < RUNS; run++) {
      const p = await stack.open(run % 2 ? 'phone' : 'desktop');
      await p.page.goto(`${stack.origin}/sign-in?next=/account`);
      await p.page.getByLabel('Email').fill(email);
      await p.page.getByLabel('Password').fill(PASSWORD);
      await p.page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await p.page.waitForURL(`${stack.origin}/account`);

      // A cold load of the subscribe page (cache disabled), with the session stored (a returning visitor).
      const scripts: string[] = [];
      const cdp = await p.context.newCDPSession(p.page);
      await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
      p.page.on('request', (request) => {
        const url = new URL(request.url());
        if (url.origin === stack.origin && url.pathname.endsWith('.js')) scripts.push(url.pathname);
      });
      await p.page.goto(`${stack.origin}/subscribe`);
      if (p.size === 'phone') await p.page.getByRole('button', { name: 'Pay with card' }).click();
      await p.page.locator('button[type=submit]:not([disabled])', { hasText: 'Subscribe' }).waitFor();
      // The app marks the moment the form can be used (the browser's clock, not the test's polling).
      tti.push(await p.page.evaluate(() => performance.getEntriesByName('subscribe:interactive')[0]?.startTime ?? Number.NaN));
      // Sizes of exactly the files the page loaded, gzipped as a server would send them (once: every run loads the same files).
      if (run === RUNS - 1) transfer = await Promise.all([...new Set(scripts)].map(async (path) => ({
        file: path.split('/').pop()!,
        gzip: gzipSync(await readFile(join(stack.distDir, path)), { level: 9 }).length,
      })));
      await p.close();
    }
    const ours = transfer.filter((t) => !t.file.startsWith('vendor-'));
    const vendor = transfer.filter((t) => t.file.startsWith('vendor-'));
    const kb = (n: number) => Math.round((n / 1024) * 10) / 10;
    const sum = (list: { gzip: number }[]) => list.reduce((a, b) => a + b.gzip, 0);
    await writeReport('bench-web', {
      runs: RUNS,
      subscribe_page_javascript_gzip_kb: {
        total: kb(sum(transfer)),
        our_code: kb(sum(ours)),
        libraries: Object.fromEntries(vendor.map((v) => [v.file.replace(/-[\w-]{8}\.js$/, ''), kb(v.gzip)])),
        files: transfer.map((t) => ({ file: t.file, kb: kb(t.gzip) })),
        excluded: 'Stripe.js (served by Stripe)',
        target_under_80kb: sum(transfer) < 80 * 1024,
      },
      time_to_interactive_ms: summarize(tti.filter((t) => !Number.isNaN(t))),
    });
  } finally {
    await stack.stop();
    await pg.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
