// "Is the caller premium?" in any TypeScript backend (Node, Deno, Bun, Workers), offline: verify the
// Supabase access token against the project's JWKS with `jose`, then read its `entitlements` claim
// with supabase/functions/_shared/entitlement-claims.ts (copy that file, and billing-db.ts for the
// status and store names, or import them from this repository). docs/entitlement-claims.md explains
// when the claim is enough and when to read public.subscriptions instead.
// supabase/tests/auth/access-token-hook.test.ts runs this file against a served JWKS.
//
//   const check = premiumChecker('https://<ref>.supabase.co');
//   const caller = await check(request.headers.get('authorization'));   // throws NotAuthenticated
//   if (!caller.premium) return new Response('Subscribe first', { status: 403 });
import { createRemoteJWKSet, errors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { entitlementClaim, isPremium, type EntitlementClaim } from '../../supabase/functions/_shared/entitlement-claims.ts';

export class NotAuthenticated extends Error {}

export interface Caller {
  userId: string;
  /** The claim as issued; null when the token does not say (then read public.subscriptions). */
  entitlements: EntitlementClaim | null;
  /** Premium now: active when issued and its period (or grace period) not over since. */
  premium: boolean;
}

export function premiumChecker(supabaseUrl: string, keys?: JWTVerifyGetKey) {
  const issuer = `${supabaseUrl.replace(/\/+$/, '')}/auth/v1`;
  // jose caches the key set and refetches it when a token names a key it has not seen (rotation).
  const jwks = keys ?? createRemoteJWKSet(new URL(`${issuer}/.well-known/jwks.json`));
  return async function check(authorization: string | null | undefined, now: Date = new Date()): Promise<Caller> {
    const token = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
    if (!token) throw new NotAuthenticated('missing "Authorization: Bearer <access token>"');
    let payload;
    try {
      ({ payload } = await jwtVerify(token, jwks, { issuer, audience: 'authenticated', algorithms: ['ES256', 'RS256', 'EdDSA'] }));
    } catch (error) {
      // A bad token is the caller's problem (401); an unreachable JWKS endpoint is ours (5xx).
      if (error instanceof errors.JOSEError && !(error instanceof errors.JWKSTimeout)) throw new NotAuthenticated(error.message);
      throw error;
    }
    if (payload.role !== 'authenticated' || typeof payload.sub !== 'string') throw new NotAuthenticated('a signed-in user is required');
    const entitlements = entitlementClaim(payload);
    return { userId: payload.sub, entitlements, premium: isPremium(entitlements, now) };
  };
}
