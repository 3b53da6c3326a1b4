-- App data carried over from the apps this replaces (and kept by them from now on): a username,
-- XP and coins per account. People read their own; only the server writes (XP and coins must not be
-- editable from a client).

create table public.player_stats (
  user_id uuid primary key references auth.users (id) on delete cascade,
  username text unique check (username is null or username ~ '^[A-Za-z0-9_.-]{2,32}$'),
  xp bigint not null default 0 check (xp >= 0),
  coins bigint not null default 0 check (coins >= 0),
  updated_at timestamptz not null default now()
);
comment on table public.player_stats is 'Per-account app data (username, XP, coins); written server-side only.';

alter table public.player_stats enable row level security;
revoke all on table public.player_stats from anon, authenticated, service_role;
grant select on table public.player_stats to authenticated;
grant select, insert, update, delete on table public.player_stats to service_role;

create policy "player_stats: owner can read" on public.player_stats
  for select to authenticated
  using ((select auth.uid()) = user_id);

create trigger player_stats_touch_updated_at
  before update on public.player_stats
  for each row execute function private.touch_updated_at();
