// One small Postgres pool per isolate, on SUPABASE_DB_URL (the `postgres` role). prepare: false
// because hosted Supabase routes this URL through Supavisor in transaction mode.
import postgres, { type Sql } from 'postgres';
import { databaseConfig } from './config.ts';
import { ApiError } from './http.ts';

let pool: Sql | undefined;

export function db(): Sql {
  pool ??= postgres(databaseConfig().url, {
    max: 4,
    prepare: false,
    idle_timeout: 30,
    connect_timeout: 5,
    onnotice: () => {},
  });
  return pool;
}

// Connection failures and server states that a retry can get past.
const TRANSIENT_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300', '53400', '40001', '40P01']);
const TRANSIENT_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN',
  'CONNECT_TIMEOUT', 'CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED',
]);

export function isDatabaseUnavailable(error: unknown): boolean {
  const code = (error as { code?: string } | null)?.code;
  if (!code) return false;
  return TRANSIENT_CODES.has(code) || TRANSIENT_SQLSTATES.has(code) || code.startsWith('08');
}

export function databaseUnavailable(): ApiError {
  return new ApiError(503, 'database_unavailable', 'The database is unavailable; please retry');
}
