// The production build: nothing secret in it, and Apple Pay's domain-association file when configured.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildWeb } from './web-stack.ts';
import { scanForSecrets } from './secret-scan.ts';

const PUBLIC = { VITE_SUPABASE_URL: 'https://abcd.supabase.co', VITE_SUPABASE_PUBLISHABLE_KEY: 'sb_publishable_PUBLICmarker', VITE_STRIPE_PUBLISHABLE_KEY: 'pk_live_PUBLICmarker' };
// What a developer's shell or CI typically also has: none of it may reach the bundle.
const SECRETS = {
  STRIPE_SECRET_KEY: 'sk_live_SECRETmarker123456',
  STRIPE_WEBHOOK_SECRET: 'whsec_SECRETmarker123456',
  SUPABASE_SECRET_KEY: 'sb_secret_SECRETmarker123456',
  SUPABASE_DB_URL: 'postgresql://postgres:SECRETpassword@db.abcd.supabase.co:5432/postgres',
  APP_STORE_SERVER_API_PRIVATE_KEY: '-----BEGIN PRIVATE KEY-----\\nMIGTAgEA\\n-----END PRIVATE KEY-----',
};

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'web-build-test-'));
});
after(async () => rm(dir, { recursive: true, force: true }));

async function allText(out: string): Promise<string> {
  const entries = await readdir(out, { withFileTypes: true, recursive: true });
  const files = entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
  return (await Promise.all(files.map((f) => readFile(f, 'utf8')))).join('\n');
}

test('the built app carries the public keys and none of the secrets in the environment', async () => {
  const out = join(dir, 'dist');
  await buildWeb(out, PUBLIC, SECRETS);
  const text = await allText(out);
  assert.ok(text.includes('sb_publishable_PUBLICmarker') && text.includes('pk_live_PUBLICmarker'), 'public keys are in the bundle (the scan reads it)');
  assert.deepEqual(await scanForSecrets(out), []);
  for (const value of Object.values(SECRETS)) assert.ok(!text.includes(value.slice(0, 20)), value.slice(0, 12));
});

test('the secret scan does find a planted secret', async () => {
  const out = join(dir, 'planted');
  await buildWeb(out, PUBLIC);
  await writeFile(join(out, 'assets', 'leak.js'), 'const key = "sk_live_abcdefghijklmnop";');
  const found = await scanForSecrets(out);
  assert.deepEqual(found.map((f) => f.kind), ['Stripe secret key']);
});

test('Apple Pay domain association is served from /.well-known when configured, and only then', async () => {
  const association = join(dir, 'apple-developer-merchantid-domain-association');
  await writeFile(association, '7B227073704964223A2239373943394538343346343131343044463144313834343232393232313734313034353044314339464446394437384337313531303944334643463542433731227D');
  const withFile = join(dir, 'with-apple-pay');
  await buildWeb(withFile, PUBLIC, { APPLE_PAY_DOMAIN_ASSOCIATION_FILE: association });
  assert.equal(
    await readFile(join(withFile, '.well-known', 'apple-developer-merchantid-domain-association'), 'utf8'),
    await readFile(association, 'utf8'),
  );
  const without = join(dir, 'without-apple-pay');
  await buildWeb(without, PUBLIC);
  await assert.rejects(readFile(join(without, '.well-known', 'apple-developer-merchantid-domain-association')));
});
