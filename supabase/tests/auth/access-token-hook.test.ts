// The custom access token hook (supabase/migrations/20261129120100_access_token_hook.sql), run as
// Supabase Auth runs it (as supabase_auth_admin, the function named in config.toml, GoTrue's event
// and required-claims check: helpers/access-token-hook.ts), against the real migrated database.
// Then a token minted with its claims is verified by our own auth code (_shared/auth.ts) and read
// through _shared/entitlement-claims.ts.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import postgres, { type Sql } from 'postgres';
import { createTestDatabase, userClaims, type TestDatabase } from '../helpers/test-database.ts';
import { applySubscriptionUpdate, SUBSCRIPTION_STATUSES, type SubscriptionUpdate } from '../../functions/_shared/billing-db.ts';
import {
  accessEndsAt, claimFollowsRow, entitlementClaim, isPremium, type EntitlementClaim, type SubscriptionsRowFields,
} from '../../functions/_shared/entitlement-claims.ts';
import { DAY_MS, HOUR_MS, appStoreUpdate, at, stripeUpdate } from '../helpers/fixtures.ts';
import {
  configuredAccessTokenHook, runAccessTokenHook, testSuperuserUrl, REQUIRED_CLAIMS, type AccessTokenHookEvent, type Claims,
} from '../helpers/access-token-hook.ts';
import { createTestSigner, TEST_SUPABASE_URL, type TestSigner } from '../helpers/access-tokens.ts';

const seconds = (d: Date | string | null) => (d === null ? undefined : Math.floor(new Date(d).getTime() / 1000));

