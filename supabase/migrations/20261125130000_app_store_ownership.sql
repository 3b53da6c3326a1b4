-- App Store ownership: the in-app sync function links an original transaction to the signed-in
-- user, and under the `transfer_to_caller` policy moves it from another account. Every transfer is
-- on record in the ledger, with who it moved from and to.

alter table billing.store_events add column detail jsonb;
comment on column billing.store_events.detail is 'Structured facts about the event (e.g. an ownership transfer: from, to, reason).';

-- Links an unowned subscription to p_user_id, or reports who owns it. With p_transfer, moves it from
-- its current owner to p_user_id and records the transfer. Returns linked | already_owned |
-- owned_by_other | transferred | not_found.
create function billing.claim_subscription(
  p_store text,
  p_store_subscription_id text,
  p_user_id uuid,
  p_transfer boolean,
  p_reason text
) returns table (outcome text, previous_user_id uuid)
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_store billing.store := billing.parse_enum(null::billing.store, p_store, 'store');
  v_row billing.store_subscriptions;
begin
  perform billing.require_value('user id', p_user_id);
  perform billing.require_value('transfer flag', p_transfer);
  select * into v_row from billing.store_subscriptions s
  where s.store = v_store and s.store_subscription_id = p_store_subscription_id
  for update;
  if not found then
    return query select 'not_found'::text, null::uuid;
    return;
  end if;
  if v_row.user_id = p_user_id then
    return query select 'already_owned'::text, v_row.user_id;
    return;
  end if;
  if v_row.user_id is null then
    update billing.store_subscriptions s set user_id = p_user_id where s.id = v_row.id;
    return query select 'linked'::text, null::uuid;
    return;
  end if;
  if not p_transfer then
    return query select 'owned_by_other'::text, v_row.user_id;
    return;
  end if;
  update billing.store_subscriptions s set user_id = p_user_id where s.id = v_row.id;
  insert into billing.store_events (store, store_event_id, event_type, store_event_at, result, processed_at, subscription_id, detail)
  values (v_store, 'transfer:' || p_store_subscription_id || ':' || gen_random_uuid(), 'ownership.transferred', now(),
          'applied', now(), v_row.id,
          jsonb_build_object('from', v_row.user_id, 'to', p_user_id, 'reason', p_reason));
  return query select 'transferred'::text, v_row.user_id;
end;
$$;

revoke all on function billing.claim_subscription(text, text, uuid, boolean, text) from public, anon, authenticated;
grant execute on function billing.claim_subscription(text, text, uuid, boolean, text) to service_role;
