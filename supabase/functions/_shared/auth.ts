// Verifies the caller's Supabase access token ourselves (not only the platform's verify_jwt):
// asymmetric signing keys through the project's JWKS (inline SUPABASE_JWKS or fetched from Auth),
// or the legacy HS256 secret. Only signed-in users (role `authenticated`) pass.
import { createLocalJWKSet, createRemoteJWKSet, decodeProtectedHeader, errors, jwtVerify, type JWTPayload } from 'jose';
import { authConfig, type AuthConfig } from './config.ts';
import { ApiError } from './http.ts';
import { UUID_PATTERN } from './event-validation.ts';
import { entitlementClaim, type EntitlementClaim } from './entitlement-claims.ts';

export interface AuthenticatedUser {
  id: string;
  email?: string;
  claims: JWTPayload & Record<string, unknown>;
  /**
   * The token's `entitlements` claim (custom access token hook), as of when it was issued; null when
   * the token does not say. Check it with isPremium(…, now); read public.subscriptions when it must
   * be current (see entitlement-claims.ts).
   */
  entitlements: EntitlementClaim | null;
}

const ASYMMETRIC = ['ES256', 'RS256', 'EdDSA'];

let keySet: ReturnType<typeof createLocalJWKSet> | ReturnType<typeof createRemoteJWKSet> | undefined;
function jwks(config: AuthConfig) {
  keySet ??= config.jwks
    ? createLocalJWKSet(config.jwks as never)
    : createRemoteJWKSet(new URL(`${config.supabaseUrl}/auth/v1/.well-known/jwks.json`), { cacheMaxAge: 10 * 60_000 });
  return keySet;
}

function unauthorized(message: string): ApiError {
  return new ApiError(401, 'unauthorized', message);
}

export async function authenticate(req: Request): Promise<AuthenticatedUser> {
  const config = authConfig();
  const header = req.headers.get('authorization') ?? '';
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match) throw unauthorized('Sign in first: missing "Authorization: Bearer <access token>"');
  const token = match[1];

  let alg: string | undefined;
  try {
    alg = decodeProtectedHeader(token).alg;
  } catch {
    throw unauthorized('The access token is malformed');
  }

  let payload: JWTPayload;
  try {
    const options = { issuer: config.issuer, audience: 'authenticated' };
    if (alg === 'HS256') {
      if (!config.legacyJwtSecret) throw unauthorized('HS256 tokens are not accepted by this project');
      ({ payload } = await jwtVerify(token, new TextEncoder().encode(config.legacyJwtSecret), { ...options, algorithms: ['HS256'] }));
    } else {
      ({ payload } = await jwtVerify(token, jwks(config), { ...options, algorithms: ASYMMETRIC }));
    }
  } catch (error) {
    if (error instanceof ApiError) throw error;
    if (error instanceof errors.JWTExpired) throw unauthorized('The access token has expired: refresh the session');
    if (error instanceof errors.JOSEError) throw unauthorized('The access token is not valid for this project');
    // JWKS endpoint unreachable and the like: not the caller's fault.
    throw error;
  }

  if (payload.role !== 'authenticated' || typeof payload.sub !== 'string' || !UUID_PATTERN.test(payload.sub)) {
    throw unauthorized('A signed-in user is required');
  }
  return {
    id: payload.sub,
    email: typeof payload.email === 'string' ? payload.email : undefined,
    claims: payload as AuthenticatedUser['claims'],
    entitlements: entitlementClaim(payload),
  };
}
