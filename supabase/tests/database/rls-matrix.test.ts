// Every table and view × {anon, user A, user B, service_role} × {select, insert, update, delete}.
// Each cell runs in its own transaction as PostgREST would run it, and is rolled back.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TransactionSql } from 'postgres';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.ts';
import { applySubscriptionUpdate } from '../../functions/_shared/billing-db.ts';
import { appStoreUpdate, stripeUpdate } from '../helpers/fixtures.ts';

type Actor = 'anon' | 'userA' | 'userB' | 'service_role';
type Op = 'select' | 'insert' | 'update' | 'delete';
/** denied: the statement fails with a privilege error; otherwise the set of owners whose rows it reaches. */
type Expect = 'denied' | 'none' | 'own' | 'all' | 'free';

interface Target {
  name: string;
  /** SQL expression naming the row's owning user, selected/returned to see whose rows were reached. */
  owner: string;
  insert: (tx: TransactionSql, ctx: Ctx, actorUser: string) => PromiseLike<readonly unknown[]>;
  update: string;
  expect: Record<Actor, Record<Op, Expect>>;
  /** Content nobody owns: `owner` is a row label, and these are the labels each expectation reaches. */
  labels?: Partial<Record<Expect, string[]>>;
}

interface Ctx {
  a: string;
  b: string;
  spare: string;
}

const deniedEverywhere: Record<Op, Expect> = { select: 'denied', insert: 'denied', update: 'denied', delete: 'denied' };

const targets: Target[] = [
  {
    name: 'public.profiles',
    owner: 'id',
    insert: (tx, ctx) => tx`insert into public.profiles (id, display_name) values (${ctx.spare}, 'x') returning id as owner`,
    update: `update public.profiles set display_name = 'renamed' returning id as owner`,
    expect: {
      anon: deniedEverywhere,
      userA: { select: 'own', insert: 'denied', update: 'own', delete: 'denied' },
      userB: { select: 'own', insert: 'denied', update: 'own', delete: 'denied' },
      service_role: { select: 'all', insert: 'all', update: 'all', delete: 'all' },
    },
  },
  {
    name: 'public.player_stats',
    owner: 'user_id',
    insert: (tx, ctx) => tx`insert into public.player_stats (user_id, xp, coins) values (${ctx.spare}, 1, 1) returning user_id as owner`,
    update: `update public.player_stats set coins = coins + 1000000 returning user_id as owner`,
    expect: {
      anon: deniedEverywhere,
      userA: { select: 'own', insert: 'denied', update: 'denied', delete: 'denied' },
      userB: { select: 'own', insert: 'denied', update: 'denied', delete: 'denied' },
      service_role: { select: 'all', insert: 'all', update: 'all', delete: 'all' },
    },
  },
  {
    name: 'public.subscriptions',
    owner: 'user_id',
    insert: (tx, _ctx, user) =>
      tx`insert into public.subscriptions (user_id, is_active, status, store) values (${user}, true, 'active', 'stripe') returning user_id as owner`,
    update: `update public.subscriptions set will_renew = true returning user_id as owner`,
    expect: {
      anon: deniedEverywhere,
      userA: { select: 'own', insert: 'denied', update: 'denied', delete: 'denied' },
      userB: { select: 'own', insert: 'denied', update: 'denied', delete: 'denied' },
      service_role: { select: 'all', insert: 'denied', update: 'denied', delete: 'denied' },
    },
  },
  {
    name: 'billing.stripe_customers',
    owner: 'user_id',
    insert: (tx, ctx) =>
      tx`insert into billing.stripe_customers (user_id, stripe_customer_id, livemode) values (${ctx.spare}, 'cus_Spare', false) returning user_id as owner`,
    update: `update billing.stripe_customers set livemode = true returning user_id as owner`,
    expect: {
      anon: deniedEverywhere,
      userA: deniedEverywhere,
      userB: deniedEverywhere,
      service_role: { select: 'all', insert: 'denied', update: 'denied', delete: 'denied' },
    },
  },
  {
    name: 'billing.store_subscriptions',
    owner: 'user_id',
    insert: (tx, _ctx, user) =>
      tx`insert into billing.store_subscriptions (store, store_subscription_id, user_id, product_id, status, expires_at,
           will_renew, is_sandbox, store_event_at, last_event_id)
         values ('stripe', 'sub_forged', ${user}, 'prod_x', 'active', now() + interval '10 years', true, false, now(), 'evt_forged')
         returning user_id as owner`,
    update: `update billing.store_subscriptions set expires_at = now() + interval '10 years' returning user_id as owner`,
    expect: {
      anon: deniedEverywhere,
      userA: { select: 'own', insert: 'denied', update: 'denied', delete: 'denied' },
      userB: { select: 'own', insert: 'denied', update: 'denied', delete: 'denied' },
      service_role: { select: 'all', insert: 'denied', update: 'denied', delete: 'denied' },
    },
  },
  {
    name: 'billing.store_events',
    owner: '(select s.user_id from billing.store_subscriptions s where s.id = subscription_id)',
    insert: (tx) =>
      tx`insert into billing.store_events (store, store_event_id, event_type, result, processed_at)
         values ('stripe', 'evt_forged', 'invoice.paid', 'applied', now()) returning null::uuid as owner`,
    update: `update billing.store_events set error = 'x' returning (select s.user_id from billing.store_subscriptions s where s.id = subscription_id) as owner`,
    expect: {
      anon: deniedEverywhere,
      userA: deniedEverywhere,
      userB: deniedEverywhere,
      service_role: { select: 'all', insert: 'denied', update: 'denied', delete: 'denied' },
    },
  },
  {
    // Users A and B are both subscribed (see before): they read every question, anon the free ones.
    name: 'public.practice_questions',
    owner: `case when is_premium then 'premium' else 'free' end`,
    insert: (tx) =>
      tx`insert into public.practice_questions (exam_code, position, question, choices, answer, explanation, is_premium)
         values ('matrix', 3, 'Forged', '["a", "b"]', 0, 'x', false) returning 'free' as owner`,
    update: `update public.practice_questions set explanation = 'edited' returning case when is_premium then 'premium' else 'free' end as owner`,
    labels: { all: ['free', 'premium'], free: ['free'] },
    expect: {
      anon: { select: 'free', insert: 'denied', update: 'denied', delete: 'denied' },
      userA: { select: 'all', insert: 'denied', update: 'denied', delete: 'denied' },
      userB: { select: 'all', insert: 'denied', update: 'denied', delete: 'denied' },
      service_role: { select: 'all', insert: 'all', update: 'all', delete: 'all' },
    },
  },
];

