-- Signed outbound events: when a person's effective entitlement changes, an event goes into an
-- outbox IN THE SAME TRANSACTION as the change, and the `entitlement-webhooks` edge function
-- delivers it to the configured endpoints, signed as the Standard Webhooks specification says
-- (docs/outbound-webhooks.md).
--
-- What "changed" means. A person's effective entitlement is their row of public.subscriptions, the
-- view both apps read: that view keeps the one rule (which subscription represents the person,
-- whether it grants access now), and nothing here re-implements it. billing.entitlement_announcements
-- keeps, per person, the row last announced (without updated_at, which moves on every write) and
-- its sequence number; an event is written only when the row read now differs from it. A duplicate
-- or stale store event writes nothing, or writes the same row again, and so announces nothing.
--
-- When it is checked. A deferred constraint trigger on billing.store_subscriptions runs at COMMIT
-- of any transaction that inserted, updated or deleted a subscription row: every write path ends
-- there (apply_subscription_update folds period facts into the row's derived columns; ownership
-- changes move the row between people: both are checked; account deletion unlinks the rows and the
-- user's deletion sets user_id null). Deferring to commit means a transaction that touches several
-- rows announces the final state once, and takes the announcement lock after all its row locks.
-- The announcement row is locked before the view is read, so two transactions changing one person
-- concurrently announce in commit order, the second one seeing the first one's change.
--
-- Time. Paid time ends with no write (is_active is evaluated at read time), so each announcement
-- also stores reevaluate_at: the next moment one of the person's subscriptions reaches its expiry
-- or grace end. billing.sweep_entitlement_changes() re-reads the people whose moment has come (a
-- few minutes after it, for renewals that land just after the end: see there); the delivery
-- function calls it on every run (every minute, Supabase Cron).
--
-- Delivery. Endpoints come from the function's environment (ENTITLEMENT_WEBHOOK_ENDPOINTS); the
-- function records them in billing.outbound_endpoints (URLs only: the signing secret never enters
-- the database), and every new event gets one delivery per active endpoint in the transaction that
-- writes it. An endpoint receives the events written after it was first seen; older ones only
-- through a replay (`npm run events -- replay`). Deliveries of one person to one endpoint go out in
-- sequence order: one is due only when no earlier one of the same person and endpoint is pending.
-- A run claims due deliveries with FOR UPDATE SKIP LOCKED and leases them (next_attempt_at moves
-- past the request timeout), so overlapping runs never send one twice; a run that dies leaves its
-- lease to expire and the delivery is sent again (at least once: receivers dedupe by webhook-id).
--
-- A database notification (`entitlement_events`) accompanies each new event where
-- billing.notify_entitlement_events is on, so a listener can wake the function at once: `npm run
-- dev` turns it on and listens (off by default: see announce_entitlement for what it costs). Hosted projects rely on the minute schedule, or add the
-- pg_net trigger shown in docs/outbound-webhooks.md.
--
-- Everything here is private: RLS on with no policy, no grant to any API role; the functions are
-- executable by their owner (postgres: the edge functions' SUPABASE_DB_URL and the CLI) only.

create type billing.entitlement_event_type as enum (
  'became_active',          -- access granted (first purchase, resubscribe)
  'renewed',                -- still active, the paid period now ends later
  'billing_issue',          -- a renewal payment failed (grace period with access, or retry without)
  'recovered',              -- the payment problem is solved
  'will_not_renew',         -- still active, renewal switched off (ends at the period end)
  'renewal_enabled',        -- still active, renewal switched back on
  'expired',                -- access ended (period over, canceled, account or purchase gone)
  'refunded',               -- the current period was refunded or charged back: access ended at once
  'revoked',                -- the store revoked it (family sharing withdrawn): access ended at once
  'store_changed',          -- still active, now through the other store
  'active_in_both_stores',  -- paying in Stripe and in the App Store at the same time
  'payment_pending',        -- a purchase started whose first payment has not gone through: no access yet
  'updated'                 -- anything else about the row (product, flags, a state without access)
);

create type billing.outbound_delivery_status as enum ('pending', 'delivered', 'dead');

-- What each person was last told. No foreign key to auth.users: it outlives a deleted account,
-- whose last event says so.
create table billing.entitlement_announcements (
  user_id uuid primary key,
  -- The public.subscriptions row last announced, without updated_at; null: no row.
  state jsonb,
  -- Sequence number of the last event of this person (the first one is 1).
  seq bigint not null default 0 check (seq >= 0),
  announced_at timestamptz,
  -- When the row may next change with no write: the earliest future expiry or grace end among the
  -- person's subscriptions. null: nothing is running out.
  reevaluate_at timestamptz
);
comment on table billing.entitlement_announcements is
  'Per person: the public.subscriptions row last announced as an outbound event, its sequence, and when to re-read it.';
create index entitlement_announcements_reevaluate_at_idx on billing.entitlement_announcements (reevaluate_at)
  where reevaluate_at is not null;

-- The outbox. id is the Standard Webhooks `webhook-id`: the same for every delivery and replay of
-- the event, so receivers can dedupe by it.
create table billing.outbound_events (
  id text primary key check (id ~ '^evt_[0-9a-f]{32}$'),
  user_id uuid not null,
  seq bigint not null check (seq > 0),
  type billing.entitlement_event_type not null,
  -- The exact JSON body sent: { type, timestamp, data: { user_id, sequence, subscription, cause } }.
  payload jsonb not null,
  created_at timestamptz not null default now(),
  unique (user_id, seq)
);
comment on table billing.outbound_events is
  'Outbox of entitlement changes, written in the transaction of the change; id is the Standard Webhooks webhook-id.';
create index outbound_events_created_at_idx on billing.outbound_events (created_at);

-- Endpoints the delivery function was configured with (ENTITLEMENT_WEBHOOK_ENDPOINTS). URLs only.
create table billing.outbound_endpoints (
  url text primary key check (url ~ '^https?://[^\s]+$' and char_length(url) <= 2048),
  -- false once the function runs without it: no new deliveries, pending ones wait.
  active boolean not null default true,
  first_seen_at timestamptz not null default now()
);
comment on table billing.outbound_endpoints is
  'Receivers of the outbound entitlement events, as configured in the entitlement-webhooks function (no secrets).';

create table billing.outbound_deliveries (
  id bigint generated always as identity primary key,
  event_id text not null references billing.outbound_events (id) on delete cascade,
  endpoint text not null references billing.outbound_endpoints (url),
  -- The event's person and sequence, copied here: the order rule compares deliveries with deliveries.
  user_id uuid not null,
  seq bigint not null,
  status billing.outbound_delivery_status not null default 'pending',
  -- Attempts made (a claim counts one); `retry` starts again from 0.
  attempts integer not null default 0 check (attempts >= 0),
  -- Pending: due from then on (while an attempt is in flight, the end of its lease).
  next_attempt_at timestamptz not null default now(),
  last_attempt_at timestamptz,
  last_http_status integer,
  last_error text check (char_length(last_error) <= 1000),
  delivered_at timestamptz,
  created_at timestamptz not null default now(),
  constraint delivered_when_delivered check ((status = 'delivered') = (delivered_at is not null))
);
comment on table billing.outbound_deliveries is
  'One event to one endpoint: pending (with its next attempt), delivered, or dead after the last attempt failed.';
create index outbound_deliveries_event_id_idx on billing.outbound_deliveries (event_id);
create index outbound_deliveries_user_id_idx on billing.outbound_deliveries (user_id, seq);
-- The order rule (is an earlier delivery of this person to this endpoint still pending?) and the
-- scan for due deliveries: both only over pending rows, which stay few.
create index outbound_deliveries_pending_order_idx on billing.outbound_deliveries (endpoint, user_id, seq, id)
  where status = 'pending';
create index outbound_deliveries_pending_due_idx on billing.outbound_deliveries (next_attempt_at, id)
  where status = 'pending';
create index outbound_deliveries_dead_idx on billing.outbound_deliveries (id) where status = 'dead';

alter table billing.entitlement_announcements enable row level security;
alter table billing.outbound_events enable row level security;
alter table billing.outbound_endpoints enable row level security;
alter table billing.outbound_deliveries enable row level security;
revoke all on table billing.entitlement_announcements, billing.outbound_events, billing.outbound_endpoints,
  billing.outbound_deliveries from public, anon, authenticated, service_role;

-- The effective entitlement -----------------------------------------------------------------------

-- The person's public.subscriptions row as JSON, or null. Read through the view so the choice and
-- the entitlement rule stay where they are. Time zone fixed: timestamps must print the same way
-- whatever the session's TimeZone, or equal rows would compare different.
create function billing.entitlement_state(p_user_id uuid) returns jsonb
language plpgsql stable
set search_path = ''
set timezone = 'UTC'
as $$
begin
  return (select to_jsonb(s) from public.subscriptions s where s.user_id = p_user_id);
end;
$$;

-- The next moment the person's row may change with no write: the earliest expiry or grace end
-- still ahead among their subscriptions. Only these two times enter the entitlement rule, so
-- re-reading the view at each of them sees every change time alone makes. (PL/pgSQL: a SQL
-- function with a SET clause is planned again on every call; this one runs on every change.)
create function billing.entitlement_reevaluate_at(p_user_id uuid) returns timestamptz
language plpgsql stable
set search_path = ''
as $$
begin
  return (
    select min(t.at)
    from billing.store_subscriptions s
    cross join lateral (values (s.expires_at), (s.grace_period_expires_at)) as t (at)
    where s.user_id = p_user_id and t.at > now());
end;
$$;

-- The kind of change from one announced row to the next (null: no row). A summary for receivers;
-- the new row itself is the state. Reads only fields of the view.
create function billing.entitlement_event_type(p_old jsonb, p_new jsonb) returns billing.entitlement_event_type
language plpgsql stable
set search_path = ''
as $$
declare
  v_was_active boolean := coalesce((p_old ->> 'is_active')::boolean, false);
  v_is_active boolean := coalesce((p_new ->> 'is_active')::boolean, false);
  v_had_issue boolean := coalesce((p_old ->> 'has_billing_issue')::boolean, false);
  v_has_issue boolean := coalesce((p_new ->> 'has_billing_issue')::boolean, false);
  v_status text := p_new ->> 'status';
begin
  if v_is_active and not v_was_active then
    return case when v_had_issue then 'recovered' else 'became_active' end;
  end if;
  if v_was_active and not v_is_active then
    return case
      when v_status = 'refunded' then 'refunded'
      when v_status = 'revoked' then 'revoked'
      when v_has_issue then 'billing_issue'  -- grace ran out, or retrying without access
      else 'expired'
    end;
  end if;
  if v_is_active then
    -- Still active: the most significant difference.
    if (p_new ->> 'active_in_both_stores')::boolean and not (p_old ->> 'active_in_both_stores')::boolean then
      return 'active_in_both_stores';
    end if;
    if p_new ->> 'store' is distinct from p_old ->> 'store' then return 'store_changed'; end if;
    if v_has_issue and not v_had_issue then return 'billing_issue'; end if;
    if v_had_issue and not v_has_issue then return 'recovered'; end if;
    if (p_new ->> 'current_period_ends_at')::timestamptz > (p_old ->> 'current_period_ends_at')::timestamptz then
      return 'renewed';
    end if;
    if (p_old ->> 'will_renew')::boolean and not (p_new ->> 'will_renew')::boolean then return 'will_not_renew'; end if;
    if (p_new ->> 'will_renew')::boolean and not (p_old ->> 'will_renew')::boolean then return 'renewal_enabled'; end if;
    return 'updated';
  end if;
  -- No access before or after.
  if p_new is null or v_status is not distinct from p_old ->> 'status' then return 'updated'; end if;
  return case
    when v_status = 'incomplete' then 'payment_pending'
    when v_status = 'refunded' then 'refunded'
    when v_status = 'revoked' then 'revoked'
    when v_has_issue and not v_had_issue then 'billing_issue'
    when v_status in ('expired', 'paused') then 'expired'
    else 'updated'
  end::billing.entitlement_event_type;
end;
$$;

-- Announce ----------------------------------------------------------------------------------------

-- Re-reads one person's row and, when it differs from what was last announced, writes the event,
-- its deliveries and a notification. Returns the event id, or null when nothing changed.
-- p_cause: why it was re-read ({ reason, store, store_subscription_id, store_event_id }).
create function billing.announce_entitlement(p_user_id uuid, p_cause jsonb) returns text
language plpgsql
set search_path = ''
as $$
declare
  v_announced billing.entitlement_announcements;
  v_row jsonb;
  v_state jsonb;
  v_type billing.entitlement_event_type;
  v_event_id text;
  v_seq bigint;
  v_reevaluate_at timestamptz;
begin
  select * into v_announced from billing.entitlement_announcements a where a.user_id = p_user_id for update;
  if not found then
    -- First change of this person: nothing announced yet (state null). Concurrent first changes
    -- meet here; the second waits for the first's row, then locks it.
    insert into billing.entitlement_announcements (user_id) values (p_user_id) on conflict (user_id) do nothing;
    select * into v_announced from billing.entitlement_announcements a where a.user_id = p_user_id for update;
  end if;

  -- Read under the lock: this sees every change committed before it, and this transaction's own.
  v_row := billing.entitlement_state(p_user_id);
  v_state := v_row - 'updated_at';
  v_reevaluate_at := billing.entitlement_reevaluate_at(p_user_id);
  if v_state is not distinct from v_announced.state then
    if v_reevaluate_at is distinct from v_announced.reevaluate_at then
      update billing.entitlement_announcements a set reevaluate_at = v_reevaluate_at where a.user_id = p_user_id;
    end if;
    return null;
  end if;

  v_type := billing.entitlement_event_type(v_announced.state, v_state);
  v_seq := v_announced.seq + 1;
  v_event_id := 'evt_' || replace(gen_random_uuid()::text, '-', '');
  insert into billing.outbound_events (id, user_id, seq, type, payload)
  values (v_event_id, p_user_id, v_seq, v_type, jsonb_build_object(
    'type', 'entitlement.' || v_type::text,
    'timestamp', to_char(now() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
    'data', jsonb_build_object(
      'user_id', p_user_id,
      'sequence', v_seq,
      'subscription', v_row,
      'cause', p_cause)));

  insert into billing.outbound_deliveries (event_id, endpoint, user_id, seq)
  select v_event_id, e.url, p_user_id, v_seq
  from billing.outbound_endpoints e
  where e.active
  order by e.url;

  update billing.entitlement_announcements a
  set state = v_state, seq = v_seq, announced_at = now(), reevaluate_at = v_reevaluate_at
  where a.user_id = p_user_id;

  -- Delivered to listeners at commit (never if the transaction rolls back), only where a listener
  -- asked for it (`npm run dev` sets billing.notify_entitlement_events = on for its database). A
  -- transaction that NOTIFYs takes a database-wide lock for its commit, so every store event that
  -- changes an entitlement would commit one at a time: measured with `npm run bench:webhook`
  -- (16 senders), Postgres CPU per event 1.29 -> 1.03 ms and p99 at 200/s 39 -> 15 ms without it.
  -- Hosted projects wake the delivery function from Supabase Cron (every minute) or the pg_net
  -- trigger in docs/outbound-webhooks.md, neither of which serializes commits.
  if current_setting('billing.notify_entitlement_events', true) = 'on' then
    perform pg_notify('entitlement_events', json_build_object('event_id', v_event_id, 'user_id', p_user_id, 'type', v_type)::text);
  end if;
  return v_event_id;
end;
$$;

comment on function billing.announce_entitlement(uuid, jsonb) is
  'Writes an outbound event (and its deliveries) when the person''s public.subscriptions row differs from the one last announced.';

-- The trigger: who may have changed, and why. Security definer so the announcement is written
-- whoever changed the row (the apply functions, delete-account, an auth.users cascade).
create function billing.announce_subscription_change() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_sub billing.store_subscriptions := case when tg_op = 'DELETE' then old else new end;
  v_old_user uuid := case when tg_op <> 'INSERT' then old.user_id end;
  v_new_user uuid := case when tg_op <> 'DELETE' then new.user_id end;
  v_event_id text;
  v_user uuid;
begin
  if v_old_user is null and v_new_user is null then
    return null;  -- an unlinked purchase: nobody's entitlement
  end if;
  -- Nothing the person's row is made of changed: most store events re-state what is known (each
  -- Stripe event of a renewal re-reads the same state, only its ordering time moves on). The
  -- ordering time matters to the view only to choose between a person's several subscriptions.
  -- Skipping here saves the announcement lock and the view read (a third of the outbox's cost per
  -- store event in `npm run bench:webhook`); a period that ended meanwhile is the sweep's to find.
  if tg_op = 'UPDATE'
     and (old.user_id, old.store, old.product_id, old.status, old.expires_at, old.will_renew,
          old.grace_period_expires_at, old.is_sandbox, old.is_family_shared)
         is not distinct from
         (new.user_id, new.store, new.product_id, new.status, new.expires_at, new.will_renew,
          new.grace_period_expires_at, new.is_sandbox, new.is_family_shared)
     and (old.store_event_at is not distinct from new.store_event_at
          or not exists (select 1 from billing.store_subscriptions s where s.user_id = new.user_id and s.id <> new.id)) then
    return null;
  end if;
  -- The store event this transaction applied to the subscription: the apply functions record it
  -- in the ledger, with this transaction's start as received_at, and link it to the row. (The row's
  -- last_event_id names only the last snapshot; a refund is a fact about one period and leaves it.)
  select e.store_event_id into v_event_id
  from billing.store_events e
  where e.subscription_id = v_sub.id and e.received_at = now()
  order by e.id desc
  limit 1;
  if v_event_id is null and (tg_op = 'INSERT' or (tg_op = 'UPDATE' and new.last_event_id is distinct from old.last_event_id)) then
    v_event_id := new.last_event_id;  -- written without the ledger (seed data, tests, benchmarks)
  end if;

  -- Both people when the row moved between them, in one order so concurrent moves cannot deadlock.
  for v_user in
    select u from unnest(array[v_old_user, v_new_user]) as u where u is not null group by u order by u
  loop
    perform billing.announce_entitlement(v_user, jsonb_build_object(
      'reason', case
        when not exists (select 1 from auth.users au where au.id = v_user) then 'account_deleted'
        when v_old_user is distinct from v_new_user and tg_op = 'UPDATE' then 'ownership_changed'
        else 'store_event'
      end,
      'store', v_sub.store,
      'store_subscription_id', v_sub.store_subscription_id,
      'store_event_id', v_event_id));
  end loop;
  return null;
end;
$$;

create constraint trigger store_subscriptions_announce_entitlement
  after insert or update or delete on billing.store_subscriptions
  deferrable initially deferred
  for each row execute function billing.announce_subscription_change();

-- Changes made by time alone: re-reads the people whose reevaluate_at has come, at most p_limit,
-- skipping those another transaction is announcing (it re-reads them anyway). Returns the number
-- of events written.
--
-- p_delay_seconds after the moment, not at it: a Stripe subscription's period ends at the very
-- moment Stripe renews it, and the renewal's webhook takes a few seconds to arrive and be applied.
-- Re-read in between, the row would be announced expired and then active again; the view shows that
-- gap too, but an app re-reads it a moment later, while a receiver would get (and perhaps email
-- about) both. A period that really ended is announced that much later.
create function billing.sweep_entitlement_changes(p_limit integer default 1000, p_delay_seconds double precision default 300)
returns integer
language plpgsql
set search_path = ''
as $$
declare
  v_user uuid;
  v_events integer := 0;
begin
  if p_limit is null or p_limit < 1 then
    raise exception 'sweep limit must be positive, not %', coalesce(p_limit::text, 'null') using errcode = '22023';
  end if;
  if p_delay_seconds is null or p_delay_seconds < 0 then
    raise exception 'sweep delay must be 0 or more seconds, not %', coalesce(p_delay_seconds::text, 'null') using errcode = '22023';
  end if;
  for v_user in
    select a.user_id from billing.entitlement_announcements a
    where a.reevaluate_at <= now() - make_interval(secs => p_delay_seconds)
    order by a.reevaluate_at
    limit p_limit
    for update skip locked
  loop
    if billing.announce_entitlement(v_user, jsonb_build_object('reason', 'period_ended')) is not null then
      v_events := v_events + 1;
    end if;
  end loop;
  return v_events;
end;
$$;

comment on function billing.sweep_entitlement_changes(integer, double precision) is
  'Announces the entitlement changes that time alone makes (a period or grace period ends); called on every delivery run.';

-- Delivery ----------------------------------------------------------------------------------------

-- The endpoints the function runs with: new ones start receiving events from now on; the others
-- stop getting new deliveries (their pending ones wait, should they come back).
create function billing.sync_outbound_endpoints(p_urls text[]) returns void
language plpgsql
set search_path = ''
as $$
begin
  if p_urls is null or array_position(p_urls, null) is not null then
    raise exception 'endpoint list must not be or contain null' using errcode = '22023';
  end if;
  insert into billing.outbound_endpoints as e (url)
  select distinct u from unnest(p_urls) as u order by u
  on conflict (url) do update set active = true where not e.active;
  update billing.outbound_endpoints e set active = false where e.active and not (e.url = any (p_urls));
end;
$$;

-- Claims up to p_limit due deliveries to the given endpoints and leases them for p_lease_seconds.
-- Due: pending, its time has come, and no earlier delivery of the same person to the same endpoint
-- is pending (that one goes first, or must go dead first). SKIP LOCKED: a delivery another run is
-- claiming is left to it, and the one after it waits, since the earlier one is still pending.
create function billing.claim_outbound_deliveries(p_endpoints text[], p_limit integer, p_lease_seconds double precision)
returns table (delivery_id bigint, event_id text, endpoint text, user_id uuid, seq bigint, attempt integer, payload jsonb)
language plpgsql
set search_path = ''
as $$
begin
  if p_limit is null or p_limit < 1 or p_lease_seconds is null or p_lease_seconds <= 0 then
    raise exception 'claim needs a positive limit and lease' using errcode = '22023';
  end if;
  return query
  with due as (
    select d.id
    from billing.outbound_deliveries d
    where d.status = 'pending'
      and d.next_attempt_at <= clock_timestamp()
      and d.endpoint = any (p_endpoints)
      and not exists (
        select 1 from billing.outbound_deliveries p
        where p.status = 'pending' and p.endpoint = d.endpoint and p.user_id = d.user_id
          and (p.seq, p.id) < (d.seq, d.id))
    order by d.next_attempt_at, d.id
    limit p_limit
    for update of d skip locked
  ), claimed as (
    update billing.outbound_deliveries d
    set attempts = d.attempts + 1,
        last_attempt_at = clock_timestamp(),
        next_attempt_at = clock_timestamp() + make_interval(secs => p_lease_seconds)
    from due
    where d.id = due.id
    returning d.id, d.event_id, d.endpoint, d.user_id, d.seq, d.attempts
  )
  select c.id, c.event_id, c.endpoint, c.user_id, c.seq, c.attempts, e.payload
  from claimed c
  join billing.outbound_events e on e.id = c.event_id
  order by c.user_id, c.seq, c.id;
end;
$$;

-- Records the outcome of attempt p_attempt: 'delivered', 'retry' after p_retry_after_seconds (by
-- the database clock, like every other time here), or 'dead'.
-- Returns false (and changes nothing) when the attempt is no longer the current one: its lease
-- expired and another run took the delivery over, or `retry` reset it meanwhile.
create function billing.finish_outbound_delivery(
  p_delivery_id bigint,
  p_attempt integer,
  p_outcome text,
  p_http_status integer,
  p_error text,
  p_retry_after_seconds double precision
) returns boolean
language plpgsql
set search_path = ''
as $$
begin
  if p_outcome is null or p_outcome not in ('delivered', 'retry', 'dead') then
    raise exception 'outcome must be delivered, retry or dead, not %', coalesce(quote_literal(p_outcome), 'null') using errcode = '22023';
  end if;
  if p_outcome = 'retry' and (p_retry_after_seconds is null or p_retry_after_seconds < 0) then
    raise exception 'a retry needs its delay' using errcode = '22023';
  end if;
  update billing.outbound_deliveries d
  set status = case p_outcome when 'delivered' then 'delivered' when 'dead' then 'dead' else 'pending' end::billing.outbound_delivery_status,
      delivered_at = case when p_outcome = 'delivered' then clock_timestamp() end,
      next_attempt_at = case when p_outcome = 'retry' then clock_timestamp() + make_interval(secs => p_retry_after_seconds)
                             else d.next_attempt_at end,
      last_http_status = p_http_status,
      last_error = case when p_outcome = 'delivered' then null else left(p_error, 1000) end
  where d.id = p_delivery_id and d.attempts = p_attempt and d.status = 'pending';
  return found;
end;
$$;

-- Operator tools (scripts/entitlement-events.ts) ---------------------------------------------------

-- Puts dead (or waiting) deliveries back to pending, due now, with a fresh series of attempts.
-- A delivered one is refused: replay its event instead.
create function billing.retry_outbound_deliveries(p_delivery_ids bigint[]) returns setof bigint
language plpgsql
set search_path = ''
as $$
declare
  v_missing bigint;
  v_delivered bigint;
begin
  select i into v_missing from unnest(p_delivery_ids) as i
  where not exists (select 1 from billing.outbound_deliveries d where d.id = i) limit 1;
  if v_missing is not null then
    raise exception 'no delivery %', v_missing using errcode = '22023';
  end if;
  select d.id into v_delivered from billing.outbound_deliveries d
  where d.id = any (p_delivery_ids) and d.status = 'delivered' limit 1;
  if v_delivered is not null then
    raise exception 'delivery % was delivered; replay its event to send it again', v_delivered using errcode = '22023';
  end if;
  return query
    update billing.outbound_deliveries d
    set status = 'pending', attempts = 0, next_attempt_at = now()
    where d.id = any (p_delivery_ids)
    returning d.id;
  perform pg_notify('entitlement_events', json_build_object('retried', cardinality(p_delivery_ids))::text);
end;
$$;

-- New deliveries of existing events (same webhook-id), to every active endpoint or to p_endpoint.
create function billing.replay_outbound_events(p_event_ids text[], p_endpoint text default null) returns setof bigint
language plpgsql
set search_path = ''
as $$
declare
  v_missing text;
begin
  select i into v_missing from unnest(p_event_ids) as i
  where not exists (select 1 from billing.outbound_events e where e.id = i) limit 1;
  if v_missing is not null then
    raise exception 'no event %', quote_literal(v_missing) using errcode = '22023';
  end if;
  if p_endpoint is not null and not exists (select 1 from billing.outbound_endpoints e where e.url = p_endpoint) then
    raise exception 'no endpoint %', quote_literal(p_endpoint) using errcode = '22023',
      hint = 'endpoints are recorded when the entitlement-webhooks function first runs with them';
  end if;
  return query
    insert into billing.outbound_deliveries (event_id, endpoint, user_id, seq)
    select e.id, p.url, e.user_id, e.seq
    from billing.outbound_events e
    cross join billing.outbound_endpoints p
    where e.id = any (p_event_ids)
      and (case when p_endpoint is null then p.active else p.url = p_endpoint end)
    order by e.user_id, e.seq, p.url
    returning id;
  perform pg_notify('entitlement_events', json_build_object('replayed', cardinality(p_event_ids))::text);
end;
$$;

-- Privileges: the owner only (postgres, as the edge functions and the CLI connect).
revoke all on function
  billing.entitlement_state(uuid),
  billing.entitlement_reevaluate_at(uuid),
  billing.entitlement_event_type(jsonb, jsonb),
  billing.announce_entitlement(uuid, jsonb),
  billing.announce_subscription_change(),
  billing.sweep_entitlement_changes(integer, double precision),
  billing.sync_outbound_endpoints(text[]),
  billing.claim_outbound_deliveries(text[], integer, double precision),
  billing.finish_outbound_delivery(bigint, integer, text, integer, text, double precision),
  billing.retry_outbound_deliveries(bigint[]),
  billing.replay_outbound_events(text[], text)
from public, anon, authenticated, service_role;

-- People who already have a subscription: what they have now is the baseline, announced to nobody
-- (their state is not news). Changes from here on are.
insert into billing.entitlement_announcements (user_id, state, seq, reevaluate_at)
select s.user_id, billing.entitlement_state(s.user_id) - 'updated_at', 0, billing.entitlement_reevaluate_at(s.user_id)
from (select distinct user_id from billing.store_subscriptions where user_id is not null) s;
