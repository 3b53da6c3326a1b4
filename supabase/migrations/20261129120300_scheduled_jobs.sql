-- Reconciliation on a schedule, inside Supabase (docs/reconciliation.md).
--
-- A missed webhook must not stay missed: Stripe stops retrying a failed delivery after 3 days and
-- Apple retries only in production (never in the sandbox). The `reconcile` edge function catches up
-- from the stores' own records — Stripe's event list, Apple's subscription statuses and
-- notification history — through the same idempotent apply path as the webhooks, and retries
-- events the ledger holds as 'failed'. This migration adds what it needs in the database:
--
--   * billing.reconcile_runs: one row per run (the audit trail), carrying the catch-up state the
--     next run starts from (how far Stripe's event list and Apple's history have been read);
--   * billing.reconcile_lease: one lease row, so overlapping runs (a slow run and the next tick,
--     two schedulers) never work at once. A row with `locked_until`, taken by one atomic statement,
--     rather than a session advisory lock, which a transaction-mode pooler (Supavisor, port 6543)
--     would hand to another client. Everything the runs apply is idempotent through the ledger
--     anyway: the lease saves work, it is not what makes a second run harmless;
--   * the Supabase Cron jobs (pg_cron + pg_net, as Supabase's "Scheduling Edge Functions" guide
--     does it) that call `reconcile` every 15 minutes and `entitlement-webhooks` every minute, with
--     the project URL and the shared secret read from Supabase Vault at each run. They are created
--     only where pg_cron and pg_net exist — hosted Supabase and `supabase start`; the embedded
--     Postgres of `npm run dev` and `npm test` has neither, and there nothing is scheduled (`npm run
--     dev` runs its own scheduler).

create type billing.reconcile_outcome as enum (
  'running',    -- holds the lease
  'succeeded',  -- every part ran to the end
  'partial',    -- a part stopped at its time or count budget, or some items failed: the next run continues
  'failed',     -- a store or the database was unavailable, or an unexpected error: the next run retries
  'abandoned'   -- never finished (its process died); found by the next run once its lease expired
);

create table billing.reconcile_runs (
  id bigint generated always as identity primary key,
  started_at timestamptz not null,
  finished_at timestamptz,
  outcome billing.reconcile_outcome not null default 'running',
  -- The catch-up state after this run (copied from the previous run when it starts); see
  -- supabase/functions/_shared/catch-up-window.ts:
  --   stripe_listed_to       every Stripe event created before it (down to the N-day floor) was read, except
  --   stripe_backlog_before  when set: events created before it are still to be read;
  --   app_store_history_to   Apple's notification history was replayed up to it.
  stripe_listed_to timestamptz,
  stripe_backlog_before timestamptz,
  app_store_history_to timestamptz,
  -- What the run did, as the function answered it (counts per part).
  summary jsonb,
  error text check (char_length(error) <= 2000),
  constraint finished_unless_running check ((outcome = 'running') = (finished_at is null))
);
comment on table billing.reconcile_runs is
  'Scheduled reconciliation runs (the reconcile edge function): outcome, counts, and the catch-up state the next run starts from.';

create table billing.reconcile_lease (
  name text primary key check (name = 'reconcile'),
  run_id bigint,
  locked_until timestamptz not null
);
comment on table billing.reconcile_lease is
  'At most one reconciliation run at a time: the run holding the row until locked_until.';

-- Read by the edge functions (service_role / postgres) only; RLS on and no policy: closed to every API role.
alter table billing.reconcile_runs enable row level security;
alter table billing.reconcile_lease enable row level security;
revoke all on table billing.reconcile_runs, billing.reconcile_lease from public, anon, authenticated, service_role;
grant select on table billing.reconcile_runs, billing.reconcile_lease to service_role;

-- Failed ledger events the catch-up retries, least recently tried first: few rows, read every run.
create index store_events_failed_idx on billing.store_events (store, received_at) where result = 'failed';

-- Runs -------------------------------------------------------------------------------------------

