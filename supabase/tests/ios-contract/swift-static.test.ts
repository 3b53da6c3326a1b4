// No Swift compiler exists on our machines, so CI checks the iOS bridge statically: every .swift
// file parses (tree-sitter-swift), and the Swift models agree with the backend — CodingKeys with the
// `subscriptions` view's columns (from information_schema) and the functions' answers (the fixtures
// that fixtures.test.ts checks against the real functions), enum cases with the database's enum
// labels and the functions' error codes, and the app's identity with the backend's configuration.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { parse as parseToml } from 'smol-toml';
import { repoRoot } from '../../../scripts/lib/supabase-compat.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.ts';
import { readCommittedFixtures, TIMESTAMP, type Fixture } from './contract-fixtures.ts';
import { parseSwift, syntaxProblems, typeDeclarations, type SwiftType } from './swift-syntax.ts';

const IOS = join(repoRoot, 'ios-bridge');
/** The fallback case every backend enum has in Swift, for values a newer backend may add. */
const FALLBACK_CASE = 'unrecognized';
const UUID_TEXT = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

async function swiftFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith('.swift') && !join(e.parentPath, e.name).includes(`${'/'}.build${'/'}`))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

describe('iOS bridge: Swift checked statically', () => {
  const types = new Map<string, SwiftType>();
  const sources = new Map<string, string>();
  let fixtures: Map<string, Fixture>;
  let db: TestDatabase;

  before(async () => {
    for (const file of await swiftFiles(IOS)) sources.set(relative(repoRoot, file), await readFile(file, 'utf8'));
    for (const [file, source] of sources) {
      for (const type of typeDeclarations(parseSwift(source), file)) {
        assert.ok(!types.has(type.name), `${type.name} is declared twice (${types.get(type.name)?.file}, ${file})`);
        types.set(type.name, type);
      }
    }
    fixtures = await readCommittedFixtures();
    db = await createTestDatabase();
  });
  after(async () => db?.drop());

  const model = (name: string) => {
    const type = types.get(name);
    assert.ok(type, `Swift type ${name} not found in ios-bridge`);
    return type;
  };
  const codingKeys = (name: string) => model(`${name}.CodingKeys`).cases.map((c) => c.raw);
  const rawValues = (name: string) => model(name).cases.map((c) => c.raw).filter((raw) => raw !== FALLBACK_CASE);
  const isStringEnum = (name: string) => types.get(name)?.kind === 'enum' && types.get(name)!.inherits[0] === 'String';
  const bodies = (predicate: (name: string, f: Fixture) => boolean) =>
    [...fixtures].filter(([name, f]) => predicate(name, f)).map(([, f]) => f.body);

  /**
   * A model decodes these JSON objects: its CodingKeys are exactly their keys, every key is a stored
   * property, null values only where the property is optional, and each value fits the property's
   * type — string enums must list the value, nested objects are checked against their own model.
   */
  function assertModelFits(typeName: string, objects: Record<string, unknown>[], where: string): void {
    assert.ok(objects.length > 0, `no JSON to compare ${typeName} with (${where})`);
    const swift = model(typeName);
    const keys = codingKeys(typeName);
    const jsonKeys = [...new Set(objects.flatMap((o) => Object.keys(o)))];
    assert.deepEqual([...keys].sort(), jsonKeys.sort(), `${typeName}.CodingKeys ≠ the fields of ${where}`);
    for (const c of model(`${typeName}.CodingKeys`).cases) {
      const property = swift.properties.find((p) => p.name === c.name && !p.isStatic && !p.isComputed);
      assert.ok(property, `${typeName}.CodingKeys.${c.name} has no stored property ${c.name}`);
      for (const object of objects) {
        const value = object[c.raw];
        const at: string = `${typeName}.${property.name} (${where} "${c.raw}": ${JSON.stringify(value)})`;
        if (value === null || value === undefined) {
          assert.ok(property.optional, `${at}: null in the backend's answer, so the property must be optional`);
        } else if (typeof value === 'boolean') {
          assert.equal(property.baseType, 'Bool', at);
        } else if (typeof value === 'number') {
          assert.ok(Number.isInteger(value) ? ['Int', 'Int64', 'Double', 'Decimal'].includes(property.baseType) : ['Double', 'Decimal'].includes(property.baseType), at);
        } else if (typeof value === 'string') {
          if (isStringEnum(property.baseType)) assert.ok(rawValues(property.baseType).includes(value), `${at}: not a case of ${property.baseType}`);
          else if (property.baseType === 'Date') assert.match(value, TIMESTAMP, at);
          else if (property.baseType === 'UUID') assert.match(value, UUID_TEXT, at);
          else if (property.baseType === 'URL') assert.match(value, /^https?:\/\//, at);
          else assert.equal(property.baseType, 'String', at);
        } else if (Array.isArray(value)) {
          assert.match(property.type, /^\[(String|Int)\]\??$/, `${at}: an array, so the property must be [String] or [Int]`);
          assert.ok(value.every((v) => typeof v === (property.type.includes('String') ? 'string' : 'number')), at);
        } else if (typeof value !== 'object') {
          assert.fail(`${at}: unexpected JSON`);
        }
      }
      // Nested objects: their model must fit all of them together (optional fields vary by answer).
      const nested = objects.map((o) => o[c.raw]).filter((v): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v));
      if (nested.length) assertModelFits(property.baseType, nested, `${where}.${c.raw}`);
    }
  }

  test('every .swift file parses, without ERROR or MISSING nodes', () => {
    assert.ok(sources.size >= 20, `only ${sources.size} Swift files found under ios-bridge`);
    const problems = [...sources].flatMap(([file, source]) => syntaxProblems(parseSwift(source), source).map((p) => `${file}:${p}`));
    assert.deepEqual(problems, []);
  });

  test('SubscriptionRow: CodingKeys are the columns of public.subscriptions, with matching types', async () => {
    const columns = await db.owner<{ column_name: string; data_type: string }[]>`
      select column_name, data_type from information_schema.columns
      where table_schema = 'public' and table_name = 'subscriptions' order by ordinal_position`;
    assert.ok(columns.length > 0, 'the view has no columns?');
    assert.deepEqual(codingKeys('SubscriptionRow'), columns.map((c) => c.column_name), 'CodingKeys ≠ view columns (order included)');
    const swiftTypes: Record<string, (t: string) => boolean> = {
      uuid: (t) => t === 'UUID',
      boolean: (t) => t === 'Bool',
      'timestamp with time zone': (t) => t === 'Date',
      text: (t) => t === 'String' || t === 'URL' || isStringEnum(t),
    };
    const row = model('SubscriptionRow');
    for (const c of model('SubscriptionRow.CodingKeys').cases) {
      const column = columns.find((x) => x.column_name === c.raw)!;
      const property = row.properties.find((p) => p.name === c.name);
      assert.ok(property, `no property ${c.name}`);
      assert.ok(swiftTypes[column.data_type]?.(property.baseType), `${c.raw} is ${column.data_type} but SubscriptionRow.${c.name} is ${property.type}`);
    }
  });

  test('SubscriptionRow decodes every row the REST API and app-store-sync return', () => {
    const restRows = bodies((name) => name.startsWith('rest-subscriptions.')).flat() as Record<string, unknown>[];
    const syncRows = bodies((name) => name.startsWith('app-store-sync.') && name.includes('.200'))
      .map((b) => (b as { subscription: Record<string, unknown> | null }).subscription)
      .filter((r): r is Record<string, unknown> => r !== null);
    assertModelFits('SubscriptionRow', restRows, 'REST rows');
    assertModelFits('SubscriptionRow', syncRows, 'app-store-sync rows');
  });

  test('PracticeQuestion: CodingKeys are the columns of public.practice_questions, and it decodes the REST rows', async () => {
    const columns = await db.owner<{ column_name: string; data_type: string }[]>`
      select column_name, data_type from information_schema.columns
      where table_schema = 'public' and table_name = 'practice_questions' order by ordinal_position`;
    assert.deepEqual(codingKeys('PracticeQuestion'), columns.map((c) => c.column_name), 'CodingKeys ≠ table columns (order included)');
    const swiftTypes: Record<string, (t: string) => boolean> = {
      bigint: (t) => t === 'Int64',
      integer: (t) => t === 'Int' || t === 'Int32' || t === 'Int64',
      smallint: (t) => t === 'Int' || t === 'Int16',
      text: (t) => t === 'String',
      boolean: (t) => t === 'Bool',
      jsonb: (t) => t === '[String]', // choices: the check constraint admits only an array of strings
    };
    for (const c of model('PracticeQuestion.CodingKeys').cases) {
      const column = columns.find((x) => x.column_name === c.raw)!;
      const property = model('PracticeQuestion').properties.find((p) => p.name === c.name);
      assert.ok(property, `no property ${c.name}`);
      assert.ok(swiftTypes[column.data_type]?.(property.baseType), `${c.raw} is ${column.data_type} but PracticeQuestion.${c.name} is ${property.type}`);
    }
    const rows = bodies((name) => name.startsWith('rest-practice-questions.')).flat() as Record<string, unknown>[];
    assert.ok(rows.some((r) => r.is_premium === true) && rows.some((r) => r.is_premium === false), 'fixtures with free and premium rows');
    assertModelFits('PracticeQuestion', rows, 'REST practice_questions rows');
  });

  test('function answer models have exactly the fields the functions answer with', () => {
    const ok = (prefix: string) => bodies((name, f) => name.startsWith(prefix) && f.status < 300) as Record<string, unknown>[];
    assertModelFits('AppStoreSyncResponse', ok('app-store-sync.'), 'app-store-sync 2xx');
    assertModelFits('WebPrice', ok('subscribe.get'), 'GET subscribe');
    assertModelFits('WebSubscriptionStarted', ok('subscribe.post'), 'POST subscribe');
    assertModelFits('WebPortalSession', ok('portal.'), 'POST portal');
    assertModelFits('AccountDeletionResponse', ok('delete-account.'), 'POST delete-account');
    assertModelFits('WebCheckoutStorefronts', ok('web-checkout-link.get'), 'GET web-checkout-link');
    assertModelFits('WebCheckoutLink', ok('web-checkout-link.post'), 'POST web-checkout-link');
    const errors = bodies((_, f) => f.status >= 400) as Record<string, unknown>[];
    assert.ok(errors.length >= 5);
    assertModelFits('BackendErrorEnvelope', errors, 'error answers');
  });

  test('Swift enums list exactly the backend’s values', async () => {
    const labels = async (typname: string) =>
      (await db.owner<{ enumlabel: string }[]>`
        select e.enumlabel from pg_enum e join pg_type t on t.oid = e.enumtypid join pg_namespace n on n.oid = t.typnamespace
        where n.nspname = 'billing' and t.typname = ${typname} order by e.enumsortorder`).map((r) => r.enumlabel);
    assert.deepEqual(rawValues('SubscriptionStatus'), await labels('subscription_status'));
    assert.deepEqual(rawValues('BillingStore'), await labels('store'));

    // The functions' error codes: the `ErrorCode` union in _shared/http.ts.
    const httpTs = await readFile(join(repoRoot, 'supabase', 'functions', '_shared', 'http.ts'), 'utf8');
    const source = ts.createSourceFile('http.ts', httpTs, ts.ScriptTarget.Latest, true);
    const alias = source.statements.find((s): s is ts.TypeAliasDeclaration => ts.isTypeAliasDeclaration(s) && s.name.text === 'ErrorCode');
    assert.ok(alias && ts.isUnionTypeNode(alias.type), 'ErrorCode union not found in http.ts');
    const codes = alias.type.types.map((t) => {
      assert.ok(ts.isLiteralTypeNode(t) && ts.isStringLiteral(t.literal), `non-literal member in ErrorCode: ${t.getText(source)}`);
      return (t.literal as ts.StringLiteral).text;
    });
    assert.deepEqual([...rawValues('BackendErrorCode')].sort(), [...codes].sort(), 'BackendErrorCode ≠ ErrorCode in http.ts');
    for (const name of ['SubscriptionStatus', 'BillingStore', 'ManageWith', 'SyncOutcome', 'AppStoreEnvironment', 'BackendErrorCode']) {
      assert.ok(model(name).cases.some((c) => c.raw === FALLBACK_CASE), `${name} needs a .${FALLBACK_CASE} case for values a newer backend adds`);
    }
  });

  test('the app’s identity matches the backend configuration and the StoreKit file', async () => {
    const app = model('CertGamesApp');
    const constant = (name: string) => {
      const value = app.properties.find((p) => p.name === name && p.isStatic)?.stringValue;
      assert.ok(value, `CertGamesApp.${name} is not a string constant`);
      return value;
    };
    const [bundleId, productId, scheme] = [constant('bundleIdentifier'), constant('monthlyPremiumProductID'), constant('urlScheme')];

    const env = Object.fromEntries((await readFile(join(repoRoot, '.env.example'), 'utf8')).split('\n')
      .map((line) => /^([A-Z0-9_]+)=(.*)$/.exec(line.trim())).filter((m) => m !== null).map((m) => [m![1], m![2]]));
    assert.equal(env.APPLE_BUNDLE_ID, bundleId);
    assert.equal(env.APPLE_PRODUCT_ID, productId);
    assert.equal(env.APPLE_APP_URL_SCHEME, scheme);
    assert.ok(env.APPLE_PRODUCT_IDS.split(',').includes(productId), 'APPLE_PRODUCT_IDS must grant the product the app sells');
    assert.ok(env.SUPABASE_AUTH_EXTERNAL_APPLE_CLIENT_ID.split(',').includes(bundleId), 'the bundle id must be an Apple client id');

    const config = parseToml(await readFile(join(repoRoot, 'supabase', 'config.toml'), 'utf8')) as { auth: { additional_redirect_urls: string[] } };
    const redirects = config.auth.additional_redirect_urls;
    assert.ok(redirects.includes(`${scheme}://auth-callback`), 'auth callback not allowed as a redirect');
    assert.ok(redirects.includes(`${scheme}://**`), 'the password-reset path needs the scheme wildcard');

    const storekit = JSON.parse(await readFile(join(IOS, 'StoreKit', 'CertGames.storekit'), 'utf8')) as {
      subscriptionGroups: { subscriptions: { productID: string; displayPrice: string; recurringSubscriptionPeriod: string; type: string }[] }[];
    };
    const products = storekit.subscriptionGroups.flatMap((g) => g.subscriptions);
    assert.deepEqual(products.map((p) => [p.productID, p.displayPrice, p.recurringSubscriptionPeriod, p.type]),
      [[productId, '9.99', 'P1M', 'RecurringSubscription']]);
  });
});
