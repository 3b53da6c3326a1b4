-- Profiles: one row per auth.users row, created at sign-up on either platform.
--
-- Supabase grants every new `public` table to the API roles by default, so each object below
-- revokes those grants and hands back exactly what a client may do.

create schema if not exists private;
revoke all on schema private from public;
comment on schema private is 'Trigger and helper functions that no API role may call.';

create table public.profiles (
  id uuid primary key references auth.users (id) on delete cascade,
  display_name text check (display_name is null or char_length(display_name) between 1 and 100),
  avatar_url text check (avatar_url is null or (char_length(avatar_url) <= 2048 and avatar_url ~ '^https://')),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
comment on table public.profiles is 'Public profile of each account, shared by the web and iOS apps.';

alter table public.profiles enable row level security;

revoke all on table public.profiles from anon, authenticated, service_role;
grant select on table public.profiles to authenticated;
-- Only the "safe" columns are writable by their owner; id and timestamps are not.
grant update (display_name, avatar_url) on table public.profiles to authenticated;
grant select, insert, update, delete on table public.profiles to service_role;

create policy "profiles: owner can read" on public.profiles
  for select to authenticated
  using ((select auth.uid()) = id);

create policy "profiles: owner can update" on public.profiles
  for update to authenticated
  using ((select auth.uid()) = id)
  with check ((select auth.uid()) = id);

-- Helpers ---------------------------------------------------------------------------------------

create function private.touch_updated_at() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  new.updated_at := now();
  return new;
end;
$$;

-- Name and avatar from OAuth metadata. Google sends full_name/name/picture/avatar_url; Apple's web
-- flow sends full_name on the first sign-in only; email sign-ups may pass full_name in `data`.
-- These must never raise: a failing trigger would block every sign-up.
create function private.profile_name_from_metadata(meta jsonb) returns text
language sql immutable
set search_path = ''
as $$
  select left(nullif(btrim(coalesce(
    nullif(btrim(meta ->> 'full_name'), ''),
    nullif(btrim(meta ->> 'name'), ''),
    nullif(btrim(meta ->> 'display_name'), ''),
    nullif(btrim(concat_ws(' ', nullif(btrim(meta ->> 'given_name'), ''), nullif(btrim(meta ->> 'family_name'), ''))), '')
  )), ''), 100)
$$;

create function private.profile_avatar_from_metadata(meta jsonb) returns text
language sql immutable
set search_path = ''
as $$
  select url
  from (select coalesce(nullif(btrim(meta ->> 'avatar_url'), ''), nullif(btrim(meta ->> 'picture'), '')) as url) candidate
  where url ~ '^https://' and char_length(url) <= 2048
$$;

create function private.handle_new_user() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  insert into public.profiles (id, display_name, avatar_url)
  values (
    new.id,
    private.profile_name_from_metadata(coalesce(new.raw_user_meta_data, '{}'::jsonb)),
    private.profile_avatar_from_metadata(coalesce(new.raw_user_meta_data, '{}'::jsonb))
  )
  on conflict (id) do nothing;
  return new;
end;
$$;

-- Sign in with Apple on iOS reveals the name only on the first authorization, after the account
-- exists; the app then stores it with updateUser(data:). Fill empty profile fields from it, never
-- overwrite what the person chose.
create function private.handle_user_metadata_update() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  update public.profiles p
  set display_name = coalesce(p.display_name, private.profile_name_from_metadata(coalesce(new.raw_user_meta_data, '{}'::jsonb))),
      avatar_url = coalesce(p.avatar_url, private.profile_avatar_from_metadata(coalesce(new.raw_user_meta_data, '{}'::jsonb)))
  where p.id = new.id
    and (p.display_name is null or p.avatar_url is null);
  return new;
end;
$$;

revoke all on function private.touch_updated_at(), private.profile_name_from_metadata(jsonb),
  private.profile_avatar_from_metadata(jsonb), private.handle_new_user(),
  private.handle_user_metadata_update() from public, anon, authenticated, service_role;

create trigger profiles_touch_updated_at
  before update on public.profiles
  for each row execute function private.touch_updated_at();

create trigger on_auth_user_created
  after insert on auth.users
  for each row execute function private.handle_new_user();

create trigger on_auth_user_metadata_updated
  after update of raw_user_meta_data on auth.users
  for each row
  when (old.raw_user_meta_data is distinct from new.raw_user_meta_data)
  execute function private.handle_user_metadata_update();
