// scripts/import-users.ts on a generated export of 3,000 users (with the mistakes real exports
// have), against the real schema; then a second run; then a store refresh with credentials.
// Then the old app's own export (mongoexport of `mainusers`, fixtures in ../fixtures/import/),
// email confirmation, re-runs after an email change, and records that differ only in letter case.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from '../../../scripts/lib/supabase-compat.ts';
import { DEFAULT_MAPPING, emailConfirmed, mapRecord, type ImportRecord } from '../../../scripts/import-users.ts';
import { resolveDuplicates } from '../../../scripts/lib/import-duplicates.ts';
import { parseExport } from '../../../scripts/lib/import-input.ts';
import { MAINUSERS_MAPPING } from '../../../scripts/lib/import-mainusers.ts';
import { classifyPassword, preparePassword } from '../../../scripts/lib/import-passwords.ts';
import bcrypt from 'bcryptjs';
import { EJSON } from 'bson';
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
      // (the webhook records a fact about the refunded invoice's period, which ends when the current one does).
      await db.owner`
        insert into billing.store_periods (subscription_id, period_id, period_end, state, state_at, state_event_id)
        select s.id, 'in_refunded', s.current_period_ends_at, 'refunded', now(), 'evt_refund'
        from billing.store_subscriptions s where s.store_subscription_id = ${sub.id}`;
      await importRun({ ...stripe.env(), APPLE_BUNDLE_ID: 'com.certgames.app' }, file);
      const [after] = await db.owner`select status::text from billing.store_subscriptions where store_subscription_id = ${sub.id}`;
      assert.equal(after.status, 'refunded');
    } finally {
      await api.stop();
      await stripe.stop();
    }
  });
});

const FIXTURES = join(repoRoot, 'supabase', 'tests', 'fixtures', 'import');
const fixture = (name: string) => join(FIXTURES, name);
/** The bcrypt hash in the mainusers fixtures ($2b$, as node's bcrypt makes them) and its password. */
const FIXTURE_BCRYPT = '$2b$10$TNgZYf.j1BqMTos1hsvLAeO13SJzpbnqxNQtP5XGk8poSNNsri0.C';
const FIXTURE_BCRYPT_PASSWORD = 'hunter2-from-bcrypt';

function record(fields: Partial<ImportRecord> & { legacyId: string; email: string }): ImportRecord {
  return { emailVerified: false, appleOriginalTransactionIds: [], ...fields };
}

