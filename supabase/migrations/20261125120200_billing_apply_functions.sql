-- The only write path to billing data. Edge functions normalize a store event (Stripe webhook,
-- App Store notification or in-app transaction) and call one of these in one transaction.
--
-- Guarantees:
--   * idempotent: the (store, event id) ledger row makes a redelivered event change nothing;
--   * order-safe: a subscription row only moves forward in (store event time, status, event id);
--   * strict: unknown store/status values and incomplete updates raise SQLSTATE 22023 with a clear
--     message before anything is written.
-- All are security definer with an empty search_path and executable by service_role only.

-- Input validation ------------------------------------------------------------------------------

-- Text to enum value, or SQLSTATE 22023 naming the accepted values. p_type only carries the
-- enum type (pass null::billing.store); p_what names the value in the message.
create function billing.parse_enum(p_type anyenum, p_value text, p_what text) returns anyenum
language plpgsql immutable
set search_path = ''
as $$
declare
  v_result p_type%type;
begin
  select e into v_result from unnest(enum_range(p_type)) as e where e::text = p_value;
  if v_result is null then
    raise exception 'unknown % %', p_what, coalesce(quote_literal(p_value), 'null')
      using errcode = '22023',
            hint = 'expected one of: ' || array_to_string(enum_range(p_type)::text[], ', ');
  end if;
  return v_result;
end;
$$;

create function billing.require_value(p_name text, p_value anyelement) returns void
language plpgsql immutable
set search_path = ''
as $$
begin
  if p_value is null or (pg_typeof(p_value) = 'text'::regtype and btrim(p_value::text) = '') then
    raise exception 'missing %', p_name using errcode = '22023';
  end if;
end;
$$;

-- Entitlement rule: the one place that decides whether a subscription row grants access at a given
-- moment. Pure, so the view evaluates it against now() at read time: a missed webhook can neither
-- keep someone subscribed past their paid time nor cut them off before it ends.
create function billing.is_entitled(
  p_status billing.subscription_status,
  p_expires_at timestamptz,
  p_grace_period_expires_at timestamptz,
  p_at timestamptz
) returns boolean
language sql immutable parallel safe
as $$
  select coalesce(case
    when p_status in ('active', 'trialing') then p_expires_at > p_at
    when p_status = 'in_grace_period' then p_grace_period_expires_at > p_at
    else false
  end, false)
$$;

-- Apply one normalized subscription update ----------------------------------------------------

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
  p_payload jsonb default null
) returns table (result text, subscription_id bigint, user_id uuid)
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_store billing.store := billing.parse_enum(null::billing.store, p_store, 'store');
  v_status billing.subscription_status := billing.parse_enum(null::billing.subscription_status, p_status, 'subscription status');
  v_ledger_id bigint;
  v_row billing.store_subscriptions;
  v_user_id uuid := p_user_id;
  v_result billing.event_result;
begin
  perform billing.require_value('event id', p_event_id);
  perform billing.require_value('event type', p_event_type);
  perform billing.require_value('event time', p_event_at);
  perform billing.require_value('store subscription id', p_store_subscription_id);
  perform billing.require_value('product id', p_product_id);
  perform billing.require_value('will_renew', p_will_renew);
  perform billing.require_value('is_sandbox', p_is_sandbox);
  if v_status in ('trialing', 'active', 'in_grace_period') and p_expires_at is null then
    raise exception 'status % needs an expiry (expires_at)', v_status using errcode = '22023';
  end if;
  if v_status = 'in_grace_period' and p_grace_period_expires_at is null then
    raise exception 'status in_grace_period needs grace_period_expires_at' using errcode = '22023';
  end if;

  -- Idempotency: a processed event is never applied twice; a failed one may be retried.
  insert into billing.store_events as e (store, store_event_id, event_type, store_event_at, result, processed_at)
  values (v_store, p_event_id, p_event_type, p_event_at, 'applied', now())
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

  insert into billing.store_subscriptions as s (
    store, store_subscription_id, user_id, product_id, status, expires_at, will_renew,
    grace_period_expires_at, is_sandbox, is_family_shared, store_event_at, last_event_id, latest_payload)
  values (
    v_store, p_store_subscription_id, v_user_id, p_product_id, v_status, p_expires_at, p_will_renew,
    p_grace_period_expires_at, p_is_sandbox, coalesce(p_is_family_shared, false), p_event_at, p_event_id, p_payload)
  on conflict (store, store_subscription_id) do nothing
  returning * into v_row;

  if found then
    v_result := 'applied';
  else
    -- Serialize concurrent updates of one subscription, then keep whichever state is newest.
    select * into v_row
    from billing.store_subscriptions s
    where s.store = v_store and s.store_subscription_id = p_store_subscription_id
    for update;

    if (p_event_at, v_status, p_event_id collate "C") > (v_row.store_event_at, v_row.status, v_row.last_event_id collate "C") then
      update billing.store_subscriptions s
      set user_id = coalesce(s.user_id, v_user_id),  -- ownership changes only through explicit linking
          product_id = p_product_id,
          status = v_status,
          expires_at = p_expires_at,
          will_renew = p_will_renew,
          grace_period_expires_at = p_grace_period_expires_at,
          is_sandbox = p_is_sandbox,
          is_family_shared = coalesce(p_is_family_shared, false),
          store_event_at = p_event_at,
          last_event_id = p_event_id,
          latest_payload = p_payload
      where s.id = v_row.id
      returning * into v_row;
      v_result := 'applied';
    else
      -- Older than what we have: keep the state, but an older event may still carry the owner.
      if v_row.user_id is null and v_user_id is not null then
        update billing.store_subscriptions s set user_id = v_user_id where s.id = v_row.id
        returning * into v_row;
      end if;
      v_result := 'stale';
    end if;
  end if;

  update billing.store_events e
  set result = v_result, subscription_id = v_row.id
  where e.id = v_ledger_id;

  return query select v_result::text, v_row.id, v_row.user_id;
