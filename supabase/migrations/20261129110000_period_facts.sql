-- Period facts: a refund, a revocation or a chargeback is a statement about ONE paid period (an
-- App Store transactionId, a Stripe invoice), not a new snapshot of the whole subscription.
--
-- Before this migration a refund overwrote the subscription's state. Since Apple retries a failed
-- delivery for up to 72 hours, the refund of January could be processed before the notification
-- of February's renewal; the renewal, signed earlier, was then "stale" and a paying person lost
-- access (and a refund of an old period sent by the app ended the current one).
--
-- Now each subscription keeps two independent things, each a last-writer-wins register with its
-- own total order, so every delivery order of the same events reaches the same state:
--   * the snapshot: the store's latest statement about the subscription as a whole (status,
--     expiry, renewal, grace), ordered by (rank, store time, status, event id);
--   * per period (billing.store_periods): that the period exists and was paid, its end, and its
--     latest refund/revocation/chargeback state, ordered by (time of the statement, state, event id).
-- The columns the clients read (status, expires_at, will_renew, grace_period_expires_at) are
-- derived from both by billing.derive_entitlement, a pure function of the two registers:
--   * App Store: the latest known paid period counts even when no notification has described it
--     yet (the app sent its transaction first): paid until that period's end;
--   * the period the result describes decides: refunded / charged back -> 'refunded', revoked ->
--     'revoked'. Facts about other periods never change access, so renewals and refunds commute.
--
-- Ordering times. App Store: Apple's signed times (notification / transaction signedDate).
-- Stripe: every event re-reads its objects from Stripe, subscriptions and charges alike
-- (supabase/functions/_shared/stripe-sync.ts), and the state read is ordered by when that read
-- STARTED, by the DATABASE clock (passed as p_event_at / p_period_state_at): a read that started
-- after a change sees it, and every change has an event whose read starts after it, so the read
-- that started last has seen every change, whatever order the reads finish in. Never the clock of
-- the machine that processed the event: a caller whose clock runs ahead can no longer make later
-- events "stale". We re-read Stripe rather than fold the events themselves because Stripe's event
-- payloads carry no version to order them by and a dispute moves through states (inquiry,
-- chargeback, won, lost) whose events may arrive in any order; the charge as Stripe reads now is
-- the truth.

create type billing.period_state as enum (
  'paid',          -- paid, and as of state_at not taken back
  'charged_back',  -- a chargeback (not an inquiry) is open or was lost: the money is gone
  'refunded',      -- fully refunded
  'revoked'        -- App Store: revoked (family sharing withdrawn)
);

-- One row per paid period the store told us about. Deleted with its subscription.
create table billing.store_periods (
  subscription_id bigint not null references billing.store_subscriptions (id) on delete cascade,
  -- App Store transactionId; Stripe invoice id.
  period_id text not null check (char_length(period_id) between 1 and 255),
  period_end timestamptz not null,
  is_trial boolean not null default false,
  state billing.period_state not null,
  state_at timestamptz not null,
  state_event_id text not null check (char_length(state_event_id) between 1 and 255),
  primary key (subscription_id, period_id)
);
comment on table billing.store_periods is
  'Paid periods and the latest refund/revocation/chargeback fact about each; see billing.derive_entitlement.';

alter table billing.store_periods enable row level security;
revoke all on table billing.store_periods from public, anon, authenticated, service_role;
grant select on table billing.store_periods to service_role;

