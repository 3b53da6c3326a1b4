// The scheduler's credential: functions that only Supabase Cron (pg_cron + pg_net) and `npm run
// dev`'s scheduler call (`reconcile`, `entitlement-webhooks`) require `Authorization: Bearer
// <CRON_SECRET>`. Not a Supabase JWT: the platform's verify_jwt is off for them (config.toml), and a
// shared secret kept in Vault is what a database job can send without minting tokens.
import { ConfigError } from './config.ts';
import { readEnv } from './env.ts';
import { ApiError } from './http.ts';

/** Shorter secrets are refused at start-up: the secret is the function's only protection. */
const MIN_SECRET_LENGTH = 32;

export function cronSecret(): string {
  const secret = readEnv('CRON_SECRET');
  if (!secret) throw new ConfigError('Missing required environment variable CRON_SECRET');
  if (secret.length < MIN_SECRET_LENGTH) throw new ConfigError(`Environment variable CRON_SECRET must be at least ${MIN_SECRET_LENGTH} characters`);
  return secret;
}

/** Throws 401 `unauthorized` unless the request carries the cron secret as a bearer token. */
export async function requireCronSecret(req: Request): Promise<void> {
  const expected = cronSecret();
  const presented = /^Bearer (.+)$/.exec(req.headers.get('authorization') ?? '')?.[1] ?? '';
  if (!(await equalInConstantTime(presented, expected))) {
    throw new ApiError(401, 'unauthorized', 'This function is called by the scheduler with Authorization: Bearer <CRON_SECRET>');
  }
}

/**
 * Compares two strings in time independent of where they differ: both are hashed first (so their
 * lengths leak nothing either), then every byte of the digests is compared.
 */
export async function equalInConstantTime(a: string, b: string): Promise<boolean> {
  const encoder = new TextEncoder();
  const [x, y] = await Promise.all([a, b].map(async (s) => new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(s)))));
  let difference = 0;
  for (let i = 0; i < x.length; i++) difference |= x[i] ^ y[i];
  return difference === 0;
}
