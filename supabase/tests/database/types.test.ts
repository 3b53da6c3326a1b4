// The committed schema types (supabase/functions/_shared/database.types.ts, used by the web app and
// the edge functions) must be what the Supabase CLI generates from the migrations as they are now.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.ts';
import { DATABASE_TYPES_FILE, generateDatabaseTypes } from '../../../scripts/lib/gen-types.ts';

let db: TestDatabase;
before(async () => {
  db = await createTestDatabase();
});
after(async () => db?.drop());

function firstDifference(a: string, b: string): string {
  const left = a.split('\n');
  const right = b.split('\n');
  const line = left.findIndex((l, i) => l !== right[i]);
  return `first difference at line ${line + 1}:\n  committed: ${left[line] ?? '(end of file)'}\n  generated: ${right[line] ?? '(end of file)'}`;
}

test('the committed database types match the migrated schema (else run `npm run gen:types`)', { timeout: 120_000 }, async () => {
  const generated = await generateDatabaseTypes(db.url);
  const committed = await readFile(DATABASE_TYPES_FILE, 'utf8');
  assert.ok(committed === generated, `database.types.ts is stale: run \`npm run gen:types\` and commit it.\n${firstDifference(committed, generated)}`);
});

test('the staleness check sees a schema change', { timeout: 120_000 }, async () => {
  // Not a test of the CLI: proof that the comparison above can fail, on this run's own database.
  await db.owner`alter table public.profiles add column staleness_probe text`;
  try {
    const generated = await generateDatabaseTypes(db.url);
    assert.match(generated, /"staleness_probe": string \| null;/);
    assert.notEqual(generated, await readFile(DATABASE_TYPES_FILE, 'utf8'));
  } finally {
    await db.owner`alter table public.profiles drop column staleness_probe`;
  }
});