-- The snapshot register, beside the derived columns the clients read.
alter table billing.store_subscriptions
  -- 1: a statement about the whole subscription (notification, Stripe subscription read);
  -- 0: a placeholder made from a statement about one period (a refund notification, a transaction
  --    sent by the app) so the row exists; any rank-1 statement replaces it, whatever its time.
  add column snapshot_rank smallint not null default 1 check (snapshot_rank in (0, 1)),
  add column snapshot_status billing.subscription_status,
  add column snapshot_expires_at timestamptz,
  add column snapshot_will_renew boolean,
  add column snapshot_grace_period_expires_at timestamptz,
  -- The period the snapshot describes: App Store transactionId (Stripe: null, matched by end).
  add column current_period_id text check (char_length(current_period_id) between 1 and 255),
  -- Its end (Stripe: the current period's end, even when expires_at is an earlier ended_at).
  add column current_period_ends_at timestamptz;

-- Rows written before this migration (or directly, by tests and benchmarks) describe themselves.
create function billing.fill_snapshot() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  new.snapshot_status := coalesce(new.snapshot_status, new.status);
  new.snapshot_expires_at := coalesce(new.snapshot_expires_at, new.expires_at);
  new.snapshot_will_renew := coalesce(new.snapshot_will_renew, new.will_renew);
  if new.snapshot_status = 'in_grace_period' then
    new.snapshot_grace_period_expires_at := coalesce(new.snapshot_grace_period_expires_at, new.grace_period_expires_at);
  end if;
  new.current_period_ends_at := coalesce(new.current_period_ends_at, new.snapshot_expires_at);
  return new;
end;
$$;
revoke all on function billing.fill_snapshot() from public, anon, authenticated, service_role;

update billing.store_subscriptions set
  snapshot_status = status,
  snapshot_expires_at = expires_at,
  snapshot_will_renew = will_renew,
  snapshot_grace_period_expires_at = grace_period_expires_at,
  current_period_id = case when store = 'app_store' then latest_payload #>> '{transaction,transactionId}' end,
  current_period_ends_at = expires_at;

-- A refund or revocation recorded the old way becomes a fact about the period it ended, so the next
-- snapshot (a Stripe re-read still saying "active") keeps it.
insert into billing.store_periods (subscription_id, period_id, period_end, state, state_at, state_event_id)
select s.id,
       coalesce(s.current_period_id, 'before-period-facts:' || s.store_subscription_id),
       s.expires_at,
       s.status::text::billing.period_state,
       s.store_event_at,
       s.last_event_id
from billing.store_subscriptions s
where s.status in ('refunded', 'revoked') and s.expires_at is not null;

-- Stripe states used to be stamped by the processing machine's clock, which may have run ahead;
-- from now on they are ordered by the database clock, so no stored time may lie in its future.
update billing.store_subscriptions set store_event_at = least(store_event_at, now()) where store = 'stripe';

alter table billing.store_subscriptions
  alter column snapshot_status set not null,
  alter column snapshot_will_renew set not null;

create trigger store_subscriptions_fill_snapshot
  before insert on billing.store_subscriptions
  for each row execute function billing.fill_snapshot();

-- The derivation ---------------------------------------------------------------------------------
-- The derived columns (status, expires_at, grace_period_expires_at, will_renew) of a subscription
-- row from its snapshot columns and its periods: the row is returned with them set. Reads only;
-- the caller writes the row once and holds its lock.
create function billing.derive_entitlement(p_sub billing.store_subscriptions) returns billing.store_subscriptions
language plpgsql stable
set search_path = ''
as $$
declare
  v_sub billing.store_subscriptions := p_sub;
  v_latest billing.store_periods;
  v_fact billing.period_state;
begin
  v_sub.status := p_sub.snapshot_status;
  v_sub.expires_at := p_sub.snapshot_expires_at;
  v_sub.grace_period_expires_at := p_sub.snapshot_grace_period_expires_at;
  v_sub.will_renew := p_sub.snapshot_will_renew;

  if p_sub.store = 'app_store' then
    -- A transaction from the app can be newer than the latest notification: a paid period is paid.
    select * into v_latest from billing.store_periods p
    where p.subscription_id = p_sub.id
    order by p.period_end desc, p.period_id collate "C" desc
    limit 1;
    if found and v_latest.period_end > coalesce(p_sub.current_period_ends_at, '-infinity') then
      v_sub.status := case when v_latest.is_trial then 'trialing' else 'active' end;
      v_sub.expires_at := v_latest.period_end;
      v_sub.grace_period_expires_at := null;
      v_fact := v_latest.state;
    end if;
  end if;

  if v_fact is null then
    -- Facts about the snapshot's own period; the gravest one when several invoices share it.
    select max(p.state) into v_fact from billing.store_periods p
    where p.subscription_id = p_sub.id
      and (p.period_id = p_sub.current_period_id
           or (p_sub.current_period_id is null and p.period_end = p_sub.current_period_ends_at));
  end if;

  if v_sub.status <> 'incomplete' then
    if v_fact = 'revoked' then
      v_sub.status := 'revoked';
      v_sub.grace_period_expires_at := null;
      v_sub.will_renew := false;
    elsif v_fact in ('refunded', 'charged_back') then
      v_sub.status := 'refunded';
      v_sub.grace_period_expires_at := null;
    end if;
  end if;
  return v_sub;
end;
$$;

-- Apply one normalized store update ------------------------------------------------------------
-- Same parameters as before, in the same order (positional callers keep working), plus:
--   p_event_at null        -> now, by the database clock, and newer than what is stored (the
--                             subscribe function's "processing" placeholder, rank 0).
--   p_snapshot_rank 0      -> the update is about one period; it only creates the row.
--   p_period_*             -> a fact about one period (App Store transaction, Stripe invoice);
--                             p_period_state_at null: p_event_at, else the database clock.
drop function billing.apply_subscription_update(text, text, text, timestamptz, text, uuid, text, text, timestamptz, boolean, timestamptz, boolean, boolean, jsonb);

create function billing.apply_subscription_update(
  p_store text,
  p_event_id text,
  p_event_type text,
  p_event_at timestamptz,
  p_store_subscription_id text,
  p_user_id uuid,
  p_product_id text,
  p_status text,
  p_expires_at timestamptz,
  p_will_renew boolean,
  p_grace_period_expires_at timestamptz,
  p_is_sandbox boolean,
  p_is_family_shared boolean default false,
  p_payload jsonb default null,
  p_snapshot_rank integer default 1,
  p_current_period_id text default null,
  p_current_period_ends_at timestamptz default null,
  p_period_id text default null,
  p_period_end timestamptz default null,
  p_period_is_trial boolean default false,
  p_period_state text default null,
  p_period_state_at timestamptz default null
) returns table (result text, subscription_id bigint, user_id uuid)
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_store billing.store := billing.parse_enum(null::billing.store, p_store, 'store');
  v_status billing.subscription_status := billing.parse_enum(null::billing.subscription_status, p_status, 'subscription status');
  v_period_state billing.period_state;
  v_ledger_id bigint;
  v_row billing.store_subscriptions;
  v_user_id uuid := p_user_id;
  v_result billing.event_result := 'stale';
  v_event_at timestamptz := p_event_at;
  v_period billing.store_periods;
  v_state_at timestamptz;
  v_newer boolean;
  v_stored billing.store_subscriptions;
  v_snapshot_applied boolean := false;
  v_inserted boolean := false;
  v_missing text;
begin
  -- billing.require_value's checks, as one expression rather than a query each (every event runs them).
  v_missing := case
    when nullif(btrim(p_event_id), '') is null then 'event id'
    when nullif(btrim(p_event_type), '') is null then 'event type'
    when nullif(btrim(p_store_subscription_id), '') is null then 'store subscription id'
    when nullif(btrim(p_product_id), '') is null then 'product id'
    when p_will_renew is null then 'will_renew'
    when p_is_sandbox is null then 'is_sandbox'
  end;
  if v_missing is not null then
    raise exception 'missing %', v_missing using errcode = '22023';
  end if;
  if p_snapshot_rank is null or p_snapshot_rank not in (0, 1) then
    raise exception 'snapshot rank must be 0 or 1' using errcode = '22023';
  end if;
  if v_status in ('trialing', 'active', 'in_grace_period') and p_expires_at is null then
    raise exception 'status % needs an expiry (expires_at)', v_status using errcode = '22023';
  end if;
  if v_status = 'in_grace_period' and p_grace_period_expires_at is null then
    raise exception 'status in_grace_period needs grace_period_expires_at' using errcode = '22023';
  end if;
  if p_period_id is not null then
    v_period_state := billing.parse_enum(null::billing.period_state, p_period_state, 'period state');
    perform billing.require_value('period end', p_period_end);
  end if;
  -- Store times outside any plausible range are bad input, not an ordering key.
  if v_event_at is not null and not (v_event_at between '2000-01-01' and '2200-01-01') then
    raise exception 'event time % is out of range', v_event_at using errcode = '22023';
  end if;

  -- Idempotency: a processed event is never applied twice; a failed one may be retried.
  insert into billing.store_events as e (store, store_event_id, event_type, store_event_at, result, processed_at)
  values (v_store, p_event_id, p_event_type, coalesce(v_event_at, clock_timestamp()), 'applied', now())
  on conflict (store, store_event_id) do update
    set attempts = e.attempts + 1, received_at = now(), error = null,
        result = excluded.result, processed_at = excluded.processed_at
    where e.result = 'failed'
  returning e.id into v_ledger_id;

  if v_ledger_id is null then
    return query
      select 'duplicate'::text, s.id, s.user_id
      from billing.store_events e
      left join billing.store_subscriptions s on s.id = e.subscription_id
      where e.store = v_store and e.store_event_id = p_event_id;
    return;
  end if;

  -- A token that is not (or no longer) one of our users leaves the subscription unlinked.
  if v_user_id is not null and not exists (select 1 from auth.users u where u.id = v_user_id) then
    v_user_id := null;
  end if;

  -- An existing subscription is locked, changed in memory, then written once below (one row
  -- version, one Realtime message); a new one is inserted as its snapshot says. Looked up first:
  -- most events are about a subscription we have, and a conflicting insert costs more.
  select * into v_row
  from billing.store_subscriptions s
  where s.store = v_store and s.store_subscription_id = p_store_subscription_id
  for update;
  if not found then
    insert into billing.store_subscriptions as s (
      store, store_subscription_id, user_id, product_id, status, expires_at, will_renew,
      grace_period_expires_at, is_sandbox, is_family_shared, store_event_at, last_event_id, latest_payload,
      snapshot_rank, snapshot_status, snapshot_expires_at, snapshot_will_renew, snapshot_grace_period_expires_at,
      current_period_id, current_period_ends_at)
    values (
      v_store, p_store_subscription_id, v_user_id, p_product_id, v_status, p_expires_at, p_will_renew,
      p_grace_period_expires_at, p_is_sandbox, coalesce(p_is_family_shared, false),
      coalesce(v_event_at, clock_timestamp()), p_event_id, p_payload,
      p_snapshot_rank, v_status, p_expires_at, p_will_renew, p_grace_period_expires_at,
      p_current_period_id, coalesce(p_current_period_ends_at, p_expires_at))
    on conflict (store, store_subscription_id) do nothing
    returning * into v_row;
    v_inserted := found;
    if not v_inserted then
      -- Inserted concurrently by another event: lock that row instead.
      select * into v_row
      from billing.store_subscriptions s
      where s.store = v_store and s.store_subscription_id = p_store_subscription_id
      for update;
    end if;
  end if;
  v_stored := v_row;

  if v_inserted then
    v_result := 'applied';
  else
    if v_event_at is null then
      -- Now: later than anything stored, whatever the clocks did.
      v_event_at := greatest(clock_timestamp(), v_row.store_event_at + interval '1 microsecond');
    end if;

    if (p_snapshot_rank, v_event_at, v_status, p_event_id collate "C")
       > (v_row.snapshot_rank::integer, v_row.store_event_at, v_row.snapshot_status, v_row.last_event_id collate "C") then
      v_row.product_id := p_product_id;
      v_row.snapshot_rank := p_snapshot_rank;
      v_row.snapshot_status := v_status;
      v_row.snapshot_expires_at := p_expires_at;
      v_row.snapshot_will_renew := p_will_renew;
      v_row.snapshot_grace_period_expires_at := p_grace_period_expires_at;
      v_row.current_period_id := p_current_period_id;
      v_row.current_period_ends_at := coalesce(p_current_period_ends_at, p_expires_at);
      v_row.is_sandbox := p_is_sandbox;
      v_row.is_family_shared := coalesce(p_is_family_shared, false);
      v_row.store_event_at := v_event_at;
      v_row.last_event_id := p_event_id;
      v_row.latest_payload := p_payload;
      v_snapshot_applied := true;
      v_result := 'applied';
    end if;
    -- Ownership changes only through explicit linking; an older event may still carry the owner.
    v_row.user_id := coalesce(v_row.user_id, v_user_id);
  end if;

  if p_period_id is not null then
    select * into v_period from billing.store_periods p
    where p.subscription_id = v_row.id and p.period_id = p_period_id
    for update;
    v_state_at := coalesce(p_period_state_at, v_event_at);
    if v_state_at is null then
      v_state_at := greatest(clock_timestamp(), v_period.state_at + interval '1 microsecond');
    end if;
    if v_period.subscription_id is null then
      insert into billing.store_periods (subscription_id, period_id, period_end, is_trial, state, state_at, state_event_id)
      values (v_row.id, p_period_id, p_period_end, coalesce(p_period_is_trial, false), v_period_state, v_state_at, p_event_id);
      v_result := 'applied';
    else
      v_newer := (v_state_at, v_period_state, p_event_id collate "C")
                 > (v_period.state_at, v_period.state, v_period.state_event_id collate "C");
      if v_newer or v_period.period_end < p_period_end then
        update billing.store_periods p
        set period_end = greatest(p.period_end, p_period_end),  -- an extension only moves the end forward
            state = case when v_newer then v_period_state else p.state end,
            state_at = case when v_newer then v_state_at else p.state_at end,
            state_event_id = case when v_newer then p_event_id else p.state_event_id end
        where p.subscription_id = v_row.id and p.period_id = p_period_id;
        v_result := 'applied';
      end if;
    end if;
  end if;

  v_row := billing.derive_entitlement(v_row);
  if v_snapshot_applied or v_row.user_id is distinct from v_stored.user_id
     or (v_row.status, v_row.expires_at, v_row.grace_period_expires_at, v_row.will_renew)
        is distinct from (v_stored.status, v_stored.expires_at, v_stored.grace_period_expires_at, v_stored.will_renew) then
    update billing.store_subscriptions s
    set (user_id, product_id, status, expires_at, will_renew, grace_period_expires_at, is_sandbox, is_family_shared,
         store_event_at, last_event_id, latest_payload, snapshot_rank, snapshot_status, snapshot_expires_at,
         snapshot_will_renew, snapshot_grace_period_expires_at, current_period_id, current_period_ends_at)
      = (v_row.user_id, v_row.product_id, v_row.status, v_row.expires_at, v_row.will_renew, v_row.grace_period_expires_at,
         v_row.is_sandbox, v_row.is_family_shared, v_row.store_event_at, v_row.last_event_id, v_row.latest_payload,
         v_row.snapshot_rank, v_row.snapshot_status, v_row.snapshot_expires_at, v_row.snapshot_will_renew,
         v_row.snapshot_grace_period_expires_at, v_row.current_period_id, v_row.current_period_ends_at)
    where s.id = v_row.id;
  end if;

  update billing.store_events e
  set result = v_result, subscription_id = v_row.id, store_event_at = coalesce(p_event_at, v_event_at, e.store_event_at)
  where e.id = v_ledger_id;

  return query select v_result::text, v_row.id, v_row.user_id;
end;
$$;

comment on function billing.apply_subscription_update is
  'Apply one normalized store update (a snapshot and/or a fact about one period): returns applied | stale | duplicate. Idempotent; the result does not depend on delivery order.';

revoke all on function billing.derive_entitlement(billing.store_subscriptions) from public, anon, authenticated, service_role;
revoke all on function
  billing.apply_subscription_update(text, text, text, timestamptz, text, uuid, text, text, timestamptz, boolean, timestamptz, boolean, boolean, jsonb,
    integer, text, timestamptz, text, timestamptz, boolean, text, timestamptz)
from public, anon, authenticated;
grant execute on function
  billing.apply_subscription_update(text, text, text, timestamptz, text, uuid, text, text, timestamptz, boolean, timestamptz, boolean, boolean, jsonb,
    integer, text, timestamptz, text, timestamptz, boolean, text, timestamptz)
to service_role;

-- Input validation without a query per check ---------------------------------------------------
-- Same contract as in 20261125120200 (SQLSTATE 22023, same message and hint), as a PL/pgSQL
-- expression instead of a SELECT: every store event runs it twice or three times.
create or replace function billing.parse_enum(p_type anyenum, p_value text, p_what text) returns anyenum
language plpgsql immutable
set search_path = ''
as $$
declare
  v_result p_type%type;
begin
  if p_value is null or not (p_value = any (enum_range(p_type)::text[])) then
    raise exception 'unknown % %', p_what, coalesce(quote_literal(p_value), 'null')
      using errcode = '22023',
            hint = 'expected one of: ' || array_to_string(enum_range(p_type)::text[], ', ');
  end if;
  v_result := p_value;
  return v_result;
end;
$$;