-- Takes the lease for p_lease_seconds and starts a run, in one transaction; returns the run and the
-- catch-up state it starts from, or no row while another run holds an unexpired lease. Two callers
-- racing for a free lease both reach the upsert; the second waits for the first's row lock, then
-- finds it taken and gets nothing.
create function billing.begin_reconcile_run(p_lease_seconds integer)
returns table (
  run_id bigint,
  started_at timestamptz,
  stripe_listed_to timestamptz,
  stripe_backlog_before timestamptz,
  app_store_history_to timestamptz
)
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := clock_timestamp();
  v_taken boolean;
  v_previous billing.reconcile_runs;
  v_run billing.reconcile_runs;
begin
  if p_lease_seconds is null or p_lease_seconds not between 10 and 3600 then
    raise exception 'lease must last 10 to 3600 seconds, not %', coalesce(p_lease_seconds::text, 'null') using errcode = '22023';
  end if;

  insert into billing.reconcile_lease as l (name, run_id, locked_until)
  values ('reconcile', null, v_now + make_interval(secs => p_lease_seconds))
  on conflict (name) do update
    set run_id = null, locked_until = excluded.locked_until
    where l.locked_until <= v_now
  returning true into v_taken;
  if v_taken is null then
    return;
  end if;

  -- A run still marked running held a lease that has expired: its process is gone.
  update billing.reconcile_runs r
  set outcome = 'abandoned', finished_at = v_now, error = coalesce(r.error, 'the run did not finish before its lease expired')
  where r.outcome = 'running';

  select * into v_previous from billing.reconcile_runs r order by r.id desc limit 1;
  insert into billing.reconcile_runs (started_at, stripe_listed_to, stripe_backlog_before, app_store_history_to)
  values (v_now, v_previous.stripe_listed_to, v_previous.stripe_backlog_before, v_previous.app_store_history_to)
  returning * into v_run;
  update billing.reconcile_lease l set run_id = v_run.id where l.name = 'reconcile';

  -- The audit trail keeps 30 days (the new run, which carries the state, is always kept).
  delete from billing.reconcile_runs r where r.started_at < v_now - interval '30 days';

  return query select v_run.id, v_run.started_at, v_run.stripe_listed_to, v_run.stripe_backlog_before, v_run.app_store_history_to;
end;
$$;

comment on function billing.begin_reconcile_run(integer) is
  'Takes the reconciliation lease and starts a run; no row while another run holds the lease.';

-- Records how a run ended and the state the next run starts from, and releases the lease if this
-- run still holds it. Returns false when the lease had expired and another run had taken it.
create function billing.finish_reconcile_run(
  p_run_id bigint,
  p_outcome text,
  p_stripe_listed_to timestamptz,
  p_stripe_backlog_before timestamptz,
  p_app_store_history_to timestamptz,
  p_summary jsonb,
  p_error text default null
) returns boolean
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_outcome billing.reconcile_outcome := billing.parse_enum(null::billing.reconcile_outcome, p_outcome, 'run outcome');
  v_released boolean;
begin
  if v_outcome not in ('succeeded', 'partial', 'failed') then
    raise exception 'a run finishes succeeded, partial or failed, not %', v_outcome using errcode = '22023';
  end if;

  update billing.reconcile_runs r
  set outcome = v_outcome, finished_at = clock_timestamp(),
      stripe_listed_to = p_stripe_listed_to, stripe_backlog_before = p_stripe_backlog_before,
      app_store_history_to = p_app_store_history_to, summary = p_summary, error = left(p_error, 2000)
  where r.id = p_run_id;
  if not found then
    raise exception 'no reconciliation run %', p_run_id using errcode = '22023';
  end if;

  update billing.reconcile_lease l set run_id = null, locked_until = clock_timestamp()
  where l.name = 'reconcile' and l.run_id = p_run_id
  returning true into v_released;
  return coalesce(v_released, false);
end;
$$;

comment on function billing.finish_reconcile_run(bigint, text, timestamptz, timestamptz, timestamptz, jsonb, text) is
  'Ends a reconciliation run: outcome, summary and catch-up state; releases the lease it holds.';

revoke all on function billing.begin_reconcile_run(integer) from public, anon, authenticated;
revoke all on function billing.finish_reconcile_run(bigint, text, timestamptz, timestamptz, timestamptz, jsonb, text) from public, anon, authenticated;
grant execute on function billing.begin_reconcile_run(integer) to service_role;
grant execute on function billing.finish_reconcile_run(bigint, text, timestamptz, timestamptz, timestamptz, jsonb, text) to service_role;

