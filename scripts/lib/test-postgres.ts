// One embedded Postgres 17 with a migrated template database, for the test run and the browser
// benchmark: test files clone the template (supabase/tests/helpers/test-database.ts).
import { randomBytes } from 'node:crypto';
import { startLocalPostgres } from './local-postgres.ts';
import { prepareMigratedDatabase } from './supabase-compat.ts';

export const TEMPLATE_DB = 'app_template';

export async function startTestPostgres(): Promise<{ port: number; env: Record<string, string>; stop(): Promise<void> }> {
  const passwords = { postgres: randomBytes(12).toString('hex'), authenticator: randomBytes(12).toString('hex') };
  const pg = await startLocalPostgres({ unsafeFast: true });
  try {
    await prepareMigratedDatabase(pg, TEMPLATE_DB, passwords);
  } catch (error) {
    await pg.stop();
    throw error;
  }
  return {
    port: pg.port,
    env: {
      TEST_PG_PORT: String(pg.port),
      TEST_PG_ADMIN_PASSWORD: pg.password,
      TEST_PG_POSTGRES_PASSWORD: passwords.postgres,
      TEST_PG_AUTHENTICATOR_PASSWORD: passwords.authenticator,
      TEST_PG_TEMPLATE: TEMPLATE_DB,
    },
    stop: () => pg.stop(),
  };
}
