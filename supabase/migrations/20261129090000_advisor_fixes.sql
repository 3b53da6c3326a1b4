-- Fixes for Supabase's database advisors (`supabase db advisors`, which `npm test` runs against the
-- migrated database and fails on any WARN or ERROR; see supabase/tests/database/advisors.test.ts).
--
-- function_search_path_mutable (WARN, security): billing.is_entitled resolved names through the
-- caller's search_path. It is not security definer and names nothing outside pg_catalog, so nobody
-- could exploit it today, but a later edit naming a table, type or function could silently pick up
-- an object from a schema the caller controls. It now runs with an empty search_path (pg_catalog is
-- always searched first, so its operators still resolve) like every other function here.
--
-- Performance trade-off. Postgres inlines a LANGUAGE sql function into the calling query only when
-- it has no SET clause, and public.subscriptions evaluates the rule several times per row (is_active,
-- its sort keys and the both-stores window). Just adding `set search_path = ''` to the SQL function
-- turned each of those into a full SQL-function execution, re-planned for every query: measured on
-- 200,000 users / 86,000 subscriptions (embedded Postgres 17, median of 5), one user's row by
-- user_id went from 31 us to 106 us of server time and the whole view from 0.24 s to 1.16 s. The
-- same expression in PL/pgSQL runs through its cached simple-expression path: 31 us per user (the
-- hot path: clients read their own row through RLS, the edge functions filter by user_id, which is
-- still pushed down to store_subscriptions_user_id_idx) and 0.44 s for the whole view, which no code
-- path reads unfiltered. The plan keeps its shape; only the inlined CASE becomes a function call.
-- Same name, arguments, result, volatility and privileges, so the view and the grants are unchanged.
create or replace function billing.is_entitled(
  p_status billing.subscription_status,
  p_expires_at timestamptz,
  p_grace_period_expires_at timestamptz,
  p_at timestamptz
) returns boolean
language plpgsql immutable parallel safe
set search_path = ''
as $$
begin
  return coalesce(case
    when p_status in ('active', 'trialing') then p_expires_at > p_at
    when p_status = 'in_grace_period' then p_grace_period_expires_at > p_at
    else false
  end, false);
end;
$$;

comment on function billing.is_entitled(billing.subscription_status, timestamptz, timestamptz, timestamptz) is
  'Entitlement rule: does a subscription in this state grant access at p_at? Evaluated by public.subscriptions at read time.';
