// `npm run dev` as a person uses it: start, read what it serves, Ctrl-C, start again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { freePort } from '../../scripts/lib/local-postgres.ts';
import { repoRoot } from '../../scripts/lib/supabase-compat.ts';
import { asApiRole, userClaims } from './helpers/test-database.ts';

function startDev(env: Record<string, string>): { child: ChildProcess; output: () => string; ready: Promise<void> } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/dev.ts'], { cwd: repoRoot, env: { ...process.env, ...env } });
  let out = '';
  const ready = new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('Ready.')) resolve();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => reject(new Error(`dev exited early (${code}):\n${out}`)));
  });
  return { child, output: () => out, ready };
}

async function interrupt(child: ChildProcess): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  child.kill('SIGINT');
  return exited;
}

function portIsClosed(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.on('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.on('error', () => resolve(true));
  });
}

test('npm run dev serves a migrated, seeded database, stops cleanly on Ctrl-C and restarts', { timeout: 120_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'dev-test-'));
  await chmod(dir, 0o755);
  const port = await freePort();
  const env = { DEV_DATA_DIR: join(dir, 'db'), DEV_DB_PORT: String(port) };
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

    assert.equal(await interrupt(first.child), 0);
    assert.match(first.output(), /Stopped\. Nothing left running\./);
    assert.equal(await portIsClosed(port), true, 'Postgres is gone after Ctrl-C');

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
