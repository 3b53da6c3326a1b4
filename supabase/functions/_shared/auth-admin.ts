// Supabase Auth's admin API, as much of it as the functions use: one magic-link token for a user,
// through POST /auth/v1/admin/generate_link (GoTrue's adminGenerateLink), called with the project's
// secret key exactly as supabase-js's `auth.admin.generateLink({ type: 'magiclink', email })` calls
// it. Nothing is e-mailed: GoTrue answers with the token's hash (`hashed_token`), which the browser
// redeems once with `verifyOtp({ token_hash, type: 'magiclink' })` (POST /auth/v1/verify) for a
// session. GoTrue stores it as the user's recovery token (one per user: a newer one replaces it,
// redeeming clears it) and honours it for the project's email OTP expiry.
import { authConfig, ConfigError } from './config.ts';
import { readEnv } from './env.ts';
import { ApiError } from './http.ts';

const TIMEOUT_MS = 5_000;

export interface AuthAdminConfig {
  /** `<SUPABASE_URL>/auth/v1` */
  url: string;
  secretKey: string;
}

/**
 * The secret key, from (in order) SUPABASE_SECRET_KEY, SUPABASE_SECRET_KEYS (the JSON dictionary
 * hosted functions receive; its `default` entry, else its only one) or the legacy
 * SUPABASE_SERVICE_ROLE_KEY. Publishable and anon keys are refused: they cannot call the admin API.
 */
export function authAdminConfig(): AuthAdminConfig {
  let key = readEnv('SUPABASE_SECRET_KEY');
  if (!key) {
    const dictionary = readEnv('SUPABASE_SECRET_KEYS');
    if (dictionary) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(dictionary);
      } catch {
        throw new ConfigError('Environment variable SUPABASE_SECRET_KEYS is not valid JSON');
      }
      const entries = parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? parsed as Record<string, unknown> : {};
      const values = Object.values(entries).filter((v): v is string => typeof v === 'string' && v !== '');
      key = typeof entries.default === 'string' && entries.default ? entries.default : values.length === 1 ? values[0] : undefined;
      if (!key) throw new ConfigError('Environment variable SUPABASE_SECRET_KEYS has no "default" key');
    }
  }
  key ??= readEnv('SUPABASE_SERVICE_ROLE_KEY');
  if (!key) {
    throw new ConfigError('Missing the project secret key: set SUPABASE_SECRET_KEY (hosted functions get SUPABASE_SECRET_KEYS or SUPABASE_SERVICE_ROLE_KEY)');
  }
  if (key.startsWith('sb_publishable_') || jwtRole(key) === 'anon') {
    throw new ConfigError('The Supabase key given to the functions is a publishable/anon key: the Auth admin API needs the secret (service role) key');
  }
  return { url: `${authConfig().supabaseUrl}/auth/v1`, secretKey: key };
}

function jwtRole(key: string): string | undefined {
  const parts = key.split('.');
  if (parts.length !== 3) return undefined;
  try {
    return JSON.parse(atob(parts[1].replace(/-/g, '+').replace(/_/g, '/'))).role;
  } catch {
    return undefined;
  }
}

export interface MagicLinkToken {
  /** GoTrue's `hashed_token`: what verifyOtp({ token_hash, type: 'magiclink' }) redeems. */
  hashedToken: string;
  /** The user GoTrue issued it for. */
  userId: string;
}

/**
 * A magic-link token for an existing user's email. Auth unreachable, timing out, rate limiting or
 * failing (5xx) → 503 `auth_unavailable`; the key refused → config error; anything else → 500.
 * The token never appears in a log line or an error message.
 */
export async function generateMagicLinkToken(email: string): Promise<MagicLinkToken> {
  const config = authAdminConfig();
  let res: Response;
  try {
    res = await fetch(`${config.url}/admin/generate_link`, {
      method: 'POST',
      headers: {
        apikey: config.secretKey,
        authorization: `Bearer ${config.secretKey}`,
        'content-type': 'application/json;charset=UTF-8',
      },
      body: JSON.stringify({ type: 'magiclink', email }),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch {
    throw new ApiError(503, 'auth_unavailable', 'Sign-in is unavailable right now; please try again');
  }
  const body = await res.json().catch(() => null) as Record<string, unknown> | null;
  if (res.status >= 500 || res.status === 429) {
    throw new ApiError(503, 'auth_unavailable', 'Sign-in is unavailable right now; please try again');
  }
  if (res.status === 401 || res.status === 403) {
    throw new ConfigError(`Supabase Auth refused the secret key for admin/generate_link (${res.status} ${String(body?.error_code ?? body?.msg ?? '')})`);
  }
  if (res.status === 404 && body?.error_code !== 'user_not_found') {
    throw new ConfigError(`No Supabase Auth admin API at ${config.url} (SUPABASE_URL must be the project URL)`);
  }
  if (!res.ok) {
    throw new Error(`Supabase Auth admin/generate_link answered ${res.status} ${String(body?.error_code ?? '')}: ${String(body?.msg ?? body?.message ?? '')}`);
  }
  const hashedToken = body?.hashed_token;
  const userId = body?.id;
  if (typeof hashedToken !== 'string' || hashedToken === '' || typeof userId !== 'string') {
    throw new Error('Supabase Auth admin/generate_link answered without hashed_token or user id');
  }
  return { hashedToken, userId };
}
