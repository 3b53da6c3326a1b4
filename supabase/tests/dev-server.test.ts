// `npm run dev` as a person uses it: start, read what it serves, Ctrl-C, start again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { devEnv, interrupt, portIsClosed, startDev } from './helpers/dev-stack.ts';
import { repoRoot } from '../../scripts/lib/supabase-compat.ts';
import { asApiRole, userClaims } from './helpers/test-database.ts';

test('npm run dev serves a migrated, seeded database, stops cleanly on Ctrl-C and restarts', { timeout: 120_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'dev-test-'));
  await chmod(dir, 0o755);
  const env = await devEnv(join(dir, 'db'));
  const port = Number(env.DEV_DB_PORT);
  try {
    const first = startDev(env);
    await first.ready;
    const migrations = (await readdir(join(repoRoot, 'supabase', 'migrations'))).filter((f) => f.endsWith('.sql')).length;
    assert.match(first.output(), new RegExp(`Applied ${migrations} migration\\(s\\) with the Supabase CLI`));
    assert.match(first.output(), /Seeded demo users/);
    const dbUrl = first.output().match(/postgresql:\/\/\S+/)?.[0];
    assert.ok(dbUrl, 'prints the database URL');

    const owner = postgres(dbUrl, { max: 1, onnotice: () => {} });
    const secrets = JSON.parse(await readFile(`${env.DEV_DATA_DIR}.secrets.json`, 'utf8'));
    const api = postgres(dbUrl.replace('postgres:postgres@', `authenticator:${secrets.authenticatorPassword}@`), { max: 1 });
    try {
      const [alex] = await owner`select id from auth.users where email = 'alex@example.com'`;
      const rows = await asApiRole(api, 'authenticated', userClaims(alex.id), (tx) => tx`select store, is_active from public.subscriptions`);
      assert.deepEqual(rows.map((r) => ({ ...r })), [{ store: 'stripe', is_active: true }]);
      const [jamie] = await owner`select id from auth.users where email = 'jamie@example.com'`;
      const [j] = await asApiRole(api, 'authenticated', userClaims(jamie.id), (tx) => tx`select status, is_active from public.subscriptions`);
      assert.deepEqual({ ...j }, { status: 'in_grace_period', is_active: true });
    } finally {
      await owner.end();
      await api.end();
    }

    // Every edge function is served at the URLs `supabase start` uses.
    const health = await (await fetch(`http://127.0.0.1:${env.DEV_API_PORT}/health`)).json();
    assert.deepEqual(health.functions.sort(), (await readdir(join(repoRoot, 'supabase', 'functions'))).filter((f) => !f.startsWith('_')).sort());
    // The web app, at the printed URL (DEV_WEB_PORT, 5173 by default), is the origin the functions allow.
    const web = `http://127.0.0.1:${env.DEV_WEB_PORT}`;
    const preflight = await fetch(`http://127.0.0.1:${env.DEV_API_PORT}/functions/v1/subscribe`, { method: 'OPTIONS', headers: { origin: web } });
    assert.equal(preflight.status, 204);

    // Built against this machine only (Supabase at the gateway, the local Stripe.js stand-in loaded
    // first), with the seeded people able to sign in.
    assert.match(first.output(), new RegExp(`Web app\\s+${web.replaceAll('.', '\\.')}`));
    const html = await (await fetch(`${web}/sign-in`)).text();
    assert.match(html, /<div id="root">/);
    assert.match(html, /<script src="\/@local-sandbox\/stripe\.js"><\/script>/);
    const config = await (await fetch(`${web}/src/config.ts`)).text();
    assert.match(config, new RegExp(`"VITE_SUPABASE_URL": "http://127\\.0\\.0\\.1:${env.DEV_API_PORT}"`));
    assert.doesNotMatch(config, /supabase\.co\b|pk_live_/);
    assert.match(await (await fetch(`${web}/@local-sandbox/stripe.js`)).text(), /installFakeStripe|FakeStripeInstance/);
    const gateway = `http://127.0.0.1:${env.DEV_API_PORT}`;
    const signIn = await fetch(`${gateway}/auth/v1/token?grant_type=password`, {
      method: 'POST', headers: { 'content-type': 'application/json', apikey: 'sb_publishable_local_sandbox' },
      body: JSON.stringify({ email: 'alex@example.com', password: 'password123' }),
    });
    assert.equal(signIn.status, 200);
    const session = await signIn.json();
    assert.equal(session.user.email, 'alex@example.com');
    const rest = await fetch(`${gateway}/rest/v1/subscriptions?select=store,is_active`, { headers: { apikey: 'sb_publishable_local_sandbox', authorization: `Bearer ${session.access_token}` } });
    assert.deepEqual(await rest.json(), [{ store: 'stripe', is_active: true }]);
    // The real subscribe function trusts the stand-in's token (one local signing key) and reads Alex's row.
    const subscribe = await fetch(`${gateway}/functions/v1/subscribe`, { method: 'POST', headers: { origin: web, authorization: `Bearer ${session.access_token}`, 'content-type': 'application/json' }, body: '{}' });
    assert.equal(subscribe.status, 409);
    assert.equal((await subscribe.json()).error.code, 'already_subscribed');

    assert.equal(await interrupt(first.child), 0);
    assert.match(first.output(), /Stopped\. Nothing left running\./);
    for (const p of [env.DEV_DB_PORT, env.DEV_API_PORT, env.DEV_STRIPE_PORT, env.DEV_WEB_PORT]) assert.equal(await portIsClosed(Number(p)), true, `port ${p} closed after Ctrl-C`);

    const second = startDev(env);
    await second.ready;
    assert.match(second.output(), /Migrations are up to date/);
    assert.doesNotMatch(second.output(), /Seeded/);
    assert.equal(await interrupt(second.child), 0);
    assert.equal(await portIsClosed(port), true);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
