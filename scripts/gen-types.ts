// `npm run gen:types`: migrates a throwaway embedded Postgres 17 with supabase/migrations (as the
// tests do), generates the schema's TypeScript types with the Supabase CLI and writes
// supabase/functions/_shared/database.types.ts. Run it after adding or changing a migration.
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { DATABASE_TYPES_FILE, generateDatabaseTypes } from './lib/gen-types.ts';
import { startLocalPostgres } from './lib/local-postgres.ts';
import { prepareMigratedDatabase, repoRoot } from './lib/supabase-compat.ts';

async function main() {
  const pg = await startLocalPostgres({ unsafeFast: true });
  try {
    const passwords = { postgres: randomBytes(12).toString('hex'), authenticator: randomBytes(12).toString('hex') };
    const db = await prepareMigratedDatabase(pg, 'gen_types', passwords);
    const types = await generateDatabaseTypes(db.url);
    const before = await readFile(DATABASE_TYPES_FILE, 'utf8').catch(() => '');
    await writeFile(DATABASE_TYPES_FILE, types);
    console.log(`${relative(repoRoot, DATABASE_TYPES_FILE)}: ${before === types ? 'unchanged' : 'updated'}.`);
  } finally {
    await pg.stop();
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
