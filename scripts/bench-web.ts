// Benchmark: the sign-in and subscribe pages in Debian's Chromium, built as for production.
//
//   npm run bench:web [-- --runs 15] [-- --no-lighthouse]
//
// Over fresh browser contexts (empty cache) it measures, for each page, the JavaScript the page
// downloads (each file gzipped as a server would send it; Stripe.js excluded: it comes from Stripe)
// against the budget — /sign-in ≤ 90 KB for a signed-out visitor, /subscribe ≤ 100 KB for a
// signed-in person without a subscription — split into our code and libraries, and the time to
// interactive as each page marks it (performance.mark 'sign-in:interactive': the form can be used;
// 'subscribe:interactive': Stripe.js loaded and the card form or a wallet ready). Then Lighthouse
// (the npm package) audits both pages, mobile and desktop: performance, accessibility and
// best-practices scores. Same stack as the browser tests: fake Supabase/Stripe at the network
// boundary, real functions and Postgres behind them.
import { gzipSync } from 'node:zlib';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { chromium } from 'playwright-core';
import { numericArg, summarize, writeReport } from './lib/bench-util.ts';
import { freePort } from './lib/local-postgres.ts';
import { runLighthouse, type LighthouseRun } from './lib/lighthouse.ts';
import { CHROMIUM, startWebStack, type WebPage, type WebStack } from '../web/e2e/web-stack.ts';
import { startTestPostgres } from './lib/test-postgres.ts';

const RUNS = numericArg('runs', 15);
const PASSWORD = 'bench-password-1';
/** The budgets, in KB of gzipped JavaScript (Stripe.js excluded). */
const BUDGET_KB = { '/sign-in': 90, '/subscribe': 100 } as const;
type Route = keyof typeof BUDGET_KB;

const kb = (n: number) => Math.round((n / 1024) * 10) / 10;

interface Loaded { file: string; gzip: number }

/** Loads `route` cold (cache disabled) and returns the files of ours it fetched and its interactive mark. */
async function coldLoad(stack: WebStack, p: WebPage, route: Route): Promise<{ scripts: string[]; tti: number }> {
  const scripts: string[] = [];
  const cdp = await p.context.newCDPSession(p.page);
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  p.page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.origin === stack.origin && url.pathname.endsWith('.js')) scripts.push(url.pathname);
  });
  await p.page.goto(`${stack.origin}${route}`);
  if (route === '/subscribe') {
    if (p.size === 'phone') await p.page.getByRole('button', { name: 'Pay with card' }).click();
    await p.page.locator('form button[type=submit]:not([disabled])').first().waitFor();
  } else {
    await p.page.getByRole('button', { name: 'Sign in', exact: true }).waitFor();
  }
  // The page marks the moment it can be used (the browser's clock, not the test's polling).
  const mark = `${route.slice(1)}:interactive`;
  await p.page.waitForFunction((name) => performance.getEntriesByName(name).length > 0, mark, { timeout: 15_000 }).catch(() => {});
  const tti = await p.page.evaluate((name) => performance.getEntriesByName(name)[0]?.startTime ?? Number.NaN, mark);
  return { scripts, tti };
}

async function signIn(stack: WebStack, page: WebPage['page'], email: string) {
  await page.goto(`${stack.origin}/sign-in?next=/account`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.waitForURL(`${stack.origin}/account`);
}

function sizes(stack: WebStack, paths: string[]): Promise<Loaded[]> {
  return Promise.all([...new Set(paths)].map(async (path) => ({
    file: path.split('/').pop()!,
    gzip: gzipSync(await readFile(join(stack.distDir, path)), { level: 9 }).length,
  })));
}

function report(route: Route, files: Loaded[], tti: number[]) {
  const sum = (list: Loaded[]) => list.reduce((a, b) => a + b.gzip, 0);
  const vendor = files.filter((t) => t.file.startsWith('vendor-'));
  const ours = files.filter((t) => !t.file.startsWith('vendor-'));
  return {
    javascript_gzip_kb: kb(sum(files)),
    budget_kb: BUDGET_KB[route],
    within_budget: kb(sum(files)) <= BUDGET_KB[route],
    our_code_kb: kb(sum(ours)),
    libraries_kb: Object.fromEntries(vendor.map((v) => [v.file.replace(/-[\w-]{8}\.js$/, ''), kb(v.gzip)])),
    files: files.map((t) => ({ file: t.file, kb: kb(t.gzip) })).sort((a, b) => b.kb - a.kb),
    excluded: 'Stripe.js (served by Stripe)',
    time_to_interactive_ms: summarize(tti.filter((t) => !Number.isNaN(t))),
  };
}

/**
 * Lighthouse in its own Chromium (remote debugging on a free port), in a persistent context that is
 * signed in and has the same Stripe fakes routed as the test pages, so /subscribe renders as for a
 * person.
 */
async function lighthouseRuns(stack: WebStack, email: string): Promise<Record<string, LighthouseRun>> {
  const port = await freePort();
  const profile = await mkdtemp(join(tmpdir(), 'bench-web-lighthouse-'));
  const context = await chromium.launchPersistentContext(profile, { ...CHROMIUM, args: [...CHROMIUM.args, `--remote-debugging-port=${port}`] });
  try {
    await stack.routeFakes(context);
    const page = context.pages()[0] ?? await context.newPage();
    const results: Record<string, LighthouseRun> = {};
    // Signed out first, then signed in for the checkout.
    for (const formFactor of ['mobile', 'desktop'] as const) results[`/sign-in (${formFactor})`] = await runLighthouse(`${stack.origin}/sign-in`, port, formFactor);
    await signIn(stack, page, email);
    for (const formFactor of ['mobile', 'desktop'] as const) results[`/subscribe (${formFactor})`] = await runLighthouse(`${stack.origin}/subscribe`, port, formFactor);
    return results;
  } finally {
    await context.close();
    await rm(profile, { recursive: true, force: true });
  }
}

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
    const tti: Record<Route, number[]> = { '/sign-in': [], '/subscribe': [] };
    const loaded: Record<Route, string[]> = { '/sign-in': [], '/subscribe': [] };
    for (let run = 0; run < RUNS; run++) {
      const size = run % 2 ? 'phone' : 'desktop';
      // A first visit to /sign-in: signed out, nothing cached.
      const visitor = await stack.open(size);
      const signInPage = await coldLoad(stack, visitor, '/sign-in');
      tti['/sign-in'].push(signInPage.tti);
      loaded['/sign-in'] = signInPage.scripts;
      await visitor.close();

      // A cold load of /subscribe with the session stored (a returning visitor).
      const member = await stack.open(size);
      await signIn(stack, member.page, email);
      const subscribePage = await coldLoad(stack, member, '/subscribe');
      tti['/subscribe'].push(subscribePage.tti);
      loaded['/subscribe'] = subscribePage.scripts;
      await member.close();
    }
    const lighthouse = process.argv.includes('--no-lighthouse') ? undefined : await lighthouseRuns(stack, email);
    await writeReport('bench-web', {
      runs: RUNS,
      'sign-in': report('/sign-in', await sizes(stack, loaded['/sign-in']), tti['/sign-in']),
      subscribe: report('/subscribe', await sizes(stack, loaded['/subscribe']), tti['/subscribe']),
      ...(lighthouse ? { lighthouse } : {}),
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
