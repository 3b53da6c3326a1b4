-- Premium data behind RLS: the database, not the apps' screens, decides who reads premium content.
--
-- public.has_entitlement(p_product_id) answers "is the caller (auth.uid()) entitled right now?" for
-- any table's policy, and public.practice_questions is the real example both apps read through the
-- REST API: free questions for everyone, premium ones for subscribers only.
--
-- How to gate another table: docs/premium-content.md.

-- The helper ------------------------------------------------------------------------------------
-- Name: `has_` because it is a question about the caller (billing.is_entitled answers it about one
-- subscription row); `entitlement` because that is what the stores, the apps and the access token's
-- `entitlements` claim call it. In `public` so any schema's policies and the clients
-- (`rpc('has_entitlement')`, answering only for the caller) reach it under one name.
--
-- The rule stays in one place: billing.is_entitled over the derived columns of
-- billing.store_subscriptions, exactly what public.subscriptions.is_active evaluates (that view
-- shows an entitled subscription first, so its is_active is "some subscription of the user is
-- entitled"). With a product id, only that product's subscriptions count; product ids are the
-- stores' own (Stripe `prod_…`, App Store product identifier), as in subscriptions.product_id.
--
-- SECURITY INVOKER, deliberately:
--   * it reads only the caller's own subscriptions, which `authenticated` may already read through
--     the owner policy on billing.store_subscriptions (the same one public.subscriptions relies
--     on), so it needs no privilege the caller lacks, and cannot become a way round RLS;
--   * Supabase's advisors flag a SECURITY DEFINER function in an exposed schema that
--     `authenticated` can execute (lint 0029, WARN): every signed-up user could call it through
--     /rest/v1/rpc. A definer function would belong in an unexposed schema, which `authenticated`
--     has no usage on here (`private`).
-- The cost of invoker rights is that RLS adds `user_id = (select auth.uid())` to the lookup, the
-- same condition the function already has, answered by store_subscriptions_user_id_idx.
--
-- Performance in a policy: wrap it, `(select public.has_entitlement())`. The planner then runs it
-- once per statement as an InitPlan and each row only tests a boolean parameter; called bare, a
-- function with a SET clause is never inlined and runs once per row (scripts/bench-content.ts
-- measures both). It is STABLE (same answer within a statement; it reads tables and now()) and
-- PARALLEL SAFE (it reads tables and the request's GUCs, which parallel workers share), so a
-- policy using it does not forbid parallel plans on large tables.
--
-- PL/pgSQL rather than SQL: a SQL function that cannot be inlined (it has SET search_path) is
-- parsed and planned again on every call, a PL/pgSQL one keeps its plan for the session (PostgREST
-- keeps its connections): a third of the server time per call (p50 0.05-0.07 ms instead of
-- 0.15-0.20 ms, measured side by side by `npm run bench:content`).
create function public.has_entitlement(p_product_id text default null) returns boolean
language plpgsql stable parallel safe
security invoker
set search_path = ''
as $$
begin
  return exists (
    select 1
    from billing.store_subscriptions s
    where s.user_id = (select auth.uid())
      and (p_product_id is null or s.product_id = p_product_id)
      and billing.is_entitled(s.status, s.expires_at, s.grace_period_expires_at, now())
  );
end;
$$;

comment on function public.has_entitlement(text) is
  'Is the caller (auth.uid()) entitled now, to any product or to p_product_id? The rule of public.subscriptions.is_active. In policies, wrap it: (select public.has_entitlement()).';

-- Signed-in people only. anon has no subscriptions to ask about; policies for anon must not call it.
revoke all on function public.has_entitlement(text) from public, anon, authenticated, service_role;
grant execute on function public.has_entitlement(text) to authenticated;

-- The example: practice exam questions -----------------------------------------------------------
create table public.practice_questions (
  id bigint generated always as identity primary key,
  -- The exam, e.g. `security-plus`; the apps read one exam at a time.
  exam_code text not null check (exam_code ~ '^[a-z0-9]+(-[a-z0-9]+)*$' and char_length(exam_code) <= 64),
  -- Order within the exam (the apps page through it by position).
  position integer not null check (position > 0),
  question text not null check (char_length(question) between 1 and 4000),
  -- The answer choices, as a JSON array of 2 to 8 strings. (CASE: jsonb_array_length raises on a
  -- non-array, and only CASE guarantees the type is tested first; bad content is a check violation.)
  choices jsonb not null check (case when jsonb_typeof(choices) = 'array' then
    jsonb_array_length(choices) between 2 and 8
    and not jsonb_path_exists(choices, '$[*] ? (@.type() != "string")')
  else false end),
  -- Index of the correct choice (0-based).
  answer smallint not null,
  explanation text not null check (char_length(explanation) between 1 and 8000),
  -- Premium unless stated otherwise: a question someone forgot to classify stays closed.
  is_premium boolean not null default true,
  constraint answer_is_a_choice check (
    answer >= 0 and answer < case when jsonb_typeof(choices) = 'array' then jsonb_array_length(choices) else 0 end),
  -- One question per position per exam. The same index serves the apps' page query
  -- (exam_code = … order by position), and, carrying the policy's column, counts without touching
  -- the table (index-only scan, the policy tested on the index entry).
  constraint practice_questions_exam_position_key unique (exam_code, position) include (is_premium)
);
comment on table public.practice_questions is
  'Practice exam questions. Free ones (is_premium = false) for everyone, premium ones for entitled users (RLS).';

alter table public.practice_questions enable row level security;

revoke all on table public.practice_questions from public, anon, authenticated, service_role;
grant select on table public.practice_questions to anon, authenticated;
-- Content is written by the team (service_role: dashboard, scripts), never by a client.
grant select, insert, update, delete on table public.practice_questions to service_role;

-- One policy per role and action (several permissive ones would each be evaluated for every row:
-- advisor lint 0006). anon's never calls the helper, which anon may not execute.
create policy "practice_questions: anyone reads free questions" on public.practice_questions
  for select to anon
  using (not is_premium);

create policy "practice_questions: subscribers read every question" on public.practice_questions
  for select to authenticated
  using (not is_premium or (select public.has_entitlement()));
