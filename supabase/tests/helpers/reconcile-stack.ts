// The scheduled-reconciliation stack for tests: the Stripe stack (cloned database behind a
// cuttable proxy, the FAKE Stripe API, the real subscribe and stripe-webhook functions), plus the
// real `reconcile` function under Deno and, when asked, the App Store side it reconciles: a FAKE
// Apple signing chain its verifier trusts and the FAKE App Store Server API.
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startStripeStack, type StripeStack } from './stripe-stack.ts';
import { callFunction, startEdgeFunction, type CallResult, type RunningFunction } from './edge-function.ts';
import { FakeAppStore, generateTestChain } from '../fakes/fake-app-store.ts';
import { FakeAppStoreServerApi } from '../fakes/fake-app-store-api.ts';
import { TEST_APP_APPLE_ID } from './app-store-stack.ts';

export interface ReconcileStack extends StripeStack {
  cronSecret: string;
  reconcileFn: RunningFunction;
  /** The Apple side, when started with `appStore: true`. */
  apple?: { sandbox: FakeAppStore; api: FakeAppStoreServerApi };
  /** POST /reconcile with the cron secret (or `secret`, or none when null). */
  reconcile(body?: unknown, options?: { secret?: string | null }): Promise<CallResult>;
  /** Every ledger row, for before/after comparisons. */
  ledger(): Promise<{ store_event_id: string; event_type: string; result: string; attempts: number }[]>;
  runs(): Promise<Record<string, any>[]>; // deno-lint-ignore no-explicit-any
}

export async function startReconcileStack(options: { appStore?: boolean; env?: Record<string, string> } = {}): Promise<ReconcileStack> {
  const cronSecret = randomBytes(32).toString('base64url');
  const s = await startStripeStack({ functions: ['subscribe', 'stripe-webhook'] });
  let dir: string | undefined;
  let apple: ReconcileStack['apple'];
  let reconcileFn: RunningFunction | undefined;
  try {
    let appleEnv: Record<string, string> = {};
    if (options.appStore) {
      const chain = await generateTestChain();
      dir = await mkdtemp(join(tmpdir(), 'apple-roots-'));
      await chmod(dir, 0o755);
      const rootFile = join(dir, 'TestRootCA.cer');
      await writeFile(rootFile, chain.rootDer);
      const api = await new FakeAppStoreServerApi().start();
      apple = { sandbox: new FakeAppStore({ chain, environment: 'Sandbox', appAppleId: TEST_APP_APPLE_ID }), api };
      appleEnv = {
        APPLE_BUNDLE_ID: 'com.certgames.app',
        APPLE_APP_APPLE_ID: String(TEST_APP_APPLE_ID),
        APPLE_PRODUCT_IDS: 'com.certgames.app.monthly_premium',
        APPLE_ENVIRONMENT: 'Production',
        APPLE_ALLOW_SANDBOX: 'true',
        APPLE_ROOT_CERTIFICATES: rootFile,
        APPLE_TRUST_UNPINNED_ROOTS: 'true',
        APPLE_ONLINE_CHECKS: 'false',
        ...api.env(),
      };
    }
    reconcileFn = await startEdgeFunction('reconcile', { ...s.env, ...appleEnv, CRON_SECRET: cronSecret, ...options.env });
  } catch (error) {
    await apple?.api.stop();
    await s.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
    throw error;
  }
  const fn = reconcileFn;
  return {
    ...s,
    cronSecret,
    reconcileFn: fn,
    apple,
    reconcile(body, o = {}) {
      const secret = o.secret === undefined ? cronSecret : o.secret;
      return callFunction(fn, { body: body ?? {}, ...(secret === null ? {} : { token: secret }) });
    },
    async ledger() {
      return [...await s.db.owner<{ store_event_id: string; event_type: string; result: string; attempts: number }[]>`
        select store_event_id, event_type, result::text, attempts from billing.store_events order by store_event_id`];
    },
    async runs() {
      return [...await s.db.owner`select id, outcome::text, stripe_listed_to, stripe_backlog_before, app_store_history_to, summary, error
        from billing.reconcile_runs order by id`];
    },
    async stop() {
      await fn.stop();
      await apple?.api.stop();
      await s.stop();
      if (dir) await rm(dir, { recursive: true, force: true });
    },
  };
}
