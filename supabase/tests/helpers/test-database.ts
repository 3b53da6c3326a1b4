// Per-test-file database, cloned from the migrated template that scripts/test.ts prepares on the
// run's embedded Postgres 17. Queries can run as Supabase's API roles exactly as PostgREST runs
// them: connected as `authenticator`, then `set local role` and `request.jwt.claims` per request.
import { randomBytes, randomUUID } from 'node:crypto';
import postgres, { type Sql, type TransactionSql } from 'postgres';

export type ApiRole = 'anon' | 'authenticated' | 'service_role';

export interface TestDatabase {
  name: string;
  url: string;
  /** Connected as `postgres`, the role edge functions use through SUPABASE_DB_URL. */
  owner: Sql;
  asAnon<T>(fn: (tx: TransactionSql) => Promise<T>): Promise<T>;
  asUser<T>(userId: string, fn: (tx: TransactionSql) => Promise<T>): Promise<T>;
  asServiceRole<T>(fn: (tx: TransactionSql) => Promise<T>): Promise<T>;
  /** Any API role with the given JWT claims, as PostgREST runs a request. */
  asApi<T>(role: ApiRole, claims: Record<string, unknown>, fn: (tx: TransactionSql) => Promise<T>): Promise<T>;
  createUser(options?: CreateUserOptions): Promise<string>;
  drop(): Promise<void>;
}

export interface CreateUserOptions {
  id?: string;
  email?: string;
  provider?: 'email' | 'google' | 'apple';
  userMetadata?: Record<string, unknown>;
}

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the tests with \`npm test\`, which starts Postgres`);
  return value;
}

function url(database: string, user: string, password: string): string {
  return `postgresql://${user}:${encodeURIComponent(password)}@127.0.0.1:${env('TEST_PG_PORT')}/${database}`;
}

/** Runs fn in one transaction under an API role, the way PostgREST serves a request. */
export async function asApiRole<T>(
  sql: Sql,
  role: ApiRole,
  claims: Record<string, unknown>,
  fn: (tx: TransactionSql) => Promise<T>,
): Promise<T> {
  return (await sql.begin(async (tx) => {
    await tx.unsafe(`set local role ${role}`);
    await tx`select set_config('request.jwt.claims', ${JSON.stringify(claims)}, true),
                    set_config('request.method', 'POST', true)`;
    return fn(tx);
  })) as T;
}

export function userClaims(userId: string): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return {
    sub: userId,
    role: 'authenticated',
    aud: 'authenticated',
    aal: 'aal1',
    is_anonymous: false,
    session_id: randomUUID(),
    iat: now,
    exp: now + 3600,
  };
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `test_${randomBytes(6).toString('hex')}`;
  const admin = postgres(url('postgres', 'supabase_admin', env('TEST_PG_ADMIN_PASSWORD')), { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database ${name} template ${env('TEST_PG_TEMPLATE')} owner postgres`);
  } finally {
    await admin.end();
  }
  const ownerUrl = url(name, 'postgres', env('TEST_PG_POSTGRES_PASSWORD'));
  const owner = postgres(ownerUrl, { max: 4, onnotice: () => {} });
  const api = postgres(url(name, 'authenticator', env('TEST_PG_AUTHENTICATOR_PASSWORD')), { max: 4, onnotice: () => {} });

  return {
    name,
    url: ownerUrl,
    owner,
    asAnon: (fn) => asApiRole(api, 'anon', { role: 'anon' }, fn),
    asUser: (userId, fn) => asApiRole(api, 'authenticated', userClaims(userId), fn),
    asServiceRole: (fn) => asApiRole(api, 'service_role', { role: 'service_role' }, fn),
    asApi: (role, claims, fn) => asApiRole(api, role, claims, fn),
    createUser: (options) => insertAuthUser(owner, options),
    async drop() {
      await owner.end();
      await api.end();
      const cleanup = postgres(url('postgres', 'supabase_admin', env('TEST_PG_ADMIN_PASSWORD')), { max: 1, onnotice: () => {} });
      try {
        await cleanup.unsafe(`drop database if exists ${name} with (force)`);
      } finally {
        await cleanup.end();
      }
    },
  };
}

/**
 * Inserts a user the way Supabase Auth (GoTrue) does on sign-up: an auth.users row plus its
 * auth.identities row, with OAuth-shaped metadata for Google and Apple.
 */
export async function insertAuthUser(sql: Sql, options: CreateUserOptions = {}): Promise<string> {
  const id = options.id ?? randomUUID();
  const email = options.email ?? `${id.slice(0, 8)}@example.test`;
  const provider = options.provider ?? 'email';
  const metadata = options.userMetadata ?? (provider === 'email' ? {} : { email, email_verified: true });
  const providerId = provider === 'email' ? id : `${provider}-${id.slice(0, 8)}`;
  await sql.begin(async (tx) => {
    await tx`
      insert into auth.users (instance_id, id, aud, role, email, encrypted_password, email_confirmed_at,
        raw_app_meta_data, raw_user_meta_data, created_at, updated_at, confirmation_token, recovery_token,
        email_change_token_new, email_change)
      values ('00000000-0000-0000-0000-000000000000', ${id}, 'authenticated', 'authenticated', ${email},
        ${provider === 'email' ? '$2a$10$abcdefghijklmnopqrstuuVUXu2m3qGq6KQ4n0cXoZ1nZk0K5Qm3K' : ''}, now(),
        ${tx.json({ provider, providers: [provider] })}, ${tx.json(metadata as never)}, now(), now(), '', '', '', '')`;
    await tx`
      insert into auth.identities (provider_id, user_id, identity_data, provider, created_at, updated_at, last_sign_in_at)
      values (${providerId}, ${id}, ${tx.json({ sub: providerId, email, ...metadata } as never)}, ${provider}, now(), now(), now())`;
  });
  return id;
}