describe('import-users: parsing and rules (pure)', () => {
  test('emails are confirmed only by an explicit true; --trust-emails confirms all but an explicit no', () => {
    const verified = (flag: unknown, trustEmails = false) =>
      mapRecord({ id: 'x', email: 'x@example.test', ...(flag === 'absent' ? {} : { emailVerified: flag }) }, DEFAULT_MAPPING, { trustEmails }).record!.emailVerified;
    // Without the flag: only a boolean true.
    assert.deepEqual(['absent', null, undefined, 'false', 0, '0', 'true', 1, ''].map((f) => verified(f)), Array(9).fill(false));
    assert.equal(verified(true), true);
    // With --trust-emails: everything but an explicit no.
    assert.deepEqual(['absent', null, '', 'yes', true].map((f) => verified(f, true)), Array(5).fill(true));
    assert.deepEqual([false, 0, 'false', ' FALSE ', '0', 'no', 'off'].map((f) => verified(f, true)), Array(7).fill(false));
    assert.equal(emailConfirmed(undefined), false);
  });

  test("mongoexport's JSON Lines, --jsonArray and --pretty output, canonical or relaxed Extended JSON, all read as the same records", async () => {
    const canonicalText = await readFile(fixture('mainusers.canonical.jsonl'), 'utf8');
    // The canonical fixture is exactly what the bson package writes in canonical mode.
    for (const line of canonicalText.trim().split('\n')) assert.equal(EJSON.stringify(EJSON.parse(line, { relaxed: false }), { relaxed: false }), line);

    const canonical = parseExport(canonicalText);
    assert.equal(canonical.length, 5);
    assert.deepEqual(canonical[0], {
      _id: '65a1f0c2e4b0a1b2c3d4e5f1', username: 'ada', email: 'Ada@Mainusers.test', password: FIXTURE_BCRYPT,
      google_id: '108234567890123456789', oauth_provider: 'google', coins: 7, xp: 3, stripeCustomerId: 'cus_MainAda',
      createdAt: '2024-01-01T00:00:00.000Z', __v: 0,
    });
    assert.deepEqual([canonical[1], canonical[2], canonical[3]].map((u) => [(u as { xp: unknown }).xp, (u as { coins: unknown }).coins, (u as { createdAt: unknown }).createdAt]),
      [[1200, 0, '2024-01-02T00:00:00.123Z'], [250, 40, '2024-02-01T08:30:00.000Z'], [10, 1.5, '2024-02-02T00:00:00.000Z']]);
    assert.deepEqual(parseExport(await readFile(fixture('mainusers.relaxed.jsonl'), 'utf8')), canonical);
    assert.deepEqual(parseExport(await readFile(fixture('mainusers.array.json'), 'utf8')), canonical);
    // --pretty (documents over several lines, no array), CRLF line ends, a BOM, blank lines, { users: [...] }.
    const pretty = canonical.map((u) => EJSON.stringify(EJSON.parse(JSON.stringify(u)), { relaxed: false }, 2)).join('\r\n\r\n');
    assert.deepEqual(parseExport(`\uFEFF${pretty}\r\n`), canonical);
    assert.deepEqual(parseExport(JSON.stringify({ users: [{ id: 1 }] })), [{ id: 1 }]);
    // A one-line JSON Lines file is one record; a 64-bit id beyond doubles stays exact.
    assert.deepEqual(parseExport('{"_id":{"$numberLong":"9007199254740993"},"email":"a@b.co"}\n'), [{ _id: '9007199254740993', email: 'a@b.co' }]);
    assert.throws(() => parseExport('{"_id":1}\n{"_id": 2,,}\n'), /line 2/);
    assert.throws(() => parseExport('{"_id":1}\n42\n'), /line 2/);

    // Mapped with the mainusers preset: Int64 coins (was skipped as "not a whole number") and the date come through.
    const { record: ada } = mapRecord(canonical[0], MAINUSERS_MAPPING);
    assert.deepEqual([ada?.legacyId, ada?.email, ada?.coins, ada?.xp, ada?.createdAt, ada?.googleId, ada?.oauthProvider, ada?.password],
      ['65a1f0c2e4b0a1b2c3d4e5f1', 'ada@mainusers.test', 7, 3, '2024-01-01T00:00:00.000Z', '108234567890123456789', 'google', FIXTURE_BCRYPT]);
    assert.deepEqual(mapRecord(canonical[1], MAINUSERS_MAPPING).record?.appleOriginalTransactionIds, ['2000000123456789']);
    assert.match(mapRecord(canonical[3], MAINUSERS_MAPPING).problem!, /whole numbers/);
  });

  test('passwords: bcrypt kept (stored as $2a$), legacy plaintext hashed with bcrypt cost 10, other hashes dropped', async () => {
    const kept = await preparePassword({ password: FIXTURE_BCRYPT });
    assert.deepEqual(kept, { hash: FIXTURE_BCRYPT.replace('$2b$', '$2a$'), source: 'bcrypt', warning: undefined });
    assert.equal(bcrypt.compareSync(FIXTURE_BCRYPT_PASSWORD, kept.hash), true);

    const hashed = await preparePassword({ password: ' correct horse ' });
    assert.equal(hashed.source, 'plaintext');
    assert.match(hashed.hash, /^\$2a\$10\$[./A-Za-z0-9]{53}$/);
    assert.equal(bcrypt.compareSync(' correct horse ', hashed.hash), true, 'taken exactly as typed');
    assert.equal(bcrypt.compareSync('correct horse', hashed.hash), false);

    assert.deepEqual(classifyPassword({ passwordHash: '5f4dcc3b5aa765d61d8327deb882cf99' }).source, 'none');
    assert.match(classifyPassword({ passwordHash: '5f4dcc3b5aa765d61d8327deb882cf99' }).warning!, /not bcrypt/);
    assert.deepEqual(classifyPassword({}), { source: 'none' });
    // A field called "password" is read only when a mapping names it (an md5 column must not become the password).
    assert.equal(mapRecord({ id: 1, email: 'a@b.co', password: 'x' }, DEFAULT_MAPPING).record?.password, undefined);
    assert.equal(mapRecord({ id: 1, email: 'a@b.co', pw: 1234 }, { ...DEFAULT_MAPPING, password: 'pw' }).record?.password, '1234');
  });

  test('one email, several records: billing owner kept whatever the order, else the first created, then the smaller legacy id', () => {
    const free = record({ legacyId: 'a-free', email: 'sam@x.test', createdAt: '2020-01-01T00:00:00Z' });
    const payer = record({ legacyId: 'z-payer', email: 'sam@x.test', createdAt: '2024-01-01T00:00:00Z', stripeCustomerId: 'cus_1' });
    for (const order of [[free, payer], [payer, free]]) {
      const { keep, dropped } = resolveDuplicates(order);
      assert.deepEqual([...keep].map((r) => r.legacyId), ['z-payer']);
      assert.deepEqual(dropped.map((p) => p.legacyId), ['a-free']);
      assert.match(dropped[0].reason, /z-payer.*owns billing data/);
    }
    const iapPayer = record({ legacyId: 'b-iap', email: 'sam@x.test', appleOriginalTransactionIds: ['2000'] });
    assert.deepEqual([...resolveDuplicates([free, iapPayer]).keep].map((r) => r.legacyId), ['b-iap']);

    // Neither owns billing data: the one created first, then the smaller legacy id — not the file order.
    const older = record({ legacyId: 'm2', email: 'kim@x.test', createdAt: '2021-01-01T00:00:00Z' });
    const newer = record({ legacyId: 'm1', email: 'kim@x.test', createdAt: '2022-01-01T00:00:00Z' });
    const undated = record({ legacyId: 'm0', email: 'kim@x.test' });
    for (const order of [[newer, undated, older], [older, newer, undated], [undated, older, newer]]) {
      assert.deepEqual([...resolveDuplicates(order).keep].map((r) => r.legacyId), ['m2']);
    }
    const twin1 = record({ legacyId: 't1', email: 'lee@x.test', createdAt: '2021-01-01T00:00:00Z' });
    const twin2 = record({ legacyId: 't2', email: 'lee@x.test', createdAt: '2021-01-01T00:00:00.000Z' });
    assert.deepEqual([...resolveDuplicates([twin2, twin1]).keep].map((r) => r.legacyId), ['t1']);
    assert.match(resolveDuplicates([twin2, twin1]).dropped[0].reason, /neither owns billing data and it has the smaller legacy id/);

    // Both own billing data: the dropped record's billing data is named, to merge by hand.
    const payer2 = record({ legacyId: 'y-payer', email: 'sam@x.test', createdAt: '2023-01-01T00:00:00Z', stripeCustomerId: 'cus_2', appleOriginalTransactionIds: ['2001'] });
    const both = resolveDuplicates([payer, payer2]);
    assert.deepEqual([...both.keep].map((r) => r.legacyId), ['y-payer']);
    assert.match(both.dropped[0].reason, /both own billing data.*Stripe customer cus_1.*NOT imported/);

    // A legacy id twice: its first record only.
    const again = resolveDuplicates([free, record({ legacyId: 'a-free', email: 'other@x.test' })]);
    assert.deepEqual([...again.keep].map((r) => r.email), ['sam@x.test']);
    assert.match(again.dropped[0].reason, /appears more than once/);
  });
});