end;
$$;

comment on function billing.apply_subscription_update is
  'Apply one normalized store update: returns applied | stale | duplicate. Idempotent and order-safe.';

-- Record an event that changes no subscription ---------------------------------------------------
-- 'applied': acted on without a subscription row (e.g. a Stripe customer mapping removed).
-- 'ignored': handled and deliberately not applied (unsupported type, unknown customer).
-- 'failed' : processing failed; recorded in its own transaction for the audit trail, and retried
--            when the store redelivers.
create function billing.record_store_event(
  p_store text,
  p_event_id text,
  p_event_type text,
  p_event_at timestamptz,
  p_result text,
  p_error text default null
) returns text
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_store billing.store := billing.parse_enum(null::billing.store, p_store, 'store');
  v_ledger_id bigint;
begin
  perform billing.require_value('event id', p_event_id);
  perform billing.require_value('event type', p_event_type);
  if p_result is null or p_result not in ('applied', 'ignored', 'failed') then
    raise exception 'record_store_event takes result applied, ignored or failed, not %', coalesce(quote_literal(p_result), 'null')
      using errcode = '22023';
  end if;

  insert into billing.store_events as e (store, store_event_id, event_type, store_event_at, result, processed_at, error)
  values (v_store, p_event_id, p_event_type, p_event_at, p_result::billing.event_result,
          case when p_result = 'failed' then null else now() end, left(p_error, 2000))
  on conflict (store, store_event_id) do update
    set attempts = e.attempts + 1, received_at = now(), result = excluded.result,
        processed_at = excluded.processed_at, error = excluded.error
    where e.result = 'failed'
  returning e.id into v_ledger_id;

  return case when v_ledger_id is null then 'duplicate' else 'recorded' end;
end;
$$;

-- Stripe customer mapping -------------------------------------------------------------------------
-- Returns the customer id now mapped to the user. A second, different customer for the same user
-- (two racing subscribe calls) is refused with unique_violation, so the caller reuses the winner.
create function billing.link_stripe_customer(p_user_id uuid, p_stripe_customer_id text, p_livemode boolean)
returns text
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_existing text;
begin
  perform billing.require_value('user id', p_user_id);
  perform billing.require_value('stripe customer id', p_stripe_customer_id);
  perform billing.require_value('livemode', p_livemode);
  if p_stripe_customer_id !~ '^cus_[A-Za-z0-9]+$' then
    raise exception 'not a Stripe customer id: %', quote_literal(p_stripe_customer_id) using errcode = '22023';
  end if;

  insert into billing.stripe_customers (user_id, stripe_customer_id, livemode)
  values (p_user_id, p_stripe_customer_id, p_livemode)
  on conflict (user_id) do nothing;

  select c.stripe_customer_id into v_existing from billing.stripe_customers c where c.user_id = p_user_id;
  if v_existing is distinct from p_stripe_customer_id then
    raise exception 'user % already has Stripe customer %', p_user_id, v_existing
      using errcode = '23505', detail = v_existing;
  end if;
  return v_existing;
end;
$$;

create function billing.unlink_stripe_customer(p_stripe_customer_id text) returns boolean
language sql
security definer
set search_path = ''
as $$
  with deleted as (
    delete from billing.stripe_customers c where c.stripe_customer_id = p_stripe_customer_id returning 1
  )
  select exists (select 1 from deleted)
$$;

-- Privileges --------------------------------------------------------------------------------------
revoke all on function
  billing.parse_enum(anyenum, text, text),
  billing.require_value(text, anyelement),
  billing.is_entitled(billing.subscription_status, timestamptz, timestamptz, timestamptz),
  billing.apply_subscription_update(text, text, text, timestamptz, text, uuid, text, text, timestamptz, boolean, timestamptz, boolean, boolean, jsonb),
  billing.record_store_event(text, text, text, timestamptz, text, text),
  billing.link_stripe_customer(uuid, text, boolean),
  billing.unlink_stripe_customer(text)
from public, anon, authenticated;

grant execute on function
  billing.apply_subscription_update(text, text, text, timestamptz, text, uuid, text, text, timestamptz, boolean, timestamptz, boolean, boolean, jsonb),
  billing.record_store_event(text, text, text, timestamptz, text, text),
  billing.link_stripe_customer(uuid, text, boolean),
  billing.unlink_stripe_customer(text)
to service_role;

-- The view evaluates the entitlement rule as the reading user.
grant execute on function billing.is_entitled(billing.subscription_status, timestamptz, timestamptz, timestamptz)
  to authenticated, service_role;
