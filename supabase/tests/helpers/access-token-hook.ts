// What Supabase Auth (GoTrue) does with a Postgres custom access token hook, for where GoTrue itself
// is absent (no Docker: tests, the fake GoTrue of the browser tests, `npm run simulate`). Read from
// the same place GoTrue reads it — [auth.hook.custom_access_token] in supabase/config.toml — and
// called the way GoTrue's pg-functions dispatcher calls it (supabase/auth,
// internal/hooks/v0hooks/v0pgfunc): as the role `supabase_auth_admin`, in a transaction, under
// `set local statement_timeout TO '2000'`, `select "<schema>"."<function>"($1)` with the event
// {user_id, claims, authentication_method}; an `error` object in the answer fails the request, and
// the returned claims must still carry the required ones before they are signed.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import postgres, { type Sql } from 'postgres';
import { parse } from 'smol-toml';
import { repoRoot } from '../../../scripts/lib/supabase-compat.ts';

export type Claims = Record<string, unknown>;

/** GoTrue's AuthenticationMethod values (the docs' list). */
export type AuthenticationMethod =
  | 'oauth' | 'password' | 'otp' | 'totp' | 'recovery' | 'invite' | 'sso/saml' | 'magiclink'
  | 'email/signup' | 'email_change' | 'token_refresh' | 'oauth_provider/authorization_code' | 'anonymous';

export interface AccessTokenHookEvent {
  user_id: string;
  claims: Claims;
  authentication_method: AuthenticationMethod;
}

/** Claims Supabase Auth requires after the hook ran (custom-access-token-hook docs). */
export const REQUIRED_CLAIMS = ['iss', 'aud', 'exp', 'iat', 'sub', 'role', 'aal', 'session_id', 'email', 'phone', 'is_anonymous'] as const;

/** GoTrue's timeout for Postgres hooks (v0pgfunc defaultTimeout). */
const HOOK_TIMEOUT_MS = 2000;
const POSTGRES_NAME = /^[a-zA-Z_][a-zA-Z0-9_]{0,62}$/;

/** A hook error, as GoTrue turns `{"error": {"http_code", "message"}}` into an HTTP error. */
export class AccessTokenHookError extends Error {
  constructor(readonly httpCode: number, message: string) {
    super(message);
  }
}

/**
 * `pg-functions://<database>/<schema>/<function>` → `"schema"."function"`, the name GoTrue calls;
 * names that are not plain Postgres identifiers are refused as GoTrue refuses them.
 */
export function pgFunctionHookName(uri: string): string {
  const url = new URL(uri);
  if (url.protocol !== 'pg-functions:') throw new Error(`not a Postgres hook URI: ${uri}`);
  const [, schema, fn, ...rest] = url.pathname.split('/');
  if (!schema || !fn || rest.length > 0 || !POSTGRES_NAME.test(schema) || !POSTGRES_NAME.test(fn)) {
    throw new Error(`invalid Postgres hook URI ${uri}: expected pg-functions://postgres/<schema>/<function>`);
  }
  return `"${schema}"."${fn}"`;
}

/** The hook named by supabase/config.toml, or null when it is not enabled there. */
export async function configuredAccessTokenHook(configPath = join(repoRoot, 'supabase', 'config.toml')): Promise<string | null> {
  // deno-lint-ignore no-explicit-any
  const config = parse(await readFile(configPath, 'utf8')) as any;
  const hook = config.auth?.hook?.custom_access_token;
  if (!hook?.enabled) return null;
  return pgFunctionHookName(String(hook.uri));
}

/** Runs the hook on `authAdmin`, a connection allowed to `set role supabase_auth_admin`. */
export async function runAccessTokenHook(authAdmin: Sql, hookName: string, event: AccessTokenHookEvent): Promise<Claims> {
  const output = await authAdmin.begin(async (tx) => {
    await tx.unsafe('set local role supabase_auth_admin');
    await tx.unsafe(`set local statement_timeout TO '${HOOK_TIMEOUT_MS}'`);
    // The event as GoTrue sends it: one JSON parameter of the function's type, jsonb.
    const [row] = await tx.unsafe(`select ${hookName}($1) as output`, [tx.json(event as never) as never]);
    await tx.unsafe('set local statement_timeout TO default');
    return row.output as { claims?: Claims; error?: { http_code?: number; message?: string } } | null;
  });
  if (output?.error) throw new AccessTokenHookError(output.error.http_code ?? 500, output.error.message ?? 'hook error');
  const claims = output?.claims;
  if (!claims || typeof claims !== 'object') throw new AccessTokenHookError(500, 'output claims do not conform to the expected schema: claims missing');
  const missing = REQUIRED_CLAIMS.filter((c) => !(c in claims));
  if (missing.length > 0) throw new AccessTokenHookError(500, `output claims do not conform to the expected schema: missing ${missing.join(', ')}`);
  return claims;
}

/** A connection URL for the same database as the superuser, which may become supabase_auth_admin. */
export function superuserUrl(databaseUrl: string, superuser: string, password: string): string {
  const url = new URL(databaseUrl);
  url.username = encodeURIComponent(superuser);
  url.password = encodeURIComponent(password);
  return url.toString();
}

/** The test run's database `name` as its superuser (scripts/test.ts sets these variables). */
export function testSuperuserUrl(databaseName: string): string {
  const { TEST_PG_PORT: port, TEST_PG_ADMIN_PASSWORD: password } = process.env;
  if (!port || !password) throw new Error('TEST_PG_PORT / TEST_PG_ADMIN_PASSWORD are not set: run the tests with `npm test`');
  return `postgresql://supabase_admin:${encodeURIComponent(password)}@127.0.0.1:${port}/${databaseName}`;
}

/**
 * Token issuing as GoTrue does it with the configured hook: `customize(userId, method)` is what
 * TestSigner.token's `customize` option takes. With no hook enabled in config.toml, claims pass
 * through unchanged (GoTrue signs its own claims).
 */
export interface AccessTokenIssuer {
  hookName: string | null;
  customize(userId: string, method: AuthenticationMethod): (claims: Claims) => Promise<Claims>;
  end(): Promise<void>;
}

export async function accessTokenIssuer(superuserDatabaseUrl: string): Promise<AccessTokenIssuer> {
  const hookName = await configuredAccessTokenHook();
  const sql = postgres(superuserDatabaseUrl, { max: 2, onnotice: () => {} });
  return {
    hookName,
    customize: (userId, method) => async (claims) =>
      hookName ? runAccessTokenHook(sql, hookName, { user_id: userId, claims, authentication_method: method }) : claims,
    end: () => sql.end(),
  };
}
