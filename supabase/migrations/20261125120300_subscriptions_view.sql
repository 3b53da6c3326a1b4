-- public.subscriptions: what the web app (supabase-js) and the iOS app (supabase-swift) read.
-- One row per user: their effective entitlement across both stores, computed at read time.
--
-- security_invoker: the reader's own privileges and RLS apply, so a signed-in user sees only their
-- row (policy on billing.store_subscriptions), anon sees nothing, and nobody can write through it.

create view public.subscriptions
with (security_invoker = true)
as
with evaluated as (
  select
    s.id,
    s.user_id,
    s.store,
    s.product_id,
    s.status,
    s.expires_at,
    s.will_renew,
    s.grace_period_expires_at,
    s.is_sandbox,
    s.is_family_shared,
    s.store_event_at,
    s.updated_at,
    billing.is_entitled(s.status, s.expires_at, s.grace_period_expires_at, now()) as is_active
  from billing.store_subscriptions s
  where s.user_id is not null
)
select distinct on (e.user_id)
  e.user_id,
  e.is_active,
  e.status::text as status,
  e.store::text as store,
  e.product_id,
  e.expires_at as current_period_ends_at,
  e.will_renew,
  e.status = 'in_grace_period' as in_grace_period,
  e.grace_period_expires_at as grace_period_ends_at,
  e.status in ('in_grace_period', 'past_due') as has_billing_issue,
  e.is_sandbox,
  e.is_family_shared,
  case e.store when 'stripe' then 'stripe_customer_portal' else 'app_store' end as manage_with,
  case e.store when 'app_store' then 'https://apps.apple.com/account/subscriptions' end as manage_url,
  coalesce(bool_or(e.is_active) filter (where e.store = 'stripe') over per_user, false)
    and coalesce(bool_or(e.is_active) filter (where e.store = 'app_store') over per_user, false)
    as active_in_both_stores,
  e.updated_at
from evaluated e
window per_user as (partition by e.user_id)
-- Which subscription represents the user: an entitled one first (one that renews, then the one
-- that lasts longest), otherwise the most recent state (e.g. a payment still processing).
order by
  e.user_id,
  e.is_active desc,
  (e.is_active and e.will_renew) desc,
  case when e.is_active then coalesce(e.grace_period_expires_at, e.expires_at) end desc nulls last,
  e.store_event_at desc,
  e.id desc;

comment on view public.subscriptions is
  'Each user''s effective subscription across Stripe and the App Store; is_active is evaluated at read time.';

revoke all on table public.subscriptions from public, anon, authenticated, service_role;
grant select on table public.subscriptions to authenticated, service_role;
