-- Billing: a private schema that the Data API does not expose (config.toml [api] schemas).
-- Clients never write here; edge functions apply store events through the functions in the next
-- migration. The `public.subscriptions` view is the clients' only window into it.

create schema billing;
revoke all on schema billing from public;
-- `authenticated` needs usage to read its own rows through the security_invoker view.
grant usage on schema billing to authenticated, service_role;
comment on schema billing is 'Store subscriptions and their event ledger. Not exposed by the Data API.';

create type billing.store as enum ('stripe', 'app_store');

-- Declaration order is meaningful: when two updates of one subscription carry the same store event
-- time, the later status in this list wins (a terminal state beats an earlier one), so any delivery
-- order converges on the same row.
create type billing.subscription_status as enum (
  'incomplete',       -- first payment not done yet (processing, 3-D Secure): not entitled
  'trialing',         -- entitled until expires_at
  'active',           -- entitled until expires_at (also when canceled at period end: will_renew = false)
  'in_grace_period',  -- renewal failed, the store keeps access until grace_period_expires_at
  'past_due',         -- renewal failed, the store is retrying, access suspended
  'paused',           -- paused by the store or the customer: not entitled
  'expired',          -- ended normally (canceled, lapsed, billing retry gave up)
  'refunded',         -- refunded: access ends at once
  'revoked'           -- revoked by the store (e.g. family sharing removed): access ends at once
);

create type billing.event_result as enum ('applied', 'stale', 'ignored', 'failed');

-- At most one Stripe customer per user, and one user per Stripe customer.
create table billing.stripe_customers (
  user_id uuid primary key references auth.users (id) on delete cascade,
  stripe_customer_id text not null unique check (stripe_customer_id ~ '^cus_[A-Za-z0-9]+$'),
  livemode boolean not null,
  created_at timestamptz not null default now()
);

-- One row per Stripe subscription (sub_…) or App Store original transaction id.
create table billing.store_subscriptions (
  id bigint generated always as identity primary key,
  store billing.store not null,
  store_subscription_id text not null check (char_length(store_subscription_id) between 1 and 255),
  -- Null until linked (an App Store purchase whose appAccountToken is not one of our users yet).
  user_id uuid references auth.users (id) on delete set null,
  product_id text not null check (char_length(product_id) between 1 and 255),
  status billing.subscription_status not null,
  -- Current period end (Stripe) / expiresDate (App Store).
  expires_at timestamptz,
  will_renew boolean not null,
  grace_period_expires_at timestamptz,
  is_sandbox boolean not null,
  is_family_shared boolean not null default false,
  -- The store's own time for the state below; newer state never yields to older.
  store_event_at timestamptz not null,
  last_event_id text not null,
  latest_payload jsonb,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (store, store_subscription_id),
  constraint entitled_status_needs_expiry
    check (status not in ('trialing', 'active', 'in_grace_period') or expires_at is not null),
  constraint grace_period_needs_end
    check (status <> 'in_grace_period' or grace_period_expires_at is not null)
);
create index store_subscriptions_user_id_idx on billing.store_subscriptions (user_id);

-- Every store event we received: the idempotency key and the audit trail.
create table billing.store_events (
  id bigint generated always as identity primary key,
  store billing.store not null,
  store_event_id text not null check (char_length(store_event_id) between 1 and 255),
  event_type text not null check (char_length(event_type) between 1 and 100),
  store_event_at timestamptz,
  received_at timestamptz not null default now(),
  processed_at timestamptz,
  attempts integer not null default 1,
  result billing.event_result not null,
  error text,
  subscription_id bigint references billing.store_subscriptions (id) on delete set null,
  unique (store, store_event_id),
  constraint processed_unless_failed check ((result = 'failed') = (processed_at is null))
);
create index store_events_subscription_id_idx on billing.store_events (subscription_id);

-- Row-level security on every table. Only `authenticated` has a policy, and only to read its own
-- subscriptions (the view below is security_invoker). service_role bypasses RLS for reads.
alter table billing.stripe_customers enable row level security;
alter table billing.store_subscriptions enable row level security;
alter table billing.store_events enable row level security;

revoke all on table billing.stripe_customers, billing.store_subscriptions, billing.store_events
  from public, anon, authenticated, service_role;
grant select on table billing.stripe_customers, billing.store_subscriptions, billing.store_events to service_role;
-- Column-level: the raw store payload stays server-side even for its owner.
grant select (id, store, user_id, product_id, status, expires_at, will_renew, grace_period_expires_at,
  is_sandbox, is_family_shared, store_event_at, updated_at)
  on table billing.store_subscriptions to authenticated;

create policy "store_subscriptions: owner can read" on billing.store_subscriptions
  for select to authenticated
  using (user_id = (select auth.uid()));

create trigger store_subscriptions_touch_updated_at
  before update on billing.store_subscriptions
  for each row execute function private.touch_updated_at();
