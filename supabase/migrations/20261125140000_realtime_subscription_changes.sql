-- Realtime: the apps listen for changes to their own store subscriptions (postgres_changes on
-- billing.store_subscriptions, filtered by RLS to the signed-in user) and then re-read the
-- `subscriptions` view, which Realtime cannot watch itself. Expiry needs no write, so the apps
-- also refresh when the paid or grace period ends.
alter publication supabase_realtime add table billing.store_subscriptions;
