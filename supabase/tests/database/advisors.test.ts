// Supabase's database advisors (security + performance lints, the ones the dashboard shows) run with
// the real CLI against a clone of the migrated template: `supabase db advisors --remote=<url>
// --type all --fail-on warn`. Any WARN or ERROR fails the run and is printed; INFO is reported only.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.ts';
import { formatLints, runAdvisors, type AdvisorLint } from '../../../scripts/lib/supabase-compat.ts';

const failing = (lints: AdvisorLint[]) => lints.filter((l) => l.level === 'WARN' || l.level === 'ERROR');

describe('database advisors', () => {
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase();
  });
  after(async () => db?.drop());

  test('no advisor lint at WARN or ERROR level on the migrated schema', async (t) => {
    const { lints, exitCode, stderr } = await runAdvisors(db.url);
    const bad = failing(lints);
    const info = lints.filter((l) => l.level === 'INFO');
    for (const l of info) t.diagnostic(`INFO (reported, not failing): ${l.name}: ${l.detail.replaceAll('`', '')}`);
    assert.deepEqual(bad, [], `supabase db advisors reports ${bad.length} lint(s) at WARN or ERROR:\n${formatLints(bad)}`);
    // The CLI's own --fail-on verdict agrees (so a change in its output format cannot pass silently).
    assert.equal(exitCode, 0, `supabase db advisors --fail-on warn exited ${exitCode}:\n${stderr}`);
  });

  test('billing.is_entitled pins its search_path and still answers exactly as the original rule', async () => {
    const [fn] = await db.owner`
      select p.proconfig, p.provolatile, p.proparallel
      from pg_proc p where p.oid = 'billing.is_entitled(billing.subscription_status, timestamptz, timestamptz, timestamptz)'::regprocedure`;
    assert.deepEqual(fn.proconfig, ['search_path=""']);
    assert.equal(fn.provolatile, 'i');
    assert.equal(fn.proparallel, 's');
    // Every status x (null, past, exact instant, future) expiry x (null, past, exact, future) grace end,
    // against the rule as first written (20261125120200_billing_apply_functions.sql).
    const [{ mismatches, checked }] = await db.owner`
      with t(at) as (values (timestamptz '2026-06-01T00:00:00Z')),
      times(v) as (values (null::interval), (interval '-1 day'), (interval '0'), (interval '1 second')),
      cases as (
        select st as status, t.at + e.v as expires_at, t.at + g.v as grace, t.at
        from unnest(enum_range(null::billing.subscription_status)) st, times e, times g, t
      )
      select count(*) filter (where billing.is_entitled(status, expires_at, grace, at) is distinct from
               coalesce(case
                 when status in ('active', 'trialing') then expires_at > at
                 when status = 'in_grace_period' then grace > at
                 else false
               end, false)) as mismatches,
             count(*) as checked
      from cases`;
    assert.equal(Number(checked), 9 * 4 * 4);
    assert.equal(Number(mismatches), 0);
  });

  test('the advisors catch a lint (the check is not vacuous) and judge the auth stand-in as hosted Supabase', async () => {
    const probe = await createTestDatabase();
    try {
      // A real WARN: a function with a role-mutable search_path.
      await probe.owner.unsafe(`create function public.advisor_probe() returns int language sql as 'select 1'`);
      // Not a lint on hosted Supabase, where Auth enables RLS on auth.users (the bootstrap does too).
      await probe.owner.unsafe(`create view public.advisor_probe_users with (security_invoker = true) as select id from auth.users;
        grant select on public.advisor_probe_users to authenticated`);
      const { lints, exitCode } = await runAdvisors(probe.url);
      const bad = failing(lints);
      assert.deepEqual(bad.map((l) => `${l.name} ${String(l.metadata?.schema)}.${String(l.metadata?.name)}`),
        ['function_search_path_mutable public.advisor_probe'], formatLints(bad));
      assert.notEqual(exitCode, 0);
    } finally {
      await probe.drop();
    }
  });
});
