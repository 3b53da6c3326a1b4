// The App Store stack for tests: a cloned test database (through a cuttable proxy), a FAKE Apple
// signing chain whose root the functions are configured to trust, a test token signer, and the
// real app-store-notifications / app-store-sync functions under Deno.
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, type TestDatabase } from './test-database.ts';
import { createTestSigner, TEST_SUPABASE_URL, type TestSigner } from './access-tokens.ts';
import { callFunction, startEdgeFunction, type CallInit, type CallResult, type RunningFunction } from './edge-function.ts';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.ts';
import { FakeAppStore, generateTestChain, type SignedNotification, type TestChain } from '../fakes/fake-app-store.ts';

export type AppStoreFunctionName = 'app-store-notifications' | 'app-store-sync';
export const TEST_APP_APPLE_ID = 1_234_567_890;

export interface AppStoreStack {
  db: TestDatabase;
  chain: TestChain;
  sandbox: FakeAppStore;
  production: FakeAppStore;
  signer: TestSigner;
  proxy: TcpProxy;
  env: Record<string, string>;
  rootFile: string;
  functions: Partial<Record<AppStoreFunctionName, RunningFunction>>;
  notify(notification: SignedNotification | { signedPayload: unknown } | string, fn?: RunningFunction): Promise<CallResult>;
  sync(token: string, signedTransaction: unknown, fn?: RunningFunction): Promise<CallResult>;
  call(name: AppStoreFunctionName, init?: CallInit): Promise<CallResult>;
  signedUser(): Promise<{ id: string; token: string }>;
  start(name: AppStoreFunctionName, env?: Record<string, string>): Promise<RunningFunction>;
  ledgerCount(): Promise<number>;
  stop(): Promise<void>;
}

export async function startAppStoreStack(options: { functions: AppStoreFunctionName[]; env?: Record<string, string> }): Promise<AppStoreStack> {
  const db = await createTestDatabase();
  const chain = await generateTestChain();
  const dir = await mkdtemp(join(tmpdir(), 'apple-roots-'));
  await chmod(dir, 0o755);
  const rootFile = join(dir, 'TestRootCA.cer');
  await writeFile(rootFile, chain.rootDer);
  const signer = await createTestSigner();
  const proxy = await startTcpProxy(Number(process.env.TEST_PG_PORT));
  const env: Record<string, string> = {
    SUPABASE_DB_URL: db.url.replace(`:${process.env.TEST_PG_PORT}/`, `:${proxy.port}/`),
    SUPABASE_URL: TEST_SUPABASE_URL,
    SUPABASE_JWKS: signer.jwks,
    APPLE_BUNDLE_ID: 'com.certgames.app',
    APPLE_APP_APPLE_ID: String(TEST_APP_APPLE_ID),
    APPLE_PRODUCT_IDS: 'com.certgames.app.monthly_premium,com.certgames.app.yearly_premium',
    APPLE_ENVIRONMENT: 'Production',
    APPLE_ALLOW_SANDBOX: 'true',
    APPLE_ROOT_CERTIFICATES: rootFile,
    APPLE_TRUST_UNPINNED_ROOTS: 'true',
    APPLE_ONLINE_CHECKS: 'false',
    APPLE_TRANSFER_POLICY: 'keep_first_owner',
    ...options.env,
  };
  const started: RunningFunction[] = [];
  const start = async (name: AppStoreFunctionName, extra: Record<string, string> = {}) => {
    const fn = await startEdgeFunction(name, { ...env, ...extra });
    started.push(fn);
    return fn;
  };
  const functions: AppStoreStack['functions'] = {};
  await Promise.all(options.functions.map(async (name) => (functions[name] = await start(name))));

  return {
    db, chain, signer, proxy, env, rootFile, functions, start,
    sandbox: new FakeAppStore({ chain, environment: 'Sandbox', appAppleId: TEST_APP_APPLE_ID }),
    production: new FakeAppStore({ chain, environment: 'Production', appAppleId: TEST_APP_APPLE_ID }),
    notify(notification, fn = functions['app-store-notifications']!) {
      if (typeof notification === 'string') return callFunction(fn, { rawBody: notification, headers: { 'content-type': 'application/json' } });
      return callFunction(fn, { body: 'body' in notification ? notification.body : notification });
    },
    sync(token, signedTransaction, fn = functions['app-store-sync']!) {
      return callFunction(fn, { token, body: { signedTransaction } });
    },
    call(name, init) {
      return callFunction(functions[name]!, init);
    },
    async signedUser() {
      const id = await db.createUser({ provider: 'apple' });
      return { id, token: await signer.token(id) };
    },
    async ledgerCount() {
      const [row] = await db.owner`select count(*)::int as n from billing.store_events`;
      return row.n;
    },
    async stop() {
      await Promise.all(started.map((f) => f.stop()));
      await proxy.close();
      await db.drop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