class Rollback extends Error {}

describe('RLS matrix', () => {
  let db: TestDatabase;
  let ctx: Ctx;

  before(async () => {
    db = await createTestDatabase();
    const a = await db.createUser({ email: 'a@example.test' });
    const b = await db.createUser({ email: 'b@example.test', provider: 'google', userMetadata: { full_name: 'Bea' } });
    const spare = await db.createUser({ email: 'spare@example.test' });
    await db.owner`delete from public.profiles where id = ${spare}`;
    await db.owner`select billing.link_stripe_customer(${a}, 'cus_A', false), billing.link_stripe_customer(${b}, 'cus_B', false)`;
    await db.owner`insert into public.player_stats (user_id, username, xp, coins) values (${a}, 'ada', 10, 5), (${b}, 'bea', 20, 7)`;
    await applySubscriptionUpdate(db.owner, stripeUpdate({ userId: a }));
    await applySubscriptionUpdate(db.owner, appStoreUpdate({ userId: b }));
    await db.owner`insert into public.practice_questions (exam_code, position, question, choices, answer, explanation, is_premium)
      values ('matrix', 1, 'Free', '["a", "b"]', 0, 'x', false), ('matrix', 2, 'Premium', '["a", "b"]', 1, 'x', true)`;
    ctx = { a, b, spare };
  });
  after(async () => db?.drop());

  function runAs(actor: Actor, fn: (tx: TransactionSql) => PromiseLike<readonly unknown[]>): Promise<{ rows?: unknown[]; error?: unknown }> {
    let outcome: { rows?: unknown[]; error?: unknown } = {};
    const body = async (tx: TransactionSql) => {
      try {
        outcome = { rows: [...(await fn(tx))] };
      } catch (error) {
        outcome = { error };
      }
      throw new Rollback();
    };
    const run =
      actor === 'anon' ? db.asAnon(body)
      : actor === 'service_role' ? db.asServiceRole(body)
      : db.asUser(actor === 'userA' ? ctx.a : ctx.b, body);
    return run.then(
      () => outcome,
      (error) => {
        if (error instanceof Rollback) return outcome;
        throw error;
      },
    );
  }

  function expectedOwners(expect: Expect, actor: Actor): string[] {
    const self = actor === 'userB' ? ctx.b : ctx.a;
    switch (expect) {
      case 'none':
        return [];
      case 'own':
        return [self];
      case 'all':
        return [ctx.a, ctx.b].sort();
      default:
        throw new Error(`no owners for ${expect}`);
    }
  }

  for (const target of targets) {
    for (const actor of ['anon', 'userA', 'userB', 'service_role'] as const) {
      for (const op of ['select', 'insert', 'update', 'delete'] as const) {
        const expect = target.expect[actor][op];
        test(`${target.name} × ${actor} × ${op} → ${expect}`, async () => {
          const actorUser = actor === 'userB' ? ctx.b : ctx.a;
          const outcome = await runAs(actor, (tx) => {
            switch (op) {
              case 'select':
                return tx.unsafe(`select ${target.owner} as owner from ${target.name}`);
              case 'insert':
                return target.insert(tx, ctx, actorUser);
              case 'update':
                return tx.unsafe(target.update);
              case 'delete':
                return tx.unsafe(`delete from ${target.name} returning ${target.owner} as owner`);
            }
          });
          if (expect === 'denied') {
            assert.ok(outcome.error, `expected ${actor} to be refused ${op} on ${target.name}, got rows ${JSON.stringify(outcome.rows)}`);
            const code = (outcome.error as { code?: string }).code;
            // 42501 insufficient privilege / RLS violation; 55000 or 0A000: view not writable.
            assert.ok(['42501', '55000', '0A000'].includes(code ?? ''), `unexpected error ${code}: ${String(outcome.error)}`);
            return;
          }
          assert.equal(outcome.error, undefined, `unexpected error: ${String(outcome.error)}`);
          const rows = outcome.rows as { owner: string | null }[];
          if (op === 'insert') {
            assert.equal(rows.length, 1, 'an allowed insert writes exactly its row');
            return;
          }
          assert.deepEqual(rows.map((r) => r.owner).sort(), target.labels?.[expect] ?? expectedOwners(expect, actor));
        });
      }
    }
  }

  test('a user cannot change the unsafe profile columns of their own row', async () => {
    for (const statement of [
      `update public.profiles set id = gen_random_uuid()`,
      `update public.profiles set created_at = now() - interval '1 year'`,
    ]) {
      const outcome = await runAs('userA', (tx) => tx.unsafe(statement));
      assert.equal((outcome.error as { code?: string })?.code, '42501', statement);
    }
  });

  test("a user cannot update another user's profile even by naming it", async () => {
    const outcome = await runAs('userA', (tx) => tx`update public.profiles set display_name = 'pwned' where id = ${ctx.b} returning id`);
    assert.deepEqual([...(outcome.rows ?? [])], []);
    const [b] = await db.owner`select display_name from public.profiles where id = ${ctx.b}`;
    assert.equal(b.display_name, 'Bea');
  });

  test('the raw store payload is not readable by its owner', async () => {
    const outcome = await runAs('userA', (tx) => tx`select latest_payload from billing.store_subscriptions`);
    assert.equal((outcome.error as { code?: string })?.code, '42501');
  });

  test('only service_role may execute the billing write functions', async () => {
    const calls = [
      (tx: TransactionSql) => tx`select billing.link_stripe_customer(${ctx.spare}, 'cus_Other', false)`,
      (tx: TransactionSql) => tx`select billing.unlink_stripe_customer('cus_A')`,
      (tx: TransactionSql) => tx`select * from billing.claim_subscription('app_store', 'nothing', ${ctx.a}, true, 'test')`,
      (tx: TransactionSql) => tx`select billing.record_store_event('stripe', 'evt_x', 'ping', now(), 'ignored')`,
      (tx: TransactionSql) =>
        tx`select * from billing.apply_subscription_update('stripe', 'evt_y', 't', now(), 'sub_y', ${ctx.a}, 'p', 'active',
             now() + interval '1 year', true, null, false)`,
    ];
    for (const call of calls) {
      for (const actor of ['anon', 'userA'] as const) {
        const outcome = await runAs(actor, call);
        assert.equal((outcome.error as { code?: string })?.code, '42501', `${actor} must not execute ${call.toString()}`);
      }
      const service = await runAs('service_role', call);
      assert.equal(service.error, undefined, String(service.error));
    }
  });

  test('no API role may execute the custom access token hook (Supabase Auth only; it would mint claims)', async () => {
    const event = { user_id: ctx.a, claims: { sub: ctx.a, role: 'authenticated' }, authentication_method: 'password' };
    for (const actor of ['anon', 'userA', 'service_role'] as const) {
      const outcome = await runAs(actor, (tx) => tx`select public.custom_access_token_hook(${tx.json(event)})`);
      assert.equal((outcome.error as { code?: string })?.code, '42501', `${actor} must not execute the hook`);
    }
  });

  test('public.has_entitlement is executable by authenticated only, and answers for the caller', async () => {
    for (const actor of ['anon', 'service_role'] as const) {
      const outcome = await runAs(actor, (tx) => tx`select public.has_entitlement()`);
      assert.equal((outcome.error as { code?: string })?.code, '42501', `${actor} must not execute has_entitlement`);
    }
    for (const actor of ['userA', 'userB'] as const) {
      const outcome = await runAs(actor, (tx) => tx`select public.has_entitlement() as entitled`);
      assert.deepEqual(outcome.rows, [{ entitled: true }], `${actor} is subscribed`);
    }
  });

  test('every table in public, billing and private has row-level security enabled', async () => {
    const rows = await db.owner<{ table: string }[]>`
      select n.nspname || '.' || c.relname as table
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where c.relkind in ('r', 'p') and n.nspname in ('public', 'billing', 'private') and not c.relrowsecurity`;
    assert.deepEqual([...rows], []);
  });

  test('the subscriptions view runs with the invoker’s rights', async () => {
    const [row] = await db.owner`
      select c.reloptions from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'public' and c.relname = 'subscriptions'`;
    assert.ok((row.reloptions as string[]).includes('security_invoker=true'));
  });
});

test('Realtime publishes store subscription changes (the apps re-read their row on each)', async () => {
  const db = await (await import('../helpers/test-database.ts')).createTestDatabase();
  try {
    const rows = await db.owner`select schemaname, tablename from pg_publication_tables where pubname = 'supabase_realtime'`;
    assert.deepEqual(rows.map((r) => `${r.schemaname}.${r.tablename}`), ['billing.store_subscriptions']);
  } finally {
    await db.drop();
  }
});
