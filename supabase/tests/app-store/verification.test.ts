// Everything that must be refused with a 4xx and nothing written, the transient failures that
// must answer 5xx, and delivery-order independence — all through the real function and verifier.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { startAppStoreStack, TEST_APP_APPLE_ID, type AppStoreStack } from '../helpers/app-store-stack.ts';
import { FakeAppStore, generateTestChain, signJws, type SignedNotification } from '../fakes/fake-app-store.ts';
import { subscriptionRowOf } from '../helpers/stripe-stack.ts';

describe('app-store verification and delivery', () => {
  let s: AppStoreStack;
  before(async () => {
    s = await startAppStoreStack({ functions: ['app-store-notifications'] });
  });
  after(async () => s?.stop());

  async function refused(body: SignedNotification | { signedPayload: unknown } | string, status: number, code: string) {
    const ledger = await s.ledgerCount();
    const [subs] = await s.db.owner`select count(*)::int as n from billing.store_subscriptions`;
    const res = await s.notify(body);
    assert.equal(res.status, status, JSON.stringify(res.body));
    assert.equal(res.body.error.code, code);
    assert.equal(await s.ledgerCount(), ledger, 'nothing recorded');
    const [after] = await s.db.owner`select count(*)::int as n from billing.store_subscriptions`;
    assert.equal(after.n, subs.n, 'no subscription written');
  }

  test('a chain from another root (forged): 400', async () => {
    const forger = new FakeAppStore({ chain: await generateTestChain(), environment: 'Sandbox', appAppleId: TEST_APP_APPLE_ID });
    await refused(await forger.subscription({ appAccountToken: randomUUID() }).subscribe(), 400, 'invalid_signature');
  });

  test('a chain without Apple’s certificate OIDs: 400', async () => {
    const chain = await generateTestChain({ withAppleOids: false });
    // Same root as trusted? No: the point is the missing OIDs, so trust this chain's root too.
    const fn = await s.start('app-store-notifications', { APPLE_ROOT_CERTIFICATES: await writeRoot(chain.rootDer) });
    const store = new FakeAppStore({ chain, environment: 'Sandbox', appAppleId: TEST_APP_APPLE_ID });
    const res = await s.notify(await store.subscription().subscribe(), fn);
    assert.deepEqual([res.status, res.body.error.code], [400, 'invalid_signature']);
  });

  test('a tampered payload: 400', async () => {
    const n = await s.sandbox.subscription({ appAccountToken: randomUUID() }).subscribe();
    const [header, payload, signature] = n.body.signedPayload.split('.');
    const decoded = JSON.parse(Buffer.from(payload, 'base64url').toString());
    decoded.notificationType = 'REFUND_REVERSED';
    await refused({ signedPayload: `${header}.${Buffer.from(JSON.stringify(decoded)).toString('base64url')}.${signature}` }, 400, 'invalid_signature');
  });

  test('missing x5c, or a chain of the wrong length: 400', async () => {
    const payload = { notificationType: 'TEST', notificationUUID: randomUUID(), version: '2.0', signedDate: Date.now(), data: { bundleId: 'com.certgames.app', environment: 'Sandbox', appAppleId: TEST_APP_APPLE_ID } };
    await refused({ signedPayload: await signJws(payload, s.chain, { alg: 'ES256' }) }, 400, 'invalid_signature');
    await refused({ signedPayload: await signJws(payload, s.chain, { alg: 'ES256', x5c: s.chain.x5c.slice(0, 2) }) }, 400, 'invalid_signature');
  });

  test('another app’s bundle id: 400 wrong_app', async () => {
    const other = new FakeAppStore({ chain: s.chain, bundleId: 'com.example.other', environment: 'Sandbox', appAppleId: TEST_APP_APPLE_ID });
    await refused(await other.subscription().subscribe(), 400, 'wrong_app');
  });

  test('production data for another app Apple ID: 400 wrong_app', async () => {
    const other = new FakeAppStore({ chain: s.chain, environment: 'Production', appAppleId: 999 });
    await refused(await other.subscription().subscribe(), 400, 'wrong_app');
  });

  test('Xcode / LocalTesting data is never accepted (those verifiers skip signatures)', async () => {
    const xcode = new FakeAppStore({ chain: s.chain, environment: 'Xcode' as never, appAppleId: TEST_APP_APPLE_ID });
    const res = await s.notify(await xcode.subscription().subscribe());
    assert.equal(res.status, 400);
  });

  test('malformed bodies: 400', async () => {
    await refused('not json', 400, 'invalid_json');
    await refused({ signedPayload: 42 }, 400, 'invalid_request');
    await refused({ nothing: true } as never, 400, 'invalid_request');
    await refused({ signedPayload: 'a.b' }, 400, 'invalid_request');
  });

  test('sandbox data can be refused by configuration: 403 and nothing written', async () => {
    const fn = await s.start('app-store-notifications', { APPLE_ALLOW_SANDBOX: 'false' });
    const ledger = await s.ledgerCount();
    const res = await s.notify(await s.sandbox.subscription({ appAccountToken: randomUUID() }).subscribe(), fn);
    assert.deepEqual([res.status, res.body.error.code], [403, 'sandbox_not_allowed']);
    assert.equal(await s.ledgerCount(), ledger);
    const ok = await s.notify(await s.production.subscription({ appAccountToken: randomUUID() }).subscribe(), fn);
    assert.equal(ok.status, 200);
  });

  test('the shipped Apple roots only: an unpinned root is a configuration error, not a silent trust', async () => {
    const fn = await s.start('app-store-notifications', { APPLE_TRUST_UNPINNED_ROOTS: 'false' });
    const res = await s.notify(await s.sandbox.test(), fn);
    assert.equal(res.status, 500);
    assert.equal(res.body.error.code, 'config_error');
    assert.match(res.body.error.message, /not one of Apple's pinned root certificates/);
  });

  test('database unavailable: 503 and nothing half-written; Apple’s retry succeeds', async () => {
    const user = await s.signedUser();
    const sub = s.sandbox.subscription({ appAccountToken: user.id });
    const n = await sub.subscribe();
    s.proxy.cut();
    try {
      const res = await s.notify(n);
      assert.deepEqual([res.status, res.body.error.code], [503, 'database_unavailable']);
    } finally {
      s.proxy.resume();
    }
    assert.equal(await subscriptionRowOf(s.db, user.id), undefined);
    const retry = await s.notify(n);
    assert.deepEqual([retry.status, retry.body.result], [200, 'applied']);
  });

  test('property: any delivery order with duplicates ends in the in-order state', async () => {
    const start = Date.now() - 3_600_000; // same timeline for every run, so rows compare exactly
    const lifecycles: ((user: string) => Promise<SignedNotification[]>)[] = [
      async (user) => {
        const sub = s.sandbox.subscription({ appAccountToken: user, start });
        return [await sub.subscribe(), await sub.renew(), await sub.setAutoRenew(false), await sub.expire('VOLUNTARY')];
      },
      async (user) => {
        const sub = s.sandbox.subscription({ appAccountToken: user, start });
        return [await sub.subscribe(), await sub.failToRenew(true), await sub.graceExpired(), await sub.recover()];
      },
      async (user) => {
        const sub = s.sandbox.subscription({ appAccountToken: user, start });
        return [await sub.subscribe(), await sub.renew(), await sub.refund()];
      },
    ];
    const comparable = (row: Record<string, unknown> | undefined) => {
      const { user_id: _user, updated_at: _updated, ...rest } = row ?? {};
      return rest;
    };
    for (const lifecycle of lifecycles) {
      const reference = await s.signedUser();
      const inOrder = await lifecycle(reference.id);
      for (const n of inOrder) assert.equal((await s.notify(n)).status, 200);
      const expected = comparable(await subscriptionRowOf(s.db, reference.id));
      const n = inOrder.length;
      const indices = [...Array(n).keys()];

      await fc.assert(fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: n - 1 }), { maxLength: n })
          .chain((dups) => fc.shuffledSubarray([...indices, ...dups], { minLength: n + dups.length, maxLength: n + dups.length })),
        async (order) => {
          const user = await s.signedUser();
          const notifications = await lifecycle(user.id);
          const seen = new Set<number>();
          for (const i of order) {
            const res = await s.notify(notifications[i]);
            assert.equal(res.status, 200);
            assert.equal(res.body.result === 'duplicate', seen.has(i));
            seen.add(i);
          }
          assert.deepEqual(comparable(await subscriptionRowOf(s.db, user.id)), expected);
        },
      ), { numRuns: 15 });
    }
  });

  test('well-signed but absurd notifications: 400, nothing written', async () => {
    const sub = s.sandbox.subscription({});
    const valid = await sub.subscribe();
    const payload = JSON.parse(Buffer.from((valid.body.signedPayload as string).split('.')[1], 'base64url').toString());
    const absurd: [string, Record<string, unknown>][] = [
      ['signedDate 1e20', { signedDate: 1e20 }],
      ['a notificationUUID that is not a UUID', { notificationUUID: `${'a'.repeat(300)}` }],
      ['a notificationUUID containing NUL', { notificationUUID: '00000000-0000-4000-8000-00000000000\u0000' }],
      ['a type over 100 characters', { notificationType: 'X'.repeat(101) }],
    ];
    for (const [what, override] of absurd) {
      const signedPayload = await signJws({ ...payload, ...override }, s.chain);
      await refused({ signedPayload }, 400, 'invalid_event').catch((error) => assert.fail(`${what}: ${error.message}`));
    }
    const transaction = JSON.parse(Buffer.from((payload.data.signedTransactionInfo as string).split('.')[1], 'base64url').toString());
    for (const [what, override] of [['a transactionId over 255 characters', { transactionId: '9'.repeat(256) }], ['expiresDate 1e20', { expiresDate: 1e20 }]] as const) {
      const signedTransactionInfo = await signJws({ ...transaction, ...override }, s.chain);
      const signedPayload = await signJws({ ...payload, notificationUUID: randomUUID(), data: { ...payload.data, signedTransactionInfo } }, s.chain);
      await refused({ signedPayload }, 400, 'invalid_event').catch((error) => assert.fail(`${what}: ${error.message}`));
    }
  });
});

async function writeRoot(der: Uint8Array): Promise<string> {
  const { mkdtemp, writeFile, chmod } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = await mkdtemp(join(tmpdir(), 'apple-root-'));
  await chmod(dir, 0o755);
  const file = join(dir, 'root.cer');
  await writeFile(file, der);
  return file;
}
