// Sign in with Apple server calls: the client secret (an ES256 JWT signed with the .p8 key, at most
// six months long), exchanging an authorization code, and revoking the user's tokens — which Apple
// requires when an account that signed in with Apple is deleted.
import { importPKCS8, SignJWT } from 'jose';
import type { SignInWithAppleConfig } from './config.ts';

export async function appleClientSecret(config: SignInWithAppleConfig, lifetimeSeconds = 300): Promise<string> {
  const key = await importPKCS8(config.privateKey, 'ES256');
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: 'ES256', kid: config.keyId })
    .setIssuer(config.teamId)
    .setSubject(config.clientId)
    .setAudience('https://appleid.apple.com')
    .setIssuedAt(now)
    .setExpirationTime(now + Math.min(lifetimeSeconds, 15_777_000))
    .sign(key);
}

export class AppleIdError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

async function form(config: SignInWithAppleConfig, clientSecret: string, path: string, fields: Record<string, string>): Promise<Record<string, unknown>> {
  const res = await fetch(`${config.baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_id: config.clientId, client_secret: clientSecret, ...fields }),
  });
  const text = await res.text();
  if (!res.ok) throw new AppleIdError(res.status, `Apple ${path} answered ${res.status}: ${text.slice(0, 200)}`);
  return text ? JSON.parse(text) : {};
}

/** Exchanges a fresh authorization code from the app and revokes the resulting refresh token. */
export async function revokeAppleTokens(config: SignInWithAppleConfig, authorizationCode: string): Promise<void> {
  const clientSecret = await appleClientSecret(config); // one signature for both calls
  const tokens = await form(config, clientSecret, '/auth/token', { code: authorizationCode, grant_type: 'authorization_code' });
  const token = (tokens.refresh_token ?? tokens.access_token) as string | undefined;
  if (!token) throw new AppleIdError(502, 'Apple returned no token to revoke');
  await form(config, clientSecret, '/auth/revoke', { token, token_type_hint: tokens.refresh_token ? 'refresh_token' : 'access_token' });
}
