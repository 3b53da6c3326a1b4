-- "Buy on the web" from the iOS app (docs/ios.md, section "Buy on the web"): single-use, short-lived
-- links that open the web checkout signed in as the person who tapped the button in the app.
--
-- The `web-checkout-link` edge function creates a row for the signed-in app user and hands the app
-- a URL whose fragment carries a random 256-bit code; only the code's SHA-256 is stored here, so
-- this table (a backup, a log of it) never holds anything that opens a session. The
-- `web-checkout-exchange` function consumes a row exactly once: it locks it (FOR UPDATE), refuses
-- it when already consumed or past expires_at (the database's clock), marks it consumed, and only
-- then asks Supabase Auth for a one-time sign-in token for that row's user — in the same
-- transaction, so a failed Auth call leaves the link usable and two racing exchanges cannot both win.
--
-- Everything is private: the `private` schema grants no usage to any API role, RLS is on with no
-- policy, and nothing is granted; only the functions' database role (postgres, SUPABASE_DB_URL)
-- reads and writes it. A deleted account takes its links with it (on delete cascade).
create table private.web_checkout_links (
  code_hash bytea primary key check (octet_length(code_hash) = 32),
  user_id uuid not null references auth.users (id) on delete cascade,
  -- The App Store storefront the app reported (ISO 3166-1 alpha-3, e.g. USA), for the record.
  storefront text not null check (storefront ~ '^[A-Z]{3}$'),
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  consumed_at timestamptz,
  check (expires_at > created_at and expires_at <= created_at + interval '10 minutes'),
  check (consumed_at is null or consumed_at >= created_at)
);

comment on table private.web_checkout_links is
  'Single-use sign-in links from the iOS app to the web checkout (SHA-256 of the code only). Written and consumed by the web-checkout-link and web-checkout-exchange edge functions.';

-- Per-user bound (live links and links per hour) and the purge of old rows.
create index web_checkout_links_user_created on private.web_checkout_links (user_id, created_at);
create index web_checkout_links_expires on private.web_checkout_links (expires_at);

alter table private.web_checkout_links enable row level security;
revoke all on table private.web_checkout_links from public, anon, authenticated, service_role;
