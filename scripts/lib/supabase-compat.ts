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

const cliEnv = () => ({ ...process.env, SUPABASE_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1' });

/**
 * CLI 3 targets the local stack by default; a database URL goes in `--remote=<url>` (it replaced
 * `--db-url`, which 3.x still accepts with a deprecation warning and 4.0 removes). The CLI needs
 * `sslmode=disable` for a local server without TLS.
 */
export function cliRemote(dbUrl: string): string {
  const url = new URL(dbUrl);
  if ((url.hostname === '127.0.0.1' || url.hostname === 'localhost') && !url.searchParams.has('sslmode')) {
    url.searchParams.set('sslmode', 'disable');
  }
  return `--remote=${url.toString()}`;
}

/** Applies supabase/migrations with `supabase db push`, exactly as against a hosted project. */
export async function pushMigrations(dbUrl: string): Promise<string> {
  try {
    const { stdout, stderr } = await run(supabaseCli, ['db', 'push', cliRemote(dbUrl), '--yes', '--include-all'], {
      cwd: repoRoot,
      env: cliEnv(),
      maxBuffer: 16 * 1024 * 1024,
    });
    return `${stdout}${stderr}`;
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`supabase db push failed:\n${e.stderr ?? ''}${e.stdout ?? ''}`.trim());
  }
}

export type AdvisorLevel = 'ERROR' | 'WARN' | 'INFO';

/** One finding of `supabase db advisors` (Supabase's splinter lints, as the dashboard's advisors). */
export interface AdvisorLint {
  name: string;
  title: string;
  level: AdvisorLevel;
  categories: string[];
  detail: string;
  remediation: string;
  metadata?: Record<string, unknown>;
  cacheKey?: string;
}

export interface AdvisorsResult {
  /** Every lint at INFO and above, as the CLI reported it. */
  lints: AdvisorLint[];
  /** The CLI's own verdict with `--fail-on warn`: non-zero when any lint is WARN or ERROR. */
  exitCode: number;
  stderr: string;
}

/**
 * Runs the database advisors (security and performance) with the real CLI against a database URL —
 * `supabase db advisors --remote=<url> --type all --fail-on warn`, no Docker. The CLI marks the
 * schemas of config.toml `[api] schemas` as exposed (pgrst.db_schemas), as PostgREST would.
 */
export async function runAdvisors(dbUrl: string): Promise<AdvisorsResult> {
  const args = ['db', 'advisors', cliRemote(dbUrl), '--type', 'all', '--level', 'info', '--fail-on', 'warn', '--output-format', 'json'];
  const outcome = await run(supabaseCli, args, { cwd: repoRoot, env: cliEnv(), maxBuffer: 16 * 1024 * 1024 }).then(
    ({ stdout, stderr }) => ({ stdout, stderr, exitCode: 0 }),
    (error: { stdout?: string; stderr?: string; code?: number | string }) => ({
      stdout: error.stdout ?? '', stderr: error.stderr ?? '', exitCode: typeof error.code === 'number' ? error.code : 1,
    }),
  );
  let parsed: { results?: AdvisorLint[] };
  try {
    parsed = JSON.parse(outcome.stdout || '{}');
  } catch {
    throw new Error(`supabase db advisors printed no JSON (exit ${outcome.exitCode}):\n${outcome.stderr}${outcome.stdout}`.trim());
  }
  if (!Array.isArray(parsed.results)) {
    throw new Error(`supabase db advisors failed (exit ${outcome.exitCode}):\n${outcome.stderr}${outcome.stdout}`.trim());
  }
  return { lints: parsed.results, exitCode: outcome.exitCode, stderr: outcome.stderr };
}

/** Human-readable lines for a list of lints (test failures, scripts). */
export function formatLints(lints: AdvisorLint[]): string {
  return lints.map((l) => `  [${l.level}] ${l.name}: ${l.detail.replaceAll('`', '')}\n         ${l.remediation}`).join('\n');
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