describe('custom access token hook', () => {
  let db: TestDatabase;
  let authAdmin: Sql;
  let hookName: string;
  let signer: TestSigner;

  before(async () => {
    db = await createTestDatabase();
    authAdmin = postgres(testSuperuserUrl(db.name), { max: 2, onnotice: () => {} });
    const configured = await configuredAccessTokenHook();
    assert.ok(configured, 'enabled in supabase/config.toml');
    hookName = configured;
    signer = await createTestSigner();
    // _shared/auth.ts reads its configuration from the environment, as in an edge function.
    process.env.SUPABASE_URL = TEST_SUPABASE_URL;
    process.env.SUPABASE_JWKS = signer.jwks;
  });
  after(async () => {
    await authAdmin?.end();
    await db?.drop();
  });

  /** The claims GoTrue builds before the hook (the docs' example event, for this user). */
  function gotrueClaims(userId: string, extra: Claims = {}): Claims {
    const now = Math.floor(Date.now() / 1000);
    return {
      iss: `${TEST_SUPABASE_URL}/auth/v1`, aud: 'authenticated', exp: now + 3600, iat: now, sub: userId,
      email: `${userId.slice(0, 8)}@example.test`, phone: '', app_metadata: { provider: 'email', providers: ['email'] },
      user_metadata: { full_name: 'Ada' }, role: 'authenticated', aal: 'aal1',
      amr: [{ method: 'password', timestamp: now }], session_id: randomUUID(), is_anonymous: false, ...extra,
    };
  }

  const hook = (event: AccessTokenHookEvent) => runAccessTokenHook(authAdmin, hookName, event);
  const signIn = (userId: string) => hook({ user_id: userId, claims: gotrueClaims(userId), authentication_method: 'password' });

  /** A fresh user whose subscriptions are exactly these updates: the hook's claim and their view row. */
  async function userWith(...updates: ((userId: string) => SubscriptionUpdate)[]) {
    const userId = await db.createUser();
    for (const make of updates) await applySubscriptionUpdate(db.owner, make(userId));
    const claims = await signIn(userId);
    const [row] = await db.asUser(userId, (tx) => tx`select * from public.subscriptions`);
    return { userId, claim: claims.entitlements as Record<string, unknown> | undefined, row };
  }

  /** The claim is the view's row, copied (one place for the rule): never re-derived. */
  function assertClaimIsTheRow(claim: Record<string, unknown> | undefined, row: Record<string, unknown> | undefined) {
    if (!row) {
      assert.deepEqual(claim, { active: false });
      assert.equal(claimFollowsRow(entitlementClaim({ entitlements: claim })!, null), true);
      return;
    }
    const expected: Record<string, unknown> = {
      active: row.is_active, status: row.status, store: row.store, product_id: row.product_id,
      expires_at: seconds(row.current_period_ends_at as Date | null), will_renew: row.will_renew,
    };
    if (row.in_grace_period) expected.grace_period_ends_at = seconds(row.grace_period_ends_at as Date);
    for (const k of Object.keys(expected)) if (expected[k] === undefined) delete expected[k];
    assert.deepEqual(claim, expected);
    // The clients compare the two the same way (web/src/subscription/claim-follower.ts): in step.
    assert.equal(claimFollowsRow(entitlementClaim({ entitlements: claim })!, row as unknown as SubscriptionsRowFields), true);
  }

  const now = () => new Date();

  describe('the entitlements claim for every state', () => {
    test('no subscription: {active: false} and nothing else', async () => {
      const { claim, row } = await userWith();
      assert.equal(row, undefined);
      assertClaimIsTheRow(claim, row);
    });

    test('active on the web (Stripe)', async () => {
      const expiresAt = at(now(), 30 * DAY_MS);
      const { claim, row } = await userWith((u) => stripeUpdate({ userId: u, expiresAt }));
      assert.deepEqual(claim, {
        active: true, status: 'active', store: 'stripe', product_id: 'prod_premium', expires_at: seconds(expiresAt), will_renew: true,
      });
      assertClaimIsTheRow(claim, row);
    });

    test('active in the App Store', async () => {
      const expiresAt = at(now(), 30 * DAY_MS);
      const { claim, row } = await userWith((u) => appStoreUpdate({ userId: u, expiresAt }));
      assert.deepEqual(claim, {
        active: true, status: 'active', store: 'app_store', product_id: 'com.certgames.app.monthly_premium',
        expires_at: seconds(expiresAt), will_renew: true,
      });
      assertClaimIsTheRow(claim, row);
    });

    test('trialing: active until the trial ends', async () => {
      const expiresAt = at(now(), 7 * DAY_MS);
      const { claim, row } = await userWith((u) => appStoreUpdate({ userId: u, status: 'trialing', expiresAt }));
      assert.equal(claim?.active, true);
      assert.equal(claim?.status, 'trialing');
      assert.equal(claim?.expires_at, seconds(expiresAt));
      assertClaimIsTheRow(claim, row);
    });

    test('billing grace period: active, with the grace period end', async () => {
      const grace = at(now(), 5 * DAY_MS);
      const { claim, row } = await userWith((u) =>
        appStoreUpdate({ userId: u, status: 'in_grace_period', expiresAt: at(now(), -DAY_MS), gracePeriodExpiresAt: grace }));
      assert.equal(claim?.active, true);
      assert.equal(claim?.status, 'in_grace_period');
      assert.equal(claim?.grace_period_ends_at, seconds(grace));
      assertClaimIsTheRow(claim, row);
    });

    test('grace period over with no further event: inactive', async () => {
      const { claim, row } = await userWith((u) =>
        stripeUpdate({ userId: u, status: 'in_grace_period', expiresAt: at(now(), -8 * DAY_MS), gracePeriodExpiresAt: at(now(), -HOUR_MS) }));
      assert.equal(claim?.active, false);
      assertClaimIsTheRow(claim, row);
    });

    test('past due (the store is retrying): inactive although the period runs on', async () => {
      const { claim, row } = await userWith((u) => stripeUpdate({ userId: u, status: 'past_due', expiresAt: at(now(), 29 * DAY_MS) }));
      assert.equal(claim?.active, false);
      assert.equal(claim?.status, 'past_due');
      assert.equal('grace_period_ends_at' in (claim ?? {}), false);
      assertClaimIsTheRow(claim, row);
    });

    test('expired', async () => {
      const { claim, row } = await userWith((u) =>
        stripeUpdate({ userId: u, status: 'expired', willRenew: false, expiresAt: at(now(), -DAY_MS) }));
      assert.deepEqual({ active: claim?.active, status: claim?.status, will_renew: claim?.will_renew }, { active: false, status: 'expired', will_renew: false });
      assertClaimIsTheRow(claim, row);
    });

    test('past its expiry with no further event: inactive, although the store last said active', async () => {
      const { claim, row } = await userWith((u) => stripeUpdate({ userId: u, eventAt: at(now(), -31 * DAY_MS), expiresAt: at(now(), -HOUR_MS) }));
      assert.equal(claim?.active, false);
      assert.equal(claim?.status, 'active');
      assertClaimIsTheRow(claim, row);
    });

    test('refunded (a refund of the current period, a period fact): inactive at once', async () => {
      const sub = `orig-refund-${randomUUID()}`;
      const expiresAt = at(now(), 20 * DAY_MS);
      const { claim, row } = await userWith(
        (u) => appStoreUpdate({
          userId: u, storeSubscriptionId: sub, eventAt: at(now(), -DAY_MS), expiresAt, currentPeriodId: 'txn-1',
          period: { id: 'txn-1', endsAt: expiresAt, state: 'paid', stateAt: at(now(), -DAY_MS) },
        }),
        (u) => appStoreUpdate({
          userId: u, storeSubscriptionId: sub, eventType: 'REFUND', snapshotRank: 0, expiresAt,
          period: { id: 'txn-1', endsAt: expiresAt, state: 'refunded', stateAt: now() },
        }),
      );
      assert.equal(claim?.active, false);
      assert.equal(claim?.status, 'refunded');
      assertClaimIsTheRow(claim, row);
    });

    test('revoked (family sharing withdrawn): inactive at once', async () => {
      const sub = `orig-revoke-${randomUUID()}`;
      const { claim, row } = await userWith(
        (u) => appStoreUpdate({ userId: u, storeSubscriptionId: sub, eventAt: at(now(), -DAY_MS), isFamilyShared: true }),
        (u) => appStoreUpdate({ userId: u, storeSubscriptionId: sub, status: 'revoked', willRenew: false, isFamilyShared: true }),
      );
      assert.equal(claim?.active, false);
      assert.equal(claim?.status, 'revoked');
      assertClaimIsTheRow(claim, row);
    });

    test('payment still processing (incomplete): not active', async () => {
      const { claim, row } = await userWith((u) => stripeUpdate({ userId: u, status: 'incomplete' }));
      assert.equal(claim?.active, false);
      assert.equal(claim?.status, 'incomplete');
      assertClaimIsTheRow(claim, row);
    });

    test('active in both stores: the subscription the view shows (the renewing one)', async () => {
      const { claim, row } = await userWith(
        (u) => stripeUpdate({ userId: u, willRenew: false, expiresAt: at(now(), 3 * DAY_MS) }),
        (u) => appStoreUpdate({ userId: u, willRenew: true, expiresAt: at(now(), 20 * DAY_MS) }),
      );
      assert.equal(row?.active_in_both_stores, true);
      assert.equal(claim?.active, true);
      assert.equal(claim?.store, 'app_store');
      assert.equal(claim?.will_renew, true);
      assertClaimIsTheRow(claim, row);
    });

    test('canceled at period end (will not renew): active until the end, will_renew false', async () => {
      const expiresAt = at(now(), 5 * DAY_MS);
      const { claim, row } = await userWith((u) => stripeUpdate({ userId: u, willRenew: false, expiresAt }));
      assert.deepEqual(claim, {
        active: true, status: 'active', store: 'stripe', product_id: 'prod_premium', expires_at: seconds(expiresAt), will_renew: false,
      });
      assertClaimIsTheRow(claim, row);
    });

    test('the claim stays small: under 200 bytes in the worst case', async () => {
      const { claim } = await userWith((u) =>
        appStoreUpdate({ userId: u, status: 'in_grace_period', productId: 'com.certgames.app.monthly_premium', expiresAt: at(now(), -DAY_MS), gracePeriodExpiresAt: at(now(), DAY_MS) }));
      assert.ok(JSON.stringify(claim).length < 200, JSON.stringify(claim));
    });
  });

  describe('never in the way of a sign-in', () => {
    test('every claim Supabase Auth passed in comes back unchanged, whatever they are (property)', async () => {
      const userId = await db.createUser();
      await applySubscriptionUpdate(db.owner, stripeUpdate({ userId }));
      const noNul = (v: unknown) => !JSON.stringify(v).includes('\\u0000'); // jsonb refuses U+0000, and so would GoTrue's call
      const extraClaims = fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 6 })
        .filter((d) => noNul(d) && !('entitlements' in d));
      const methods = fc.constantFrom('password', 'oauth', 'token_refresh', 'magiclink', 'otp', 'email/signup') as fc.Arbitrary<AccessTokenHookEvent['authentication_method']>;
      await fc.assert(fc.asyncProperty(extraClaims, methods, async (extra, method) => {
        const input = JSON.parse(JSON.stringify(gotrueClaims(userId, extra))) as Claims;
        const output = await hook({ user_id: userId, claims: input, authentication_method: method });
        const { entitlements, ...rest } = output;
        assert.deepEqual(rest, input);
        assert.equal((entitlements as EntitlementClaim).active, true);
      }), { numRuns: 60 });
    });

    test('a user id with no row at all (e.g. a user deleted meanwhile) still gets a token: {active: false}', async () => {
      const ghost = randomUUID();
      const claims = await hook({ user_id: ghost, claims: gotrueClaims(ghost), authentication_method: 'token_refresh' });
      assert.deepEqual(claims.entitlements, { active: false });
    });

    test('when the row cannot be read the token is still issued, with the claim left out (unknown, not "not subscribed")', async () => {
      const userId = await db.createUser();
      await applySubscriptionUpdate(db.owner, stripeUpdate({ userId }));
      const input = gotrueClaims(userId);
      // A broken grant (a later migration's mistake): the hook must not fail the sign-in. Revoked in
      // a transaction that is then rolled back, so the grant is intact afterwards.
      class Rollback extends Error {}
      let output: { claims: Claims } | undefined;
      await authAdmin.begin(async (tx) => {
        await tx`revoke select on public.subscriptions from supabase_auth_admin`;
        await tx.unsafe('set local role supabase_auth_admin');
        const [r] = await tx.unsafe(`select ${hookName}($1) as output`, [tx.json({ user_id: userId, claims: input, authentication_method: 'password' } as never) as never]);
        output = r.output;
        throw new Rollback();
      }).catch((error) => {
        if (!(error instanceof Rollback)) throw error;
      });
      assert.ok(output);
      assert.deepEqual(output.claims, input);
      assert.equal(entitlementClaim(output.claims), null);
      // And the grant is intact afterwards: the next sign-in has the claim.
      assert.equal(((await signIn(userId)).entitlements as EntitlementClaim).active, true);
    });
  });

  describe('privileges: Supabase Auth only', () => {
    test('anon, a signed-in user and service_role cannot execute it (not through the Data API either)', async () => {
      const userId = await db.createUser();
      const event = { user_id: userId, claims: gotrueClaims(userId), authentication_method: 'password' };
      for (const [role, claims] of [['anon', { role: 'anon' }], ['authenticated', userClaims(userId)], ['service_role', { role: 'service_role' }]] as const) {
        await assert.rejects(
          db.asApi(role, claims, (tx) => tx`select public.custom_access_token_hook(${tx.json(event as never)})`),
          (e: { code?: string }) => e.code === '42501',
          `${role} must not execute the hook`,
        );
      }
      // supabase_auth_admin can (the claim is computed, not left out).
      assert.deepEqual((await signIn(userId)).entitlements, { active: false });
    });

    test('the function is exactly as the docs ask: plain invoker, fixed search_path, execute granted to supabase_auth_admin only', async () => {
      const [fn] = await db.owner`
        select p.prosecdef, p.proconfig, p.provolatile, pg_get_function_result(p.oid) as result, pg_get_function_arguments(p.oid) as args,
               array(select a.grantee::regrole::text from aclexplode(p.proacl) a where a.privilege_type = 'EXECUTE' order by 1) as executors
        from pg_proc p where p.oid = 'public.custom_access_token_hook(jsonb)'::regprocedure`;
      assert.equal(fn.prosecdef, false);
      assert.deepEqual(fn.proconfig, ['search_path=""']);
      assert.equal(fn.args, 'event jsonb');
      assert.equal(fn.result, 'jsonb');
      assert.deepEqual(fn.executors, ['postgres', 'supabase_auth_admin']); // the owner, and Auth
    });

    test('supabase_auth_admin reads every owner\'s subscription row, but not the raw store payload', async () => {
      const a = await db.createUser();
      const b = await db.createUser();
      await applySubscriptionUpdate(db.owner, stripeUpdate({ userId: a }));
      await applySubscriptionUpdate(db.owner, appStoreUpdate({ userId: b }));
      const seen = await authAdmin.begin(async (tx) => {
        await tx.unsafe('set local role supabase_auth_admin');
        return tx`select user_id from billing.store_subscriptions where user_id in (${a}, ${b}) order by store`;
      });
      assert.equal(seen.length, 2);
      await assert.rejects(
        authAdmin.begin(async (tx) => {
          await tx.unsafe('set local role supabase_auth_admin');
          return tx`select latest_payload from billing.store_subscriptions limit 1`;
        }),
        (e: { code?: string }) => e.code === '42501',
      );
    });
  });

  describe('a token minted with the hook, verified by our auth code', () => {
    async function verifiedUser(userId: string, method: AccessTokenHookEvent['authentication_method'] = 'password') {
      const token = await signer.token(userId, {
        customize: (claims) => hook({ user_id: userId, claims, authentication_method: method }),
      });
      const { authenticate } = await import('../../functions/_shared/auth.ts');
      return authenticate(new Request('http://functions.test/', { headers: { authorization: `Bearer ${token}` } }));
    }

    test('a subscriber: premium now, and not once the period the token was issued in has ended', async () => {
      const userId = await db.createUser();
      const expiresAt = at(now(), 2 * HOUR_MS);
      await applySubscriptionUpdate(db.owner, stripeUpdate({ userId, expiresAt }));
      const user = await verifiedUser(userId);
      assert.equal(user.id, userId);
      assert.equal(user.entitlements?.active, true);
      assert.equal(user.entitlements?.store, 'stripe');
      assert.equal(isPremium(user.entitlements, now()), true);
      // A stale token cannot outlive the period: past expires_at the same claim says no.
      assert.equal(isPremium(user.entitlements, at(expiresAt, 1000)), false);
      assert.equal(accessEndsAt(user.entitlements)?.getTime(), seconds(expiresAt)! * 1000);
    });

    test('in grace: premium until the grace period ends, not the (past) period end', async () => {
      const userId = await db.createUser();
      const grace = at(now(), 3 * DAY_MS);
      await applySubscriptionUpdate(db.owner, appStoreUpdate({ userId, status: 'in_grace_period', expiresAt: at(now(), -DAY_MS), gracePeriodExpiresAt: grace }));
      const user = await verifiedUser(userId);
      assert.equal(isPremium(user.entitlements, now()), true);
      assert.equal(isPremium(user.entitlements, at(grace, -60_000)), true);
      assert.equal(isPremium(user.entitlements, at(grace, 1000)), false);
    });

    test('no subscription: the claim says so, not premium', async () => {
      const user = await verifiedUser(await db.createUser());
      assert.deepEqual(user.entitlements, { active: false });
      assert.equal(isPremium(user.entitlements, now()), false);
    });

    test('the claim follows the row at the next refresh', async () => {
      const userId = await db.createUser();
      const before = await verifiedUser(userId);
      assert.equal(isPremium(before.entitlements), false);
      await applySubscriptionUpdate(db.owner, appStoreUpdate({ userId }));
      const refreshed = await verifiedUser(userId, 'token_refresh');
      assert.equal(isPremium(refreshed.entitlements), true);
      await applySubscriptionUpdate(db.owner, appStoreUpdate({
        userId, storeSubscriptionId: String((await db.owner`select store_subscription_id from billing.store_subscriptions where user_id = ${userId}`)[0].store_subscription_id),
        status: 'revoked', willRenew: false,
      }));
      const [row] = await db.asUser(userId, (tx) => tx`select * from public.subscriptions`);
      const revoked = await verifiedUser(userId, 'token_refresh');
      assert.equal(isPremium(revoked.entitlements), false);
      // What the clients check to decide to refresh: the old token is behind the row, the new one is not.
      assert.equal(claimFollowsRow(refreshed.entitlements!, row as unknown as SubscriptionsRowFields), false);
      assert.equal(claimFollowsRow(revoked.entitlements!, row as unknown as SubscriptionsRowFields), true);
      // The token issued before the revocation still says premium: why servers read the view for
      // decisions that must be current (docs/entitlement-claims.md).
      assert.equal(isPremium(refreshed.entitlements), true);
    });

    test('a token without the claim (hook not enabled) verifies, and says nothing: null, not premium', async () => {
      const userId = await db.createUser();
      const token = await signer.token(userId);
      const { authenticate } = await import('../../functions/_shared/auth.ts');
      const user = await authenticate(new Request('http://functions.test/', { headers: { authorization: `Bearer ${token}` } }));
      assert.equal(user.entitlements, null);
      assert.equal(isPremium(user.entitlements), false);
    });

    test('every claim GoTrue requires is still there after the hook', async () => {
      const userId = await db.createUser();
      const claims = await signIn(userId);
      for (const c of REQUIRED_CLAIMS) assert.ok(c in claims, c);
    });
  });

  test('the TypeScript example of docs/entitlement-claims.md, against a JWKS served over HTTP', async () => {
    const { premiumChecker, NotAuthenticated } = await import('../../../docs/examples/premium-check.ts');
    const { createServer } = await import('node:http');
    let jwksFetches = 0;
    const server = createServer((req, res) => {
      if (req.url !== '/auth/v1/.well-known/jwks.json') return void res.writeHead(404).end();
      jwksFetches++;
      res.writeHead(200, { 'content-type': 'application/json' }).end(projectSigner.jwks);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const projectUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    const projectSigner = await createTestSigner(undefined, `${projectUrl}/auth/v1`);
    try {
      const check = premiumChecker(projectUrl);
      const subscriber = await db.createUser();
      const expiresAt = at(now(), 10 * DAY_MS);
      await applySubscriptionUpdate(db.owner, stripeUpdate({ userId: subscriber, expiresAt }));
      const issue = (userId: string, o = {}) =>
        projectSigner.token(userId, { ...o, customize: (claims) => hook({ user_id: userId, claims, authentication_method: 'password' }) });
      const caller = await check(`Bearer ${await issue(subscriber)}`);
      assert.deepEqual({ userId: caller.userId, premium: caller.premium, store: caller.entitlements?.store }, { userId: subscriber, premium: true, store: 'stripe' });
      assert.equal((await check(`Bearer ${await issue(subscriber)}`, at(expiresAt, 1000))).premium, false);
      const nobody = await db.createUser();
      assert.deepEqual(await check(`Bearer ${await issue(nobody)}`), { userId: nobody, entitlements: { active: false }, premium: false });
      for (const bad of [undefined, 'Bearer', `Bearer ${await issue(subscriber, { foreignKey: true })}`, `Bearer ${await issue(subscriber, { expiresInSeconds: -60 })}`,
        `Bearer ${await issue(subscriber, { issuer: 'https://other.supabase.co/auth/v1' })}`, `Bearer ${await issue(subscriber, { role: 'anon' })}`]) {
        await assert.rejects(check(bad), NotAuthenticated, String(bad).slice(0, 40));
      }
      assert.ok(jwksFetches >= 1, 'the key set came from the JWKS endpoint');
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  test('isPremium on the claim agrees with the database rule at every later instant (property)', async () => {
    // Whole seconds, so the claim's rounding to seconds is exact and the comparison is strict.
    const statuses = fc.constantFrom(...SUBSCRIPTION_STATUSES);
    const offset = fc.integer({ min: -3 * 86_400, max: 3 * 86_400 });
    await fc.assert(fc.asyncProperty(statuses, offset, offset, fc.integer({ min: 0, max: 6 * 86_400 }), async (status, expiresIn, graceIn, laterIn) => {
      const base = Math.ceil(Date.now() / 1000) * 1000;
      const entitling = ['trialing', 'active', 'in_grace_period'].includes(status);
      const expiresAt = new Date(base + expiresIn * 1000);
      const grace = status === 'in_grace_period' ? new Date(base + graceIn * 1000) : null;
      const userId = await db.createUser();
      await applySubscriptionUpdate(db.owner, stripeUpdate({
        userId, status, expiresAt: entitling || expiresIn % 2 === 0 ? expiresAt : null, gracePeriodExpiresAt: grace,
        willRenew: status !== 'expired',
      }));
      const claim = entitlementClaim(await signIn(userId));
      assert.ok(claim, 'the hook always says something for a readable row');
      const later = new Date(base + laterIn * 1000);
      const [{ entitled }] = await db.owner`
        select billing.is_entitled(s.status, s.expires_at, s.grace_period_expires_at, ${later}) as entitled
        from billing.store_subscriptions s where s.user_id = ${userId}`;
      assert.equal(isPremium(claim, later), entitled, JSON.stringify({ claim, later }));
    }), { numRuns: 60 });
  });
});

describe('entitlementClaim (pure)', () => {
  const valid = { active: true, status: 'active', store: 'stripe', product_id: 'p', expires_at: 1_900_000_000, will_renew: true };

  test('reads the hook\'s shape, keeps only its fields', () => {
    assert.deepEqual(entitlementClaim({ entitlements: { ...valid, extra: 1 } }), valid);
    assert.deepEqual(entitlementClaim({ entitlements: { active: false } }), { active: false });
  });

  test('anything else is "the token does not say": null (and never premium)', () => {
    const bad: unknown[] = [
      undefined, null, 'yes', [valid], {}, { active: 'true' },
      { ...valid, status: 'gold' }, { ...valid, store: 'play' }, { ...valid, expires_at: '1900000000' }, { ...valid, expires_at: 1.5 },
      { ...valid, product_id: '' }, { ...valid, will_renew: 1 },
      { active: true, status: 'active' }, // active with no end: could never end
      { active: true, status: 'in_grace_period', expires_at: 1_900_000_000 }, // grace with no grace end
    ];
    for (const entitlements of bad) {
      const claim = entitlementClaim({ entitlements });
      assert.equal(claim, null, JSON.stringify(entitlements));
      assert.equal(isPremium(claim, new Date(0)), false);
    }
  });

  test('inactive when issued stays inactive, whatever the dates say', () => {
    const claim = entitlementClaim({ entitlements: { ...valid, active: false, status: 'past_due' } });
    assert.equal(isPremium(claim, new Date(0)), false);
  });
});
