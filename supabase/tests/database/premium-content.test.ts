// Premium data behind RLS: public.has_entitlement() and public.practice_questions, read exactly as
// PostgREST reads them (role + request.jwt.claims in the request's transaction), for every
// entitlement state the stores can put a person in. Subscriptions are written through the real
// write path (billing.apply_subscription_update), except in the property test, which writes rows of
// every shape directly and compares the helper with public.subscriptions, the rule's other reader.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import type { TransactionSql } from 'postgres';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.ts';
import { applySubscriptionUpdate, SUBSCRIPTION_STATUSES, type SubscriptionUpdate } from '../../functions/_shared/billing-db.ts';
import { DAY_MS, HOUR_MS, appStoreUpdate, at, hasCode, stripeUpdate } from '../helpers/fixtures.ts';
import { runSqlFile, seedFile } from '../../../scripts/lib/supabase-compat.ts';

const APP_STORE_PRODUCT = 'com.certgames.app.monthly_premium';
const STRIPE_PRODUCT = 'prod_premium';

describe('premium content behind RLS', () => {
  let db: TestDatabase;
  /** Question ids by kind, in the order the apps read them. */
  let free: string[];
  let premium: string[];
  let all: string[];

  before(async () => {
    db = await createTestDatabase();
    const rows = await db.owner<{ id: string; is_premium: boolean }[]>`
      insert into public.practice_questions (exam_code, position, question, choices, answer, explanation, is_premium)
      values ('test-exam', 1, 'Free one', '["a", "b"]', 0, 'Because.', false),
             ('test-exam', 2, 'Premium one', '["a", "b", "c"]', 2, 'Because.', true),
             ('test-exam', 3, 'Free two', '["a", "b"]', 1, 'Because.', false),
             ('other-exam', 1, 'Premium two', '["a", "b", "c", "d"]', 3, 'Because.', true)
      returning id::text, is_premium`;
    free = rows.filter((r) => !r.is_premium).map((r) => r.id).sort();
    premium = rows.filter((r) => r.is_premium).map((r) => r.id).sort();
    all = [...free, ...premium].sort();
  });
  after(async () => db?.drop());

  const questionIds = (tx: TransactionSql) =>
    tx<{ id: string }[]>`select id::text from public.practice_questions`.then((rows) => rows.map((r) => r.id).sort());

  /** What a signed-in person reads: the question ids, their helper's answer, their subscriptions row. */
  async function readAs(userId: string) {
    return db.asUser(userId, async (tx) => {
      const ids = await questionIds(tx);
      const [{ entitled }] = await tx`select public.has_entitlement() as entitled`;
      const [row] = await tx`select is_active, status from public.subscriptions`;
      return { ids, entitled: entitled as boolean, isActive: (row?.is_active ?? false) as boolean, status: row?.status as string | undefined };
    });
  }

  async function userWith(...updates: ((userId: string) => SubscriptionUpdate)[]) {
    const userId = await db.createUser();
    for (const make of updates) await applySubscriptionUpdate(db.owner, make(userId));
    return userId;
  }

  const now = () => new Date();
  /** An App Store purchase of period tx, then a statement about that same period (refund, revocation). */
  const periodFact = (state: 'refunded' | 'revoked') => {
    const sid = String(2_000_000_000_000_000n + BigInt(Math.floor(Math.random() * 1e12)));
    const endsAt = at(now(), 20 * DAY_MS);
    return [
      (u: string) => appStoreUpdate({ userId: u, storeSubscriptionId: sid, eventAt: at(now(), -DAY_MS), expiresAt: endsAt, currentPeriodId: `tx-${sid}`,
        period: { id: `tx-${sid}`, endsAt, state: 'paid', stateAt: at(now(), -DAY_MS) } }),
      (u: string) => appStoreUpdate({ userId: u, storeSubscriptionId: sid, eventType: state === 'refunded' ? 'REFUND' : 'REVOKE', snapshotRank: 0,
        period: { id: `tx-${sid}`, endsAt, state, stateAt: at(now(), -HOUR_MS) } }),
    ];
  };

  // state → the subscriptions that put a person in it, and whether they read premium questions.
  const states: [string, ((u: string) => SubscriptionUpdate)[], boolean, string | undefined][] = [
    ['never subscribed', [], false, undefined],
    ['active (Stripe)', [(u) => stripeUpdate({ userId: u })], true, 'active'],
    ['active (App Store)', [(u) => appStoreUpdate({ userId: u })], true, 'active'],
    ['trialing', [(u) => appStoreUpdate({ userId: u, status: 'trialing', expiresAt: at(now(), 3 * DAY_MS) })], true, 'trialing'],
    ['canceled at period end, period not over', [(u) => stripeUpdate({ userId: u, willRenew: false, expiresAt: at(now(), 2 * DAY_MS) })], true, 'active'],
    ['in billing grace period', [(u) => appStoreUpdate({ userId: u, status: 'in_grace_period', expiresAt: at(now(), -DAY_MS), gracePeriodExpiresAt: at(now(), 5 * DAY_MS) })], true, 'in_grace_period'],
    ['grace period over, no event since', [(u) => appStoreUpdate({ userId: u, status: 'in_grace_period', expiresAt: at(now(), -7 * DAY_MS), gracePeriodExpiresAt: at(now(), -HOUR_MS) })], false, 'in_grace_period'],
    ['past due (Stripe retrying)', [(u) => stripeUpdate({ userId: u, status: 'past_due', expiresAt: at(now(), 25 * DAY_MS) })], false, 'past_due'],
    ['billing retry (App Store)', [(u) => appStoreUpdate({ userId: u, status: 'past_due', expiresAt: at(now(), -DAY_MS), eventType: 'DID_FAIL_TO_RENEW' })], false, 'past_due'],
    ['period ended, no event since', [(u) => stripeUpdate({ userId: u, eventAt: at(now(), -31 * DAY_MS), expiresAt: at(now(), -HOUR_MS) })], false, 'active'],
    ['expired', [(u) => appStoreUpdate({ userId: u, status: 'expired', willRenew: false, expiresAt: at(now(), -DAY_MS) })], false, 'expired'],
    ['refunded (the current period)', periodFact('refunded'), false, 'refunded'],
    ['revoked (family sharing withdrawn)', periodFact('revoked'), false, 'revoked'],
    ['payment processing (incomplete)', [(u) => stripeUpdate({ userId: u, status: 'incomplete', expiresAt: null })], false, 'incomplete'],
    ['paused', [(u) => stripeUpdate({ userId: u, status: 'paused', expiresAt: at(now(), 10 * DAY_MS) })], false, 'paused'],
    ['active in both stores', [(u) => stripeUpdate({ userId: u }), (u) => appStoreUpdate({ userId: u })], true, 'active'],
    ['App Store expired, Stripe active', [(u) => appStoreUpdate({ userId: u, status: 'expired', willRenew: false, expiresAt: at(now(), -DAY_MS) }), (u) => stripeUpdate({ userId: u })], true, 'active'],
    ['Stripe refunded, App Store in grace', [(u) => stripeUpdate({ userId: u, status: 'refunded', willRenew: false }), (u) => appStoreUpdate({ userId: u, status: 'in_grace_period', expiresAt: at(now(), -DAY_MS), gracePeriodExpiresAt: at(now(), 2 * DAY_MS) })], true, 'in_grace_period'],
  ];

  for (const [name, updates, entitled, status] of states) {
    test(`${name}: ${entitled ? 'every question' : 'free questions only'}`, async () => {
      const seen = await readAs(await userWith(...updates));
      assert.equal(seen.status, status, 'the subscription is in the state this test is about');
      assert.deepEqual(seen.ids, entitled ? all : free);
      assert.equal(seen.entitled, entitled);
      assert.equal(seen.isActive, entitled, 'the helper and public.subscriptions agree');
    });
  }

  test("someone else's subscription grants nothing", async () => {
    const subscriber = await userWith((u) => stripeUpdate({ userId: u }));
    const other = await userWith();
    assert.deepEqual((await readAs(subscriber)).ids, all);
    assert.deepEqual((await readAs(other)).ids, free);
    // A purchase nobody has linked yet (appAccountToken of no user) grants nothing to anyone.
    await applySubscriptionUpdate(db.owner, appStoreUpdate({ userId: null }));
    assert.deepEqual((await readAs(other)).ids, free);
    // Forged claims for nobody read like anon-with-a-token: free only.
    const forged = await db.asApi('authenticated', { role: 'authenticated' }, async (tx) => ({
      ids: await questionIds(tx),
      entitled: (await tx`select public.has_entitlement() as e`)[0].e,
    }));
    assert.deepEqual(forged, { ids: free, entitled: false });
  });

  test('signed out (anon): free questions only, and the helper is not executable', async () => {
    assert.deepEqual(await db.asAnon(questionIds), free);
    await assert.rejects(db.asAnon((tx) => tx`select public.has_entitlement()`), (e) => hasCode(e, '42501'));
    await assert.rejects(db.asAnon((tx) => tx`select public.has_entitlement(${STRIPE_PRODUCT})`), (e) => hasCode(e, '42501'));
  });

  test('service_role reads every question (it bypasses RLS) but may not call the helper', async () => {
    assert.deepEqual(await db.asServiceRole(questionIds), all);
    await assert.rejects(db.asServiceRole((tx) => tx`select public.has_entitlement()`), (e) => hasCode(e, '42501'));
  });

  test('a filter on is_premium cannot get round the policy', async () => {
    const user = await userWith();
    const premiumAsked = await db.asUser(user, (tx) => tx`select id from public.practice_questions where is_premium`);
    assert.equal(premiumAsked.length, 0);
    const byId = await db.asUser(user, (tx) => tx`select id from public.practice_questions where id = ${premium[0]}`);
    assert.equal(byId.length, 0);
  });

  test('product filter: only a subscription to that product counts', async () => {
    const stripeOnly = await userWith((u) => stripeUpdate({ userId: u, productId: STRIPE_PRODUCT }));
    const mixed = await userWith(
      (u) => appStoreUpdate({ userId: u, productId: APP_STORE_PRODUCT, status: 'expired', willRenew: false, expiresAt: at(now(), -DAY_MS) }),
      (u) => stripeUpdate({ userId: u, productId: 'prod_other' }),
    );
    const ask = (userId: string) => db.asUser(userId, async (tx) => {
      const [r] = await tx`select public.has_entitlement() as any, public.has_entitlement(null) as null_is_any,
        public.has_entitlement(${STRIPE_PRODUCT}) as stripe, public.has_entitlement(${APP_STORE_PRODUCT}) as app_store,
        public.has_entitlement('prod_other') as other`;
      return { ...r };
    });
    assert.deepEqual(await ask(stripeOnly), { any: true, null_is_any: true, stripe: true, app_store: false, other: false });
    assert.deepEqual(await ask(mixed), { any: true, null_is_any: true, stripe: false, app_store: false, other: true });
  });

  test('gating another table by product, as docs/premium-content.md shows', async () => {
    // A table of this test's own database, gated the documented way.
    await db.owner.unsafe(`
      create table public.product_gated_probe (id int primary key, body text not null);
      alter table public.product_gated_probe enable row level security;
      revoke all on table public.product_gated_probe from public, anon, authenticated, service_role;
      grant select on table public.product_gated_probe to authenticated;
      create policy "product_gated_probe: App Store subscribers" on public.product_gated_probe
        for select to authenticated using ((select public.has_entitlement('${APP_STORE_PRODUCT}')));
      insert into public.product_gated_probe values (1, 'for App Store subscribers')`);
    try {
      const appStore = await userWith((u) => appStoreUpdate({ userId: u, productId: APP_STORE_PRODUCT }));
      const stripe = await userWith((u) => stripeUpdate({ userId: u, productId: STRIPE_PRODUCT }));
      const read = (u: string) => db.asUser(u, (tx) => tx`select id from public.product_gated_probe`).then((r) => r.length);
      assert.equal(await read(appStore), 1);
      assert.equal(await read(stripe), 0);
    } finally {
      await db.owner.unsafe('drop table public.product_gated_probe');
    }
  });

  test('nobody but service_role writes questions; a refused write leaves nothing behind', async () => {
    const subscriber = await userWith((u) => stripeUpdate({ userId: u }));
    const before = await db.owner`select id, question, is_premium from public.practice_questions order by id`;
    const writes: ((tx: TransactionSql) => Promise<unknown>)[] = [
      async (tx) => tx`insert into public.practice_questions (exam_code, position, question, choices, answer, explanation, is_premium)
                 values ('test-exam', 99, 'Forged', '["a", "b"]', 0, 'x', false)`,
      async (tx) => tx`update public.practice_questions set is_premium = false`,
      async (tx) => tx`update public.practice_questions set question = 'pwned' where not is_premium`,
      async (tx) => tx`delete from public.practice_questions`,
    ];
    for (const write of writes) {
      await assert.rejects(db.asAnon(write), (e) => hasCode(e, '42501'));
      await assert.rejects(db.asUser(subscriber, write), (e) => hasCode(e, '42501'));
    }
    assert.deepEqual(await db.owner`select id, question, is_premium from public.practice_questions order by id`, before);

    // service_role (the team's tools) may, in a transaction rolled back here.
    const rolledBack = new Error('rolled back');
    await assert.rejects(db.asServiceRole(async (tx) => {
      const [row] = await tx`insert into public.practice_questions (exam_code, position, question, choices, answer, explanation)
        values ('test-exam', 99, 'New', '["a", "b"]', 1, 'x') returning is_premium`;
      assert.equal(row.is_premium, true, 'a question is premium unless stated otherwise');
      throw rolledBack;
    }), (e) => e === rolledBack);
  });

  test('bad content is refused with a clear check violation', async () => {
    const bad: [string, string, number][] = [
      ['not an array', '{"a": 1}', 0],
      ['one choice', '["a"]', 0],
      ['a choice that is not text', '["a", 2]', 0],
      ['answer outside the choices', '["a", "b"]', 2],
      ['negative answer', '["a", "b"]', -1],
    ];
    for (const [what, choices, answer] of bad) {
      await assert.rejects(
        db.owner`insert into public.practice_questions (exam_code, position, question, choices, answer, explanation)
                 values ('test-exam', 50, 'q', ${choices}::jsonb, ${answer}, 'x')`,
        (e) => hasCode(e, '23514'), what);
    }
    await assert.rejects(db.owner`insert into public.practice_questions (exam_code, position, question, choices, answer, explanation)
      values ('Not A Code', 1, 'q', '["a", "b"]', 0, 'x')`, (e) => hasCode(e, '23514'));
    await assert.rejects(db.owner`insert into public.practice_questions (exam_code, position, question, choices, answer, explanation)
      values ('test-exam', 1, 'duplicate position', '["a", "b"]', 0, 'x')`, (e) => hasCode(e, '23505'));
  });

  test('the helper: stable, parallel safe, invoker rights, empty search_path, executable by authenticated only', async () => {
    const [fn] = await db.owner`
      select p.provolatile, p.proparallel, p.prosecdef, p.proconfig,
             has_function_privilege('authenticated', p.oid, 'execute') as authenticated,
             has_function_privilege('anon', p.oid, 'execute') as anon,
             has_function_privilege('service_role', p.oid, 'execute') as service_role,
             (p.proacl is null or exists (select 1 from aclexplode(p.proacl) a where a.grantee = 0)) as public
      from pg_proc p where p.oid = 'public.has_entitlement(text)'::regprocedure`;
    assert.deepEqual({ ...fn }, {
      provolatile: 's', proparallel: 's', prosecdef: false, proconfig: ['search_path=""'],
      authenticated: true, anon: false, service_role: false, public: false,
    });
  });

  test('the policy runs the helper once per statement (InitPlan), and large reads can still go parallel', async () => {
    const user = await userWith((u) => stripeUpdate({ userId: u }));
    const plan = await db.asUser(user, async (tx) => {
      // The apps' page query, with the index preferred as it is on a table of real size.
      await tx`set local enable_seqscan = off`;
      await tx`set local enable_bitmapscan = off`;
      const lines = await tx`explain (costs off) select * from public.practice_questions where exam_code = 'test-exam' order by position limit 20`;
      return lines.map((l) => String(l['QUERY PLAN'])).join('\n');
    });
    assert.match(plan, /InitPlan 1/);
    assert.match(plan, /Filter: \(\(NOT is_premium\) OR \(InitPlan 1\)\.col1\)/);
    assert.match(plan, /Index Scan using practice_questions_exam_position_key/);
    assert.doesNotMatch(plan, /Filter:.*has_entitlement/, 'the helper must not be evaluated per row');

    const parallel = await db.asUser(user, async (tx) => {
      await tx`set local debug_parallel_query = on`;
      const lines = await tx`explain (costs off) select count(*) from public.practice_questions where question like '%one%'`;
      return lines.map((l) => String(l['QUERY PLAN'])).join('\n');
    });
    assert.match(parallel, /Gather/, `a parallel-unsafe helper would forbid parallel plans:\n${parallel}`);
  });

  test('property: for any set of subscriptions, the helper answers as public.subscriptions.is_active and gates rows accordingly', async () => {
    const offset = fc.constantFrom<number | null>(null, -30 * DAY_MS, -HOUR_MS, HOUR_MS, 30 * DAY_MS);
    const subscription = fc.record({
      store: fc.constantFrom('stripe', 'app_store'),
      product: fc.constantFrom(STRIPE_PRODUCT, APP_STORE_PRODUCT, 'prod_other'),
      status: fc.constantFrom(...SUBSCRIPTION_STATUSES),
      expires: offset,
      grace: offset,
      willRenew: fc.boolean(),
    });
    const products = [STRIPE_PRODUCT, APP_STORE_PRODUCT, 'prod_other'];
    await fc.assert(
      fc.asyncProperty(fc.array(subscription, { maxLength: 4 }), async (subs) => {
        const userId = await db.createUser();
        const t = Date.now();
        for (const s of subs) {
          // Shapes the schema allows: entitled states need an expiry, grace needs its end.
          const expires = s.expires ?? (['trialing', 'active', 'in_grace_period'].includes(s.status) ? 30 * DAY_MS : null);
          const grace = s.status === 'in_grace_period' ? (s.grace ?? HOUR_MS) : s.grace;
          await db.owner`insert into billing.store_subscriptions (store, store_subscription_id, user_id, product_id, status, expires_at,
              will_renew, grace_period_expires_at, is_sandbox, store_event_at, last_event_id)
            values (${s.store}::billing.store, ${randomUUID()}, ${userId}, ${s.product}, ${s.status}::billing.subscription_status,
              ${expires === null ? null : new Date(t + expires)}, ${s.willRenew}, ${grace === null ? null : new Date(t + grace)},
              true, now(), ${randomUUID()})`;
        }
        // The oracle: the rule itself, per subscription, read by the owner role.
        const [oracle] = await db.owner`
          select coalesce(bool_or(billing.is_entitled(s.status, s.expires_at, s.grace_period_expires_at, now())), false) as any,
                 coalesce(array_agg(distinct s.product_id) filter (where billing.is_entitled(s.status, s.expires_at, s.grace_period_expires_at, now())), '{}') as products
          from billing.store_subscriptions s where s.user_id = ${userId}`;
        const seen = await db.asUser(userId, async (tx) => {
          const [r] = await tx<{ entitled: boolean; is_active: boolean; premium_rows: number }[]>`select public.has_entitlement() as entitled,
            coalesce((select is_active from public.subscriptions), false) as is_active,
            (select count(*)::int from public.practice_questions where is_premium) as premium_rows`;
          const byProduct: Record<string, boolean> = {};
          for (const p of products) byProduct[p] = (await tx`select public.has_entitlement(${p}) as e`)[0].e;
          return { ...r, byProduct };
        });
        assert.equal(seen.entitled, oracle.any);
        assert.equal(seen.is_active, oracle.any);
        assert.equal(seen.premium_rows, oracle.any ? premium.length : 0);
        for (const p of products) assert.equal(seen.byProduct[p], (oracle.products as string[]).includes(p), p);
      }),
      { numRuns: 60 },
    );
  });

  test('the local seed: Sam reads the free questions, Alex (web) and Jamie (iPhone, in grace) read them all', async () => {
    await runSqlFile(db.url, seedFile);
    const seeded = await db.owner<{ is_premium: boolean; n: number }[]>`
      select is_premium, count(*)::int as n from public.practice_questions where exam_code <> 'test-exam' and exam_code <> 'other-exam' group by 1 order by 1`;
    assert.deepEqual(seeded.map((r) => r.is_premium), [false, true], 'the seed has free and premium questions');
    const total = seeded.reduce((a, r) => a + r.n, 0) + all.length;
    const freeTotal = seeded.find((r) => !r.is_premium)!.n + free.length;
    const count = (userId: string) => db.asUser(userId, (tx) => tx`select count(*)::int as n from public.practice_questions`).then((r) => r[0].n);
    assert.equal(await count('33333333-3333-4333-8333-333333333333'), freeTotal);
    assert.equal(await count('11111111-1111-4111-8111-111111111111'), total);
    assert.equal(await count('22222222-2222-4222-8222-222222222222'), total);
    assert.equal((await db.asAnon((tx) => tx`select count(*)::int as n from public.practice_questions`))[0].n, freeTotal);
  });
});
