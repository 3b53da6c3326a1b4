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
    const preflight = await fetch(`http://127.0.0.1:${env.DEV_API_PORT}/functions/v1/subscribe`, { method: 'OPTIONS', headers: { origin: 'http://127.0.0.1:5173' } });
    assert.equal(preflight.status, 204);

    assert.equal(await interrupt(first.child), 0);
    assert.match(first.output(), /Stopped\. Nothing left running\./);
    for (const p of [env.DEV_DB_PORT, env.DEV_API_PORT, env.DEV_STRIPE_PORT]) assert.equal(await portIsClosed(Number(p)), true, `port ${p} closed after Ctrl-C`);

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