describe('import-users: the old app, email confirmation, re-runs and duplicates', () => {
  let db: TestDatabase;
  let dir: string;

  before(async () => {
    db = await createTestDatabase();
    dir = await mkdtemp(join(tmpdir(), 'import-test-2-'));
  });
  after(async () => {
    await db?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  let reports = 0;
  async function importer(args: string[]) {
    const report = join(dir, `report-${++reports}.json`);
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'scripts/import-users.ts', ...args, '--report', report], {
      cwd: repoRoot, env: { PATH: process.env.PATH, SUPABASE_DB_URL: db.url }, maxBuffer: 16 * 1024 * 1024,
    });
    return { stdout, report: JSON.parse(await readFile(report, 'utf8')) };
  }
  async function exportFile(users: unknown[]) {
    const file = join(dir, `export-${++reports}.json`);
    await writeFile(file, JSON.stringify(users));
    return file;
  }
  const passwordOk = async (email: string, password: string) =>
    (await db.owner<{ ok: boolean }[]>`select encrypted_password = extensions.crypt(${password}, encrypted_password) as ok from auth.users where email = ${email}`)[0]?.ok;
  const userCount = async () => (await db.owner<{ n: number }[]>`select count(*)::int as n from auth.users`)[0].n;

  test("--format mainusers imports mongoexport's JSON Lines: Extended JSON, bcrypt and plaintext passwords, identities, billing; the other shapes change nothing", { timeout: 120_000 }, async () => {
    const { report, stdout } = await importer(['--input', fixture('mainusers.canonical.jsonl'), '--format', 'mainusers']);
    assert.match(stdout, /2 plaintext password\(s\) hashed/);
    assert.equal(report.total, 5);
    assert.equal(report.created, 4);
    assert.deepEqual(report.skipped, [{ legacyId: '65a1f0c2e4b0a1b2c3d4e5f4', reason: 'xp and coins must be whole numbers ≥ 0' }]);
    assert.deepEqual(report.conflicts, []);
    assert.deepEqual(report.passwords, { bcrypt: 1, hashedFromPlaintext: 2, none: 1 });
    // mainusers records no verification: unconfirmed until the person confirms (or --trust-emails).
    assert.deepEqual(report.emails, { confirmed: 0, unconfirmed: 4 });

    const rows = await db.owner`
      select u.raw_app_meta_data ->> 'legacy_id' as legacy_id, u.email, u.email_confirmed_at is not null as confirmed, u.created_at,
             u.raw_app_meta_data ->> 'provider' as provider, left(u.encrypted_password, 7) as hash_prefix, s.username, s.xp::int, s.coins::int,
             array(select provider || ':' || provider_id from auth.identities i where i.user_id = u.id and provider <> 'email' order by provider) as social,
             (select stripe_customer_id from billing.stripe_customers c where c.user_id = u.id) as customer
      from auth.users u join public.player_stats s on s.user_id = u.id order by u.email`;
    assert.deepEqual(rows.map((r) => ({ ...r })), [
      { legacy_id: '65a1f0c2e4b0a1b2c3d4e5f1', email: 'ada@mainusers.test', confirmed: false, created_at: new Date('2024-01-01T00:00:00.000Z'), provider: 'google', hash_prefix: '$2a$10$',
        username: 'ada', xp: 3, coins: 7, social: ['google:108234567890123456789'], customer: 'cus_MainAda' },
      { legacy_id: '65a1f0c2e4b0a1b2c3d4e5f2', email: 'bob@mainusers.test', confirmed: false, created_at: new Date('2024-01-02T00:00:00.123Z'), provider: 'apple', hash_prefix: '$2a$10$',
        username: 'bob', xp: 1200, coins: 0, social: ['apple:001234.0a1b2c3d4e5f6a7b8c9d.0001'], customer: null },
      { legacy_id: '65a1f0c2e4b0a1b2c3d4e5f3', email: 'cyd@mainusers.test', confirmed: false, created_at: new Date('2024-02-01T08:30:00.000Z'), provider: 'email', hash_prefix: '$2a$10$',
        username: 'cyd', xp: 250, coins: 40, social: [], customer: null },
      { legacy_id: '65a1f0c2e4b0a1b2c3d4e5f5', email: 'eve@mainusers.test', confirmed: false, created_at: new Date('2024-03-01T00:00:00.000Z'), provider: 'google', hash_prefix: '',
        username: 'eve', xp: 0, coins: 0, social: ['google:109876543210987654321'], customer: null },
    ]);
    // Everyone signs in with what they had, checked the way Supabase Auth checks bcrypt.
    const [ada] = await db.owner`select encrypted_password from auth.users where email = 'ada@mainusers.test'`;
    assert.equal(ada.encrypted_password, FIXTURE_BCRYPT.replace('$2b$', '$2a$'), 'an existing bcrypt hash is kept as it is');
    assert.equal(await passwordOk('ada@mainusers.test', FIXTURE_BCRYPT_PASSWORD), true);
    assert.equal(await passwordOk('bob@mainusers.test', 'correct horse battery staple'), true);
    assert.equal(await passwordOk('cyd@mainusers.test', 'letmein-2015'), true);
    assert.equal(await passwordOk('cyd@mainusers.test', 'letmein-2016'), false);
    // The email identity exists for password sign-in and says the address is not verified.
    const emailIdentities = await db.owner`select identity_data ->> 'email_verified' as v from auth.identities where provider = 'email' and email like '%@mainusers.test'`;
    assert.deepEqual(emailIdentities.map((r) => r.v), ['false', 'false', 'false']);
    assert.ok(report.warnings.some((w: { reason: string }) => /1 App Store purchase\(s\) not linked yet/.test(w.reason)));
    assert.ok(!JSON.stringify(report).includes('correct horse'), 'no plaintext password in the report');

    // The same collection exported in mongoexport's other shapes: the same people, nothing new.
    for (const file of ['mainusers.relaxed.jsonl', 'mainusers.array.json']) {
      const again = await importer(['--input', fixture(file), '--format', 'mainusers']);
      assert.deepEqual([again.report.created, again.report.unchanged, again.report.skipped.length, again.report.passwords], [0, 4, 1, { bcrypt: 0, hashedFromPlaintext: 0, none: 0 }], file);
    }
    assert.equal(await userCount(), 4);
  });

  test('emails are confirmed only when the export says true, or with --trust-emails; unconfirmed people are still imported', { timeout: 120_000 }, async () => {
    const [{ h }] = await db.owner<{ h: string }[]>`select extensions.crypt('pw-confirm', extensions.gen_salt('bf', 4)) as h`;
    const flags: Record<string, unknown> = { missing: undefined, null: null, 'false-text': 'false', zero: 0, 'true-text': 'true', true: true };
    const users = Object.entries(flags).map(([k, v]) => ({ id: `v-${k}`, email: `v-${k}@confirm.test`, passwordHash: h, ...(v === undefined ? {} : { emailVerified: v }) }));
    const { report } = await importer(['--input', await exportFile(users)]);
    assert.equal(report.created, 6);
    const confirmed = async (like: string) => Object.fromEntries((await db.owner`
      select raw_app_meta_data ->> 'legacy_id' as id, email_confirmed_at is not null as c from auth.users where email like ${like}`).map((r) => [r.id, r.c]));
    assert.deepEqual(await confirmed('v-%@confirm.test'), { 'v-missing': false, 'v-null': false, 'v-false-text': false, 'v-zero': false, 'v-true-text': false, 'v-true': true });
    assert.deepEqual(report.emails, { confirmed: 1, unconfirmed: 5 });
    // Unconfirmed, but imported with their password: confirming (or a password reset) lets them in.
    assert.equal(await passwordOk('v-missing@confirm.test', 'pw-confirm'), true);

    const trusted = [
      { id: 't-missing', email: 't-missing@confirm.test' }, { id: 't-null', email: 't-null@confirm.test', emailVerified: null },
      { id: 't-false', email: 't-false@confirm.test', emailVerified: false }, { id: 't-false-text', email: 't-false-text@confirm.test', emailVerified: 'false' },
    ];
    const second = await importer(['--input', await exportFile(trusted), '--trust-emails']);
    assert.deepEqual(await confirmed('t-%@confirm.test'), { 't-missing': true, 't-null': true, 't-false': false, 't-false-text': false });
    assert.deepEqual(second.report.emails, { confirmed: 2, unconfirmed: 2 });
  });

  test('a re-run matches people by legacy id: an email changed in Supabase or in the old app does not make a second account', { timeout: 120_000 }, async () => {
    const person = { id: 'moved-1', email: 'moved@first.test', emailVerified: true, name: 'Mover' };
    const first = await exportFile([person]);
    assert.equal((await importer(['--input', first])).report.created, 1);
    const accounts = () => db.owner`select email from auth.users where raw_app_meta_data ->> 'legacy_id' = 'moved-1'`;

    // The person changed their email in the new app since; the same export is imported again.
    await db.owner`update auth.users set email = 'moved@renamed.test' where raw_app_meta_data ->> 'legacy_id' = 'moved-1'`;
    const count = await userCount();
    const rerun = await importer(['--input', first]);
    assert.equal(await userCount(), count, 'no second account');
    assert.deepEqual([rerun.report.created, rerun.report.unchanged, rerun.report.conflicts], [0, 1, []]);

    // The person changed their email in the old app; a fresh export is imported.
    const fresh = await importer(['--input', await exportFile([{ ...person, email: 'moved@second.test' }])]);
    assert.equal(await userCount(), count, 'no second account');
    assert.deepEqual([fresh.report.created, fresh.report.unchanged, fresh.report.conflicts], [0, 1, []]);
    assert.ok(fresh.report.warnings.some((w: { legacyId: string; reason: string }) => w.legacyId === 'moved-1' && /another email \(moved@renamed\.test\)/.test(w.reason)));
    assert.deepEqual((await accounts()).map((r) => r.email), ['moved@renamed.test'], "one account, whose email the importer leaves alone");

    // Someone else's record with that account's email is still a conflict.
    const other = await importer(['--input', await exportFile([{ id: 'other-1', email: 'Moved@Renamed.test' }])]);
    assert.match(other.report.conflicts[0].reason, /email already imported for legacy id moved-1/);
  });

  test('of records whose emails differ only in letter case, the billing owner (else the first created, then the smaller legacy id) is imported and the others reported', { timeout: 120_000 }, async () => {
    const file = await exportFile([
      { id: 'case-old', email: 'Casey@Legacy.test', createdAt: '2020-01-01T00:00:00Z', emailVerified: true },
      { id: 'case-payer', email: 'casey@legacy.test', createdAt: '2023-06-01T00:00:00Z', stripeCustomerId: 'cus_Casey' },
      { id: 'pair-b', email: 'Pat@legacy.test', createdAt: '2022-01-01T00:00:00Z' },
      { id: 'pair-a', email: 'pat@LEGACY.test', createdAt: '2022-01-01T00:00:00Z' },
    ]);
    const { report } = await importer(['--input', file]);
    assert.equal(report.created, 2);
    assert.deepEqual(report.conflicts.map((p: { legacyId: string; email: string }) => [p.legacyId, p.email]), [['case-old', 'casey@legacy.test'], ['pair-b', 'pat@legacy.test']]);
    assert.match(report.conflicts[0].reason, /legacy id case-payer.*owns billing data/);
    assert.match(report.conflicts[1].reason, /legacy id pair-a.*neither owns billing data/);
    const rows = await db.owner`
      select u.raw_app_meta_data ->> 'legacy_id' as id, (select stripe_customer_id from billing.stripe_customers c where c.user_id = u.id) as customer
      from auth.users u where u.email in ('casey@legacy.test', 'pat@legacy.test') order by u.email`;
    assert.deepEqual(rows.map((r) => ({ ...r })), [{ id: 'case-payer', customer: 'cus_Casey' }, { id: 'pair-a', customer: null }]);
    // Deterministic: a re-run decides the same way and changes nothing.
    const again = await importer(['--input', file]);
    assert.deepEqual([again.report.created, again.report.unchanged, again.report.conflicts.length], [0, 2, 2]);
  });
});