-- Supabase Cron -----------------------------------------------------------------------------------
-- The job commands. Created everywhere (PL/pgSQL resolves cron, net and vault only when called),
-- run only by the jobs scheduled below where pg_cron and pg_net exist.

-- POSTs to one of this project's edge functions with the scheduler's secret, both read from
-- Supabase Vault on every call (rotating a secret needs no migration):
--   project_url  https://<ref>.supabase.co (hosted); from the database container of `supabase
--                start`: http://supabase_kong_<project_id>:8000 (this project: one-account)
--   cron_secret  the value of the functions' CRON_SECRET secret
-- Returns pg_net's request id, or null (with a warning in the job's log) while the secrets are
-- missing, so a project that has not set them up yet logs why instead of failing every minute.
create function billing.invoke_scheduled_function(p_function text, p_timeout_milliseconds integer)
returns bigint
language plpgsql
set search_path = ''
as $$
declare
  v_url text;
  v_secret text;
begin
  if p_function is null or p_function !~ '^[a-z][a-z0-9-]{0,62}$' then
    raise exception 'not an edge function name: %', coalesce(quote_literal(p_function), 'null') using errcode = '22023';
  end if;
  select s.decrypted_secret into v_url from vault.decrypted_secrets s where s.name = 'project_url';
  select s.decrypted_secret into v_secret from vault.decrypted_secrets s where s.name = 'cron_secret';
  if nullif(v_url, '') is null or nullif(v_secret, '') is null then
    raise warning 'Vault secrets project_url and cron_secret are not both set: % was not called (docs/reconciliation.md)', p_function;
    return null;
  end if;
  return net.http_post(
    url := rtrim(v_url, '/') || '/functions/v1/' || p_function,
    body := jsonb_build_object('scheduler', 'pg_cron', 'scheduled_at', now()),
    headers := jsonb_build_object('Content-Type', 'application/json', 'Authorization', 'Bearer ' || v_secret),
    timeout_milliseconds := p_timeout_milliseconds
  );
end;
$$;

comment on function billing.invoke_scheduled_function(text, integer) is
  'Supabase Cron job command: POST <Vault project_url>/functions/v1/<p_function> with Authorization: Bearer <Vault cron_secret>.';

-- The schedule. pg_cron replaces a job of the same name, so running this again changes nothing.
-- reconcile: every 15 minutes; its answer can take up to its budget (RECONCILE_BUDGET_SECONDS,
-- default 60 s), hence the long HTTP timeout (pg_net's default is 5 s). entitlement-webhooks:
-- every minute, delivering the outbound entitlement events.
create function billing.schedule_jobs() returns void
language plpgsql
set search_path = ''
as $$
begin
  perform cron.schedule('reconcile', '*/15 * * * *', 'select billing.invoke_scheduled_function(''reconcile'', 150000)');
  perform cron.schedule('entitlement-webhooks', '* * * * *', 'select billing.invoke_scheduled_function(''entitlement-webhooks'', 60000)');
end;
$$;

comment on function billing.schedule_jobs() is
  'Schedules the reconcile (every 15 min) and entitlement-webhooks (every minute) Supabase Cron jobs; needs pg_cron and pg_net.';

revoke all on function billing.invoke_scheduled_function(text, integer) from public, anon, authenticated, service_role;
revoke all on function billing.schedule_jobs() from public, anon, authenticated, service_role;

-- pg_cron runs only in the database named by cron.database_name, and only when preloaded (the
-- setting exists then); pg_net must be installable too. Elsewhere: nothing, and no error.
do $$
begin
  if current_setting('cron.database_name', true) is distinct from current_database()
     or not exists (select from pg_available_extensions where name = 'pg_cron')
     or not exists (select from pg_available_extensions where name = 'pg_net') then
    raise notice 'pg_cron or pg_net is not available here: no jobs scheduled (npm run dev schedules its own)';
    return;
  end if;
  -- As Supabase's dashboard enables them (https://supabase.com/docs/guides/cron/install).
  create extension if not exists pg_cron with schema pg_catalog;
  create extension if not exists pg_net with schema extensions;
  perform billing.schedule_jobs();
end;
$$;
