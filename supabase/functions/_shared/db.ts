// One small Postgres pool per isolate, on SUPABASE_DB_URL (the `postgres` role). prepare: false
// because hosted Supabase routes this URL through Supavisor in transaction mode.
import postgres, { type Sql } from 'postgres';
import { databaseConfig } from './config.ts';

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
