// scripts/import-users.ts on a generated export of 3,000 users (with the mistakes real exports
// have), against the real schema; then a second run; then a store refresh with credentials.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from '../../../scripts/lib/supabase-compat.ts';
import { mapRecord } from '../../../scripts/import-users.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.ts';
import { FakeStripe } from '../fakes/fake-stripe.ts';
import { FakeAppStore, generateTestChain } from '../fakes/fake-app-store.ts';
import { FakeAppStoreServerApi } from '../fakes/fake-app-store-api.ts';

const run = promisify(execFile);
const N = 3000;

// The old app's own field names; the mapping file translates them.
const MAPPING = {
  legacyId: '_id', email: 'auth.email', emailVerified: 'auth.verified', passwordHash: 'auth.bcrypt', name: 'profile.displayName',
  googleId: 'oauth.google', appleId: 'oauth.apple', stripeCustomerId: 'billing.stripeCustomer', appleOriginalTransactionIds: 'iap.originalTransactionIds',
  username: 'game.username', xp: 'game.xp', coins: 'game.coins', createdAt: 'createdAt',
};

describe('import-users', () => {
  let db: TestDatabase;
  let dir: string;
  let exportFile: string;
  let mappingFile: string;

  before(async () => {
    db = await createTestDatabase();
    dir = await mkdtemp(join(tmpdir(), 'import-test-'));
    // Real bcrypt hashes (cost 4 to keep the test quick), made by pgcrypto as the old app's bcrypt would.
    const hashes = await db.owner<{ h: string }[]>`select extensions.crypt('secret-' || i, extensions.gen_salt('bf', 4)) as h from generate_series(1, ${N}) i order by i`;
    const users: Record<string, unknown>[] = hashes.map(({ h }, k) => {
      const i = k + 1;
      return {
        _id: `legacy-${i}`,
        auth: { email: i % 50 === 0 ? `User${i}@Legacy.test` : `user${i}@legacy.test`, verified: i % 11 !== 0, bcrypt: i % 13 === 0 ? h.replace('$2a$', '$2y$') : h },
        profile: { displayName: `Player ${i}` },
        oauth: { google: i % 5 === 0 ? `google-${i}` : null, apple: i % 7 === 0 ? `001234.apple${i}.0001` : null },
        billing: { stripeCustomer: i % 4 === 0 ? `cus_Legacy${i}` : null },
        iap: { originalTransactionIds: i % 9 === 0 ? [String(2_000_000_000_000 + i)] : [] },
        game: { username: `player_${i}`, xp: i * 10, coins: i % 100 },
        createdAt: '2024-03-01T12:00:00Z',
      };
    });
    users.push(
      { _id: 'dup-email-1', auth: { email: 'user10@legacy.test', bcrypt: hashes[0].h } },
      { _id: 'dup-email-2', auth: { email: 'USER20@legacy.test' } },
      { _id: 'bad-email', auth: { email: 'not-an-email' } },
      { _id: 'no-email', auth: {} },
      { auth: { email: 'noid@legacy.test' } },
      { _id: 'md5-hash', auth: { email: 'md5@legacy.test', bcrypt: '5f4dcc3b5aa765d61d8327deb882cf99' } },
      { _id: 'dup-google', auth: { email: 'dupgoogle@legacy.test' }, oauth: { google: 'google-5' } },
      { _id: 'dup-username', auth: { email: 'dupname@legacy.test' }, game: { username: 'player_1', xp: 1, coins: 1 } },
      { _id: 'dup-customer', auth: { email: 'dupcus@legacy.test' }, billing: { stripeCustomer: 'cus_Legacy4' } },
      { _id: 'negative-coins', auth: { email: 'neg@legacy.test' }, game: { coins: -5 } },
    );
    exportFile = join(dir, 'export.json');
    mappingFile = join(dir, 'mapping.json');
    await writeFile(exportFile, JSON.stringify({ users }));
    await writeFile(mappingFile, JSON.stringify(MAPPING));
  });
  after(async () => {
    await db?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  async function importRun(extraEnv: Record<string, string> = {}, file = exportFile) {
    const report = join(dir, `report-${Date.now()}.json`);
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'scripts/import-users.ts', '--input', file, '--mapping', mappingFile, '--report', report], {
      cwd: repoRoot, env: { PATH: process.env.PATH, SUPABASE_DB_URL: db.url, ...extraEnv }, maxBuffer: 16 * 1024 * 1024,
    });
    return { stdout, report: JSON.parse(await readFile(report, 'utf8')) };
  }

  async function snapshot() {
    const [row] = await db.owner`
      select (select count(*)::int from auth.users) as users, (select count(*)::int from auth.identities) as identities,
             (select count(*)::int from public.profiles) as profiles, (select count(*)::int from public.player_stats) as stats,
             (select count(*)::int from billing.stripe_customers) as customers,
             (select max(updated_at) from auth.users) as users_updated, (select max(updated_at) from public.player_stats) as stats_updated`;
    return { ...row };
  }

  test('the mapping reads nested fields and refuses what cannot be imported', () => {
    const { record } = mapRecord({ _id: 7, auth: { email: ' Ada@Example.TEST ', bcrypt: 'x' }, game: { xp: '12' }, iap: { originalTransactionIds: '2000' } }, MAPPING);
    assert.deepEqual([record?.legacyId, record?.email, record?.xp, record?.appleOriginalTransactionIds], ['7', 'ada@example.test', 12, ['2000']]);
    assert.match(mapRecord({ _id: 1, auth: { email: 'nope' } }, MAPPING).problem!, /invalid email/);
    assert.match(mapRecord({ auth: { email: 'a@b.co' } }, MAPPING).problem!, /missing legacy id/);
  });

  test(`imports ${N} users with their passwords, identities, profiles, app data and store links; reports the rest`, { timeout: 300_000 }, async () => {
    const { stdout, report } = await importRun();
    assert.match(stdout, /3000\/3010 processed/);
    assert.equal(report.total, N + 10);
    assert.equal(report.created, N + 1); // + md5-hash, imported without a password
    assert.deepEqual(report.skipped.map((p: { legacyId: string }) => p.legacyId).sort(), ['#3004', 'bad-email', 'negative-coins', 'no-email'].sort());
    assert.deepEqual(report.conflicts.map((p: { legacyId: string }) => p.legacyId).sort(), ['dup-customer', 'dup-email-1', 'dup-email-2', 'dup-google', 'dup-username'].sort());
    assert.ok(report.warnings.some((w: { legacyId: string }) => w.legacyId === 'md5-hash'));
    assert.ok(report.warnings.some((w: { reason: string }) => /App Store purchase\(s\) not linked yet/.test(w.reason)));

    const snap = await snapshot();
    assert.equal(snap.users, N + 1);
    assert.equal(snap.profiles, N + 1);
    assert.equal(snap.customers, N / 4);
    // Old passwords still work (bcrypt kept, $2y$ normalized), checked the way Supabase Auth checks them.
    for (const i of [1, 13, 2999]) {
      const [ok] = await db.owner`select encrypted_password = extensions.crypt(${`secret-${i}`}, encrypted_password) as ok from auth.users where email = ${`user${i}@legacy.test`}`;
      assert.equal(ok.ok, true, `user${i}`);
    }
    const [u35] = await db.owner`
      select u.email, u.email_confirmed_at is not null as verified, p.display_name, s.username, s.xp, s.coins,
             array(select provider from auth.identities i where i.user_id = u.id order by provider) as providers,
             (select stripe_customer_id from billing.stripe_customers c where c.user_id = u.id) as customer
      from auth.users u join public.profiles p on p.id = u.id join public.player_stats s on s.user_id = u.id
      where u.raw_app_meta_data ->> 'legacy_id' = 'legacy-140'`;
    assert.deepEqual({ ...u35 }, {
      email: 'user140@legacy.test', verified: true, display_name: 'Player 140', username: 'player_140', xp: '1400', coins: '40',
      providers: ['apple', 'email', 'google'], customer: 'cus_Legacy140',
    });
  });

  test('a second run changes nothing', { timeout: 300_000 }, async () => {
    const before = await snapshot();
    const { report } = await importRun();
    assert.equal(report.created, 0);
    assert.equal(report.unchanged, N + 1);
    assert.deepEqual(await snapshot(), before);
  });

  test('with store credentials, imported subscriptions are refreshed from Stripe and the App Store and linked', { timeout: 120_000 }, async () => {
    const stripe = await new FakeStripe().start();
    const api = await new FakeAppStoreServerApi().start();
    const chain = await generateTestChain();
    const rootFile = join(dir, 'root.cer');
    await writeFile(rootFile, chain.rootDer);
    try {
      const price = stripe.seedPremiumPrice();
      const customer = await (await fetch(`http://127.0.0.1:${stripe.port}/v1/customers`, { method: 'POST', headers: { authorization: 'Bearer sk_test_x', 'content-type': 'application/x-www-form-urlencoded' }, body: 'email=store%40legacy.test' })).json();
      const sub = await (await fetch(`http://127.0.0.1:${stripe.port}/v1/subscriptions`, { method: 'POST', headers: { authorization: 'Bearer sk_test_x', 'content-type': 'application/x-www-form-urlencoded' }, body: `customer=${customer.id}&items[0][price]=${price.id}&payment_behavior=default_incomplete` })).json();
      stripe.payFirstInvoice(sub.id, 'succeeded');
      // A purchase made before accounts existed: no appAccountToken.
      const purchase = new FakeAppStore({ chain, environment: 'Sandbox' }).subscription({ appAccountToken: null });
      api.add(purchase);
      const file = join(dir, 'store-users.json');
      await writeFile(file, JSON.stringify([
        { _id: 'store-1', auth: { email: 'store@legacy.test' }, billing: { stripeCustomer: customer.id } },
        { _id: 'store-2', auth: { email: 'iphone@legacy.test' }, iap: { originalTransactionIds: [purchase.originalTransactionId] } },
      ]));
      const { report } = await importRun({
        ...stripe.env(), ...api.env(),
        APPLE_BUNDLE_ID: 'com.certgames.app', APPLE_ENVIRONMENT: 'Sandbox', APPLE_ROOT_CERTIFICATES: rootFile,
        APPLE_TRUST_UNPINNED_ROOTS: 'true', APPLE_ONLINE_CHECKS: 'false',
      }, file);
      assert.deepEqual(report.refreshed, { stripe: 1, appStore: 1 });
      const rows = await db.owner`
        select u.email, s.store::text, s.status::text from billing.store_subscriptions s join auth.users u on u.id = s.user_id
        where u.email in ('store@legacy.test', 'iphone@legacy.test') order by u.email`;
      assert.deepEqual(rows.map((r) => ({ ...r })), [
        { email: 'iphone@legacy.test', store: 'app_store', status: 'active' },
        { email: 'store@legacy.test', store: 'stripe', status: 'active' },
      ]);

      // A refund since (what the webhook records); a later refresh must not make the period paid again.
      await db.owner`update billing.store_subscriptions set status = 'refunded' where store_subscription_id = ${sub.id}`;
      await importRun({ ...stripe.env(), APPLE_BUNDLE_ID: 'com.certgames.app' }, file);
      const [after] = await db.owner`select status::text from billing.store_subscriptions where store_subscription_id = ${sub.id}`;
      assert.equal(after.status, 'refunded');
    } finally {
      await api.stop();
      await stripe.stop();
    }
  });
});
