// Prepares a bare Postgres database the way Supabase would have it, then applies our migrations
// with the real Supabase CLI. Only for machines without Docker (dev, tests, benchmarks).
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import postgres from 'postgres';

const run = promisify(execFile);

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const bootstrapFile = join(repoRoot, 'supabase', 'compat', 'bare-postgres-bootstrap.sql');
export const seedFile = join(repoRoot, 'supabase', 'seed.sql');
const supabaseCli = join(repoRoot, 'node_modules', '.bin', 'supabase');

export async function runSqlFile(url: string, file: string): Promise<void> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await sql.unsafe(await readFile(file, 'utf8'));
  } finally {
    await sql.end();
  }
}

/** Supabase's roles, `auth` schema and default grants; sets the login roles' passwords. */
export async function bootstrapSupabaseCompat(
  adminUrl: string,
  passwords: { postgres: string; authenticator: string },
): Promise<void> {
  await runSqlFile(adminUrl, bootstrapFile);
  const sql = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    await sql.unsafe(`alter role postgres password ${literal(passwords.postgres)}`);
    await sql.unsafe(`alter role authenticator password ${literal(passwords.authenticator)}`);
  } finally {
    await sql.end();
  }
}

/** Applies supabase/migrations with `supabase db push`, exactly as against a hosted project. */
export async function pushMigrations(dbUrl: string): Promise<string> {
  try {
    const { stdout, stderr } = await run(supabaseCli, ['db', 'push', '--db-url', dbUrl, '--yes', '--include-all'], {
      cwd: repoRoot,
      env: { ...process.env, SUPABASE_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1' },
      maxBuffer: 16 * 1024 * 1024,
    });
    return `${stdout}${stderr}`;
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`supabase db push failed:\n${e.stderr ?? ''}${e.stdout ?? ''}`.trim());
  }
}

function literal(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

export interface MigratedDatabase {
  /** As `postgres`, the role edge functions use (SUPABASE_DB_URL). */
  url: string;
  /** As `authenticator`, the role PostgREST connects as. */
  authenticatorUrl: string;
}

/** Creates `database` on a local cluster (unless it is `postgres`), bootstraps it and pushes migrations. */
export async function prepareMigratedDatabase(
  pg: { adminUrl: string; password: string; urlFor(db: string, user: string, pw: string): string },
  database: string,
  passwords: { postgres: string; authenticator: string },
): Promise<MigratedDatabase> {
  if (database !== 'postgres') {
    const admin = postgres(pg.adminUrl, { max: 1, onnotice: () => {} });
    try {
      await admin.unsafe(`create database ${database}`);
    } finally {
      await admin.end();
    }
  }
  await bootstrapSupabaseCompat(pg.urlFor(database, 'supabase_admin', pg.password), passwords);
  const url = pg.urlFor(database, 'postgres', passwords.postgres);
  await pushMigrations(url);
  return { url, authenticatorUrl: pg.urlFor(database, 'authenticator', passwords.authenticator) };
}
