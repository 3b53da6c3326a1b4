-- Entitlement in the access token: a Supabase Auth custom access token hook
-- (https://supabase.com/docs/guides/auth/auth-hooks/custom-access-token-hook), enabled in
-- supabase/config.toml under [auth.hook.custom_access_token]. Supabase Auth calls it as the role
-- `supabase_auth_admin`, in the transaction that issues the token (sign-in and every refresh):
--   select "public"."custom_access_token_hook"('{"user_id": …, "claims": {…}, "authentication_method": …}');
-- and signs the `claims` it returns. It adds one claim, `entitlements`, so any backend can answer
-- "is this person premium?" offline, after verifying the JWT against the project's JWKS
-- (docs/entitlement-claims.md; supabase/functions/_shared/entitlement-claims.ts reads it):
--
--   {"active": true, "status": "active", "store": "stripe", "product_id": "prod_…",
--    "expires_at": 1767225600, "will_renew": true}                    -- times: Unix seconds, as exp
--   {"active": true, "status": "in_grace_period", …, "grace_period_ends_at": 1767830400}
--   {"active": false}                                                  -- no subscription at all
--   (no `entitlements` claim)                                          -- unknown: read the view
--
-- One place for the rule: the claim is the caller's row of public.subscriptions as it reads at
-- issue time (is_active by billing.is_entitled against now(), the same representative
-- subscription across both stores), copied, never re-derived. Whoever reads the claim later applies
-- the clock to expires_at / grace_period_ends_at, so a token cannot grant access beyond the paid
-- period it was issued in (isPremium in _shared/entitlement-claims.ts).
--
-- It must never fail a sign-in: a user with no row gets {"active": false}; if the row cannot be
-- read (a privilege or data error), the claim is left out and the token is issued anyway (a
-- warning goes to the Postgres log). Every claim Supabase Auth passed in is returned unchanged.
--
-- Privileges, as Supabase documents for Postgres hooks: executable by supabase_auth_admin only (not
-- through the Data API), no `security definer` (the docs advise against it); instead the role is
-- granted exactly what the view reads, and a row-level policy lets it read every subscription
-- (it already owns auth.users; it gets the columns the owner may read, never the raw payload).

create function public.custom_access_token_hook(event jsonb) returns jsonb
language plpgsql
stable
set search_path = ''
as $$
declare
  v_claims jsonb := coalesce(event -> 'claims', '{}'::jsonb);
  v_entitlements jsonb;
begin
  begin
    select jsonb_strip_nulls(jsonb_build_object(
             'active', s.is_active,
             'status', s.status,
             'store', s.store,
             'product_id', s.product_id,
             -- Unix seconds like exp, rounded down: never later than the period really ends.
             'expires_at', floor(extract(epoch from s.current_period_ends_at))::bigint,
             'grace_period_ends_at',
               case when s.in_grace_period then floor(extract(epoch from s.grace_period_ends_at))::bigint end,
             'will_renew', s.will_renew))
      into v_entitlements
    from public.subscriptions s
    where s.user_id = (event ->> 'user_id')::uuid;
    v_entitlements := coalesce(v_entitlements, '{"active": false}'::jsonb);
  exception when others then
    -- Unknown is not "not subscribed": leave the claim out, so readers fall back to the view.
    raise warning 'custom_access_token_hook: entitlements claim left out for user %: % (SQLSTATE %)',
      event ->> 'user_id', sqlerrm, sqlstate;
    v_entitlements := null;
  end;

  if v_entitlements is not null then
    v_claims := v_claims || jsonb_build_object('entitlements', v_entitlements);
  end if;
  return jsonb_build_object('claims', v_claims);
end;
$$;

comment on function public.custom_access_token_hook(jsonb) is
  'Supabase Auth custom access token hook: adds the entitlements claim (the caller''s public.subscriptions row at issue time). Executable by supabase_auth_admin only.';

-- Executable by Supabase Auth only: not by the Data API roles (public's default privileges grant
-- new functions to anon, authenticated and service_role), so nobody can mint claims through RPC.
revoke all on function public.custom_access_token_hook(jsonb) from public, anon, authenticated, service_role;
grant usage on schema public to supabase_auth_admin;
grant execute on function public.custom_access_token_hook(jsonb) to supabase_auth_admin;

-- What the hook reads, as supabase_auth_admin (the view is security_invoker).
grant select on table public.subscriptions to supabase_auth_admin;
grant usage on schema billing to supabase_auth_admin;
grant select (id, store, user_id, product_id, status, expires_at, will_renew, grace_period_expires_at,
  is_sandbox, is_family_shared, store_event_at, updated_at)
  on table billing.store_subscriptions to supabase_auth_admin;
grant execute on function billing.is_entitled(billing.subscription_status, timestamptz, timestamptz, timestamptz)
  to supabase_auth_admin;

create policy "store_subscriptions: Supabase Auth reads for the access token hook" on billing.store_subscriptions
  for select to supabase_auth_admin
  using (true);
