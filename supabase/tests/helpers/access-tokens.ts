// Supabase-shaped access tokens for tests: ES256 signed by a test key published as an inline JWKS
// (what SUPABASE_JWKS carries), or HS256 with a legacy JWT secret.
import { randomBytes, randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, importJWK, SignJWT, type CryptoKey, type JWK } from 'jose';

export const TEST_SUPABASE_URL = 'http://127.0.0.1:54321';
export const TEST_ISSUER = `${TEST_SUPABASE_URL}/auth/v1`;

/** A signing key pair and legacy secret, storable as JSON (the local sandbox keeps one on disk). */
export interface SignerKeys {
  kid: string;
  privateJwk: JWK;
  publicJwk: JWK;
  legacySecret: string;
}

export async function generateSignerKeys(): Promise<SignerKeys> {
  const kid = randomUUID();
  const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
  return {
    kid,
    privateJwk: await exportJWK(privateKey),
    publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' },
    legacySecret: randomBytes(32).toString('base64'),
  };
}

export interface TestSigner {
  keys: SignerKeys;
  jwks: string;
  legacySecret: string;
  token(userId: string, options?: TokenOptions): Promise<string>;
}

export interface TokenOptions {
  email?: string;
  role?: string;
  expiresInSeconds?: number;
  issuer?: string;
  audience?: string;
  legacy?: boolean;
  /** Sign with a key the project does not know. */
  foreignKey?: boolean;
  /**
   * Changes the claims before signing, as Supabase Auth's custom access token hook does
   * (see access-token-hook.ts: the real hook function, run as GoTrue runs it).
   */
  customize?: (claims: Record<string, unknown>) => Promise<Record<string, unknown>>;
}

export async function createTestSigner(keys?: SignerKeys, issuer = TEST_ISSUER): Promise<TestSigner> {
  keys ??= await generateSignerKeys();
  const { kid, legacySecret } = keys;
  const privateKey = (await importJWK(keys.privateJwk, 'ES256')) as CryptoKey;
  const foreign = await generateKeyPair('ES256');
  return {
    keys,
    jwks: JSON.stringify({ keys: [keys.publicJwk] }),
    legacySecret,
    async token(userId, o = {}) {
      const now = Math.floor(Date.now() / 1000);
      const claims: Record<string, unknown> = {
        iss: o.issuer ?? issuer,
        aud: o.audience ?? 'authenticated',
        exp: now + (o.expiresInSeconds ?? 3600),
        iat: now,
        sub: userId,
        role: o.role ?? 'authenticated',
        email: o.email ?? `${userId.slice(0, 8)}@example.test`,
        phone: '',
        aal: 'aal1',
        session_id: randomUUID(),
        is_anonymous: false,
      };
      const jwt = new SignJWT(o.customize ? await o.customize(claims) : claims);
      if (o.legacy) return jwt.setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(new TextEncoder().encode(legacySecret));
      const key: CryptoKey = o.foreignKey ? foreign.privateKey : privateKey;
      return jwt.setProtectedHeader({ alg: 'ES256', kid, typ: 'JWT' }).sign(key);
    },
  };
}
