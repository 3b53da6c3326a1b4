// supabase/config.toml: accepted by the real CLI, and configured for one identity across web + iOS.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'smol-toml';
import { repoRoot } from '../../scripts/lib/supabase-compat.ts';

const run = promisify(execFile);
const configPath = join(repoRoot, 'supabase', 'config.toml');

// deno-lint-ignore no-explicit-any
type Config = Record<string, any>;
const load = async (): Promise<Config> => parse(await readFile(configPath, 'utf8')) as Config;

test('the Supabase CLI reads the config without warnings (it fails only on the unreachable database)', async () => {
  const result = await run(join(repoRoot, 'node_modules', '.bin', 'supabase'),
    ['db', 'push', '--dry-run', '--remote=postgresql://postgres:x@127.0.0.1:1/postgres?sslmode=disable'],
    { cwd: repoRoot, env: { ...process.env, SUPABASE_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1' } })
    .then((r) => `${r.stdout}${r.stderr}`, (e: { stdout: string; stderr: string }) => `${e.stdout}${e.stderr}`);
  assert.doesNotMatch(result, /Failed reading config|failed to load config|Invalid /i);
  // CLI 3 warns about deprecated keys (`... is deprecated and will be removed in v4, use ...`),
  // keys it does not recognize and ignores, and deprecated flags: each is a config to fix now.
  assert.doesNotMatch(result, /^(WARN|Warning)\b|deprecated|does not recognize/im, result);
  assert.match(result, /Target: custom Postgres/);
  assert.match(result, /connect|refused|Network/i);
});

test('Postgres 17, as on hosted Supabase and in our embedded harness', async () => {
  assert.equal((await load()).db.major_version, 17);
});

test('billing stays private: only public and graphql_public are exposed by the Data API', async () => {
  assert.deepEqual((await load()).api.schemas, ['public', 'graphql_public']);
});

test('email sign-up is on and requires confirmation; manual identity linking is on', async () => {
  const { auth } = await load();
  // CLI 3 names the email provider switch `enabled` (was `enable_signup`, removed in v4).
  assert.equal(auth.email.enabled, true);
  assert.equal(auth.email.enable_signup, undefined);
  assert.equal(auth.enable_signup, true);
  assert.equal(auth.email.enable_confirmations, true);
  assert.equal(auth.enable_manual_linking, true);
  assert.ok(auth.minimum_password_length >= 8);
});

test('Google and Apple accept the web and iOS client ids from env, with the right nonce settings', async () => {
  const { auth } = await load();
  for (const provider of ['google', 'apple']) {
    const p = auth.external[provider];
    assert.equal(p.enabled, true, provider);
    assert.match(p.client_id, /^env\(SUPABASE_AUTH_EXTERNAL_[A-Z]+_CLIENT_ID\)$/, provider);
    assert.match(p.secret, /^env\(SUPABASE_AUTH_EXTERNAL_[A-Z]+_SECRET\)$/, provider);
  }
  // Google's iOS SDK does not expose the raw nonce; Apple's native flow sends one.
  assert.equal(auth.external.google.skip_nonce_check, true);
  assert.equal(auth.external.apple.skip_nonce_check, false);
});

test('redirects allow the web callback and the iOS URL scheme', async () => {
  const { auth } = await load();
  const urls: string[] = auth.additional_redirect_urls;
  assert.ok(urls.some((u) => u.startsWith('certgamesapp://')), 'iOS app URL scheme');
  assert.ok(urls.some((u) => /\/auth\/callback$/.test(u)), 'web OAuth callback');
});

test('every variable the config reads from env is documented in .env.example', async () => {
  const config = await readFile(configPath, 'utf8');
  const example = await readFile(join(repoRoot, '.env.example'), 'utf8');
  const uncommented = config.split('\n').filter((l) => !l.trimStart().startsWith('#')).join('\n');
  const used = [...uncommented.matchAll(/env\(([A-Z0-9_]+)\)/g)].map((m) => m[1]);
  assert.ok(used.length > 0);
  for (const name of new Set(used)) {
    assert.match(example, new RegExp(`^${name}=`, 'm'), `${name} missing from .env.example`);
  }
});

test('every edge function is declared, verifies JWTs itself, and pins the same npm versions as package.json', async () => {
  const { readdir } = await import('node:fs/promises');
  const config = await load();
  const pkg = JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8'));
  const versions: Record<string, string> = { ...pkg.dependencies, ...pkg.devDependencies };
  const dirs = (await readdir(join(repoRoot, 'supabase', 'functions'), { withFileTypes: true }))
    .filter((d) => d.isDirectory() && !d.name.startsWith('_'))
    .map((d) => d.name);
  assert.ok(dirs.length >= 3);
  assert.deepEqual(Object.keys(config.functions).sort(), [...dirs].sort());
  for (const name of dirs) {
    assert.equal(config.functions[name].verify_jwt, false, name);
    const deno = JSON.parse(await readFile(join(repoRoot, 'supabase', 'functions', name, 'deno.json'), 'utf8'));
    for (const [specifier, target] of Object.entries(deno.imports as Record<string, string>)) {
      assert.equal(target, `npm:${specifier}@${versions[specifier]}`, `${name}/deno.json ${specifier}`);
    }
  }
});

test('the custom access token hook is enabled and names the migrated function, as GoTrue will call it', async () => {
  const { auth } = await load();
  const hook = auth.hook.custom_access_token;
  assert.equal(hook.enabled, true);
  assert.equal(hook.uri, 'pg-functions://postgres/public/custom_access_token_hook');
  // GoTrue calls "<schema>"."<function>"; the function must exist in a migration with that name.
  const { pgFunctionHookName } = await import('./helpers/access-token-hook.ts');
  assert.equal(pgFunctionHookName(hook.uri), '"public"."custom_access_token_hook"');
  const migration = await readFile(join(repoRoot, 'supabase', 'migrations', '20261129120100_access_token_hook.sql'), 'utf8');
  assert.match(migration, /create function public\.custom_access_token_hook\(event jsonb\) returns jsonb/);
});
