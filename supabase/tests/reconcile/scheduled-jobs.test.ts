// Migration 20261129120300_scheduled_jobs.sql: it applies without pg_cron (it is part of every
// test database, migrated by the real CLI) and schedules nothing there; its run lease lets one run
// at a time, and recovers from a run that died; and the Supabase Cron part — the schedule and the
// job command that calls the edge functions with the secret from Vault — runs against small FAKE
// `cron.schedule`, `net.http_post` and `vault.decrypted_secrets` objects, whose recorded request is
// then sent, as pg_net would, to the real reconcile function.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import postgres from 'postgres';
import { startReconcileStack, type ReconcileStack } from '../helpers/reconcile-stack.ts';

describe('scheduled jobs migration', () => {
  let s: ReconcileStack;
  before(async () => {
    s = await startReconcileStack();
  });
  after(async () => s?.stop());

  test('applied without pg_cron and pg_net: no extension, no cron schema, nothing scheduled', async () => {
    const [state] = await s.db.owner`
      select (select count(*)::int from pg_extension where extname in ('pg_cron', 'pg_net')) as extensions,
             to_regnamespace('cron') is null and to_regnamespace('net') is null as no_schemas,
             current_setting('cron.database_name', true) as cron_database,
             (select count(*)::int from supabase_migrations.schema_migrations where version = '20261129120300') as recorded`;
    assert.deepEqual({ ...state }, { extensions: 0, no_schemas: true, cron_database: null, recorded: 1 });
  });

  test('new tables: RLS on, read by service_role only, closed to anon and signed-in users', async () => {
    const tables = await s.db.owner`
      select c.relname, c.relrowsecurity from pg_class c where c.oid in ('billing.reconcile_runs'::regclass, 'billing.reconcile_lease'::regclass) order by 1`;
    assert.deepEqual(tables.map((t) => [t.relname, t.relrowsecurity]), [['reconcile_lease', true], ['reconcile_runs', true]]);
    await s.db.asServiceRole(async (tx) => tx`select count(*) from billing.reconcile_runs`);
    const denied = (run: Promise<unknown>) => assert.rejects(run, { code: '42501' });
    await denied(s.db.asServiceRole(async (tx) => tx`insert into billing.reconcile_runs (started_at) values (now())`));
    await denied(s.db.asServiceRole(async (tx) => tx`update billing.reconcile_lease set locked_until = now()`));
    const user = await s.db.createUser();
    await denied(s.db.asAnon(async (tx) => tx`select * from billing.reconcile_runs`));
    await denied(s.db.asUser(user, async (tx) => tx`select * from billing.reconcile_runs`));
    await denied(s.db.asAnon(async (tx) => tx`select billing.begin_reconcile_run(60)`));
    await denied(s.db.asUser(user, async (tx) => tx`select billing.begin_reconcile_run(60)`));
    await denied(s.db.asUser(user, async (tx) => tx`select billing.invoke_scheduled_function('reconcile', 1000)`));
    const functions = await s.db.owner`
      select p.proname, p.proconfig from pg_proc p join pg_namespace n on n.oid = p.pronamespace
      where n.nspname = 'billing' and p.proname in ('begin_reconcile_run', 'finish_reconcile_run', 'invoke_scheduled_function', 'schedule_jobs')
      order by 1`;
    assert.deepEqual(functions.map((f) => [f.proname, f.proconfig]), [
      ['begin_reconcile_run', ['search_path=""']], ['finish_reconcile_run', ['search_path=""']],
      ['invoke_scheduled_function', ['search_path=""']], ['schedule_jobs', ['search_path=""']],
    ]);
  });

  test('the lease: of concurrent starts exactly one runs; a finished run hands its state to the next; an expired lease is taken over', async () => {
    // Its own connections, so the starts really race.
    const racers = Array.from({ length: 6 }, () => postgres(s.db.url, { max: 1, onnotice: () => {} }));
    try {
      const started = await Promise.all(racers.map((sql) => sql`select * from billing.begin_reconcile_run(60)`));
      const winners = started.filter((rows) => rows.length === 1);
      assert.equal(winners.length, 1, 'one run holds the lease');
      const runId = winners[0][0].run_id;
      assert.equal((await s.db.owner`select * from billing.begin_reconcile_run(60)`).length, 0, 'held: nobody else starts');

      const listedTo = new Date(Date.now() - 3_600_000);
      const [{ released }] = await s.db.owner`
        select billing.finish_reconcile_run(${runId}, 'partial', ${listedTo}, null, null, '{"n":1}', null) as released`;
      assert.equal(released, true);
      const [next] = await s.db.owner`select * from billing.begin_reconcile_run(60)`;
      assert.ok(next, 'released: the next run starts');
      assert.equal(new Date(next.stripe_listed_to).getTime(), listedTo.getTime(), 'the next run starts where the last one stopped');

      // The holder dies; its lease runs out; the next start takes over and marks it abandoned.
      await s.db.owner`update billing.reconcile_lease set locked_until = now() - interval '1 second'`;
      const [takeover] = await s.db.owner`select * from billing.begin_reconcile_run(60)`;
      assert.ok(takeover);
      const [dead] = await s.db.owner`select outcome::text, finished_at from billing.reconcile_runs where id = ${next.run_id}`;
      assert.equal(dead.outcome, 'abandoned');
      assert.ok(dead.finished_at);
      // A late finish of the dead run is recorded but does not release the new holder's lease.
      const [late] = await s.db.owner`select billing.finish_reconcile_run(${next.run_id}, 'succeeded', null, null, null, '{}', null) as released`;
      assert.equal(late.released, false);
      assert.equal((await s.db.owner`select * from billing.begin_reconcile_run(60)`).length, 0);
      await s.db.owner`select billing.finish_reconcile_run(${takeover.run_id}, 'succeeded', null, null, null, '{}', null)`;

      for (const bad of [
        s.db.owner`select billing.begin_reconcile_run(5)`,
        s.db.owner`select billing.finish_reconcile_run(${takeover.run_id}, 'running', null, null, null, '{}', null)`,
        s.db.owner`select billing.finish_reconcile_run(${takeover.run_id}, 'done', null, null, null, '{}', null)`,
        s.db.owner`select billing.finish_reconcile_run(-1, 'failed', null, null, null, '{}', null)`,
      ]) await assert.rejects(bad, { code: '22023' });
    } finally {
      await Promise.all(racers.map((sql) => sql.end()));
    }
  });

  test('with FAKE pg_cron, pg_net and Vault: two jobs; each tick POSTs to the function with the Vault secret, which the real function accepts', async () => {
    await s.db.owner.unsafe(`
      create schema cron;
      comment on schema cron is 'FAKE pg_cron for tests: records what cron.schedule is given';
      create table cron.fake_jobs (jobname text primary key, schedule text not null, command text not null);
      create function cron.schedule(job_name text, schedule text, command text) returns bigint language sql as $$
        insert into cron.fake_jobs values (job_name, schedule, command)
        on conflict (jobname) do update set schedule = excluded.schedule, command = excluded.command
        returning 1::bigint $$;
      create schema net;
      comment on schema net is 'FAKE pg_net for tests: records the requests net.http_post would send';
      create table net.fake_requests (id bigint generated always as identity primary key, url text, body jsonb, params jsonb, headers jsonb, timeout_milliseconds int);
      create function net.http_post(url text, body jsonb default '{}', params jsonb default '{}',
          headers jsonb default '{"Content-Type": "application/json"}', timeout_milliseconds int default 5000) returns bigint language sql as $$
        insert into net.fake_requests (url, body, params, headers, timeout_milliseconds) values (url, body, params, headers, timeout_milliseconds)
        returning id $$;
      create schema vault;
      comment on schema vault is 'FAKE Supabase Vault for tests: decrypted_secrets as a plain table';
      create table vault.decrypted_secrets (name text primary key, decrypted_secret text);`);
    try {
      await s.db.owner`select billing.schedule_jobs()`;
      await s.db.owner`select billing.schedule_jobs()`; // again: the same two jobs
      const jobs = await s.db.owner`select jobname, schedule, command from cron.fake_jobs order by jobname`;
      assert.deepEqual(jobs.map((j) => [j.jobname, j.schedule]), [['entitlement-webhooks', '* * * * *'], ['reconcile', '*/15 * * * *']]);

      // Before the Vault secrets exist: a tick sends nothing and says why.
      const warnings: string[] = [];
      const sql = postgres(s.db.url, { max: 1, onnotice: (n) => warnings.push(String(n.message)) });
      try {
        for (const job of jobs) await sql.unsafe(job.command);
        assert.equal((await s.db.owner`select count(*)::int as n from net.fake_requests`)[0].n, 0);
        assert.equal(warnings.filter((w) => /project_url and cron_secret/.test(w)).length, 2, warnings.join('\n'));

        await s.db.owner`insert into vault.decrypted_secrets values ('project_url', ${s.reconcileFn.url + '/'}), ('cron_secret', ${s.cronSecret})`;
        for (const job of jobs) await sql.unsafe(job.command);
      } finally {
        await sql.end();
      }
      const requests = await s.db.owner`select url, body, headers, timeout_milliseconds from net.fake_requests order by id`;
      assert.deepEqual(requests.map((r) => [r.url, r.headers, r.timeout_milliseconds]), [
        [`${s.reconcileFn.url}/functions/v1/entitlement-webhooks`, { 'Content-Type': 'application/json', Authorization: `Bearer ${s.cronSecret}` }, 60000],
        [`${s.reconcileFn.url}/functions/v1/reconcile`, { 'Content-Type': 'application/json', Authorization: `Bearer ${s.cronSecret}` }, 150000],
      ]);
      assert.equal(requests[1].body.scheduler, 'pg_cron');

      // What pg_net would send reaches the real function (it serves any path) and is accepted.
      const reconcile = requests[1];
      const res = await fetch(reconcile.url, { method: 'POST', headers: reconcile.headers, body: JSON.stringify(reconcile.body) });
      const answer = await res.json();
      assert.equal(res.status, 200, JSON.stringify(answer));
      assert.ok(['succeeded', 'partial'].includes(answer.outcome), JSON.stringify(answer));

      await assert.rejects(s.db.owner`select billing.invoke_scheduled_function('../auth', 1000)`, { code: '22023' });
    } finally {
      await s.db.owner.unsafe('drop schema cron cascade; drop schema net cascade; drop schema vault cascade;');
    }
  });
});
