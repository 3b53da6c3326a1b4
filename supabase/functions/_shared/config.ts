// Typed configuration from the environment, validated once per isolate. A missing or malformed
// variable raises ConfigError naming it; handlers answer 500 `config_error`, never a half-run.
import { readEnv } from './env.ts';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

function required(name: string): string {
  const value = readEnv(name);
  if (!value) throw new ConfigError(`Missing required environment variable ${name}`);
  return value;
}

/** An integer environment variable within [min, max], or the fallback when unset; ConfigError otherwise. */
export function optionalInt(name: string, fallback: number, min: number, max: number): number {
  const raw = readEnv(name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`Environment variable ${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

function once<T>(load: () => T): () => T {
  let cached: { value: T } | undefined;
  return () => (cached ??= { value: load() }).value;
}

export interface DatabaseConfig {
  url: string;
  /**
   * Named prepared statements. postgres.js without them describes every parameterized query in a
   * round trip of its own before running it (two round trips a query); with them, once per
   * connection. A transaction-mode pooler (Supavisor or PgBouncer on port 6543) may hand each
   * statement to another server connection, so there they are off. SUPABASE_DB_PREPARE overrides.
   */
  prepare: boolean;
}

/** Port of Supabase's transaction-mode pooler (Supavisor), and PgBouncer's conventional one there. */
const TRANSACTION_POOLER_PORT = '6543';

/** Whether a database URL may use prepared statements: not through a transaction-mode pooler. */
export function preparedStatementsAllowed(url: string): boolean {
  let port: string;
  try {
    port = new URL(url).port;
  } catch {
    throw new ConfigError('Environment variable SUPABASE_DB_URL must be a postgresql:// URL');
  }
  return port !== TRANSACTION_POOLER_PORT;
}

export const databaseConfig = once((): DatabaseConfig => {
  const url = required('SUPABASE_DB_URL');
  return { url, prepare: optionalBool('SUPABASE_DB_PREPARE', preparedStatementsAllowed(url)) };
});

/** The Stripe price lookup key subscribe charges; scripts/stripe-setup.ts creates the price under it. */
export const DEFAULT_PRICE_LOOKUP_KEY = 'premium_monthly';

export interface StripeConfig {
  secretKey: string;
  priceLookupKey: string;
  /** Days a Stripe subscription keeps access while Stripe retries a failed renewal (0: none). */
  gracePeriodDays: number;
  /** Customer portal configuration (scripts/stripe-setup.ts prints it); Stripe's default when unset. */
  portalConfigurationId?: string;
  /** Only for local fakes and tests; unset in production. */
  api?: { host: string; port: number; protocol: 'http' | 'https' };
}
export const stripeConfig = once((): StripeConfig => {
  const secretKey = required('STRIPE_SECRET_KEY');
  if (!/^(sk|rk)_(test|live)_/.test(secretKey)) {
    throw new ConfigError('Environment variable STRIPE_SECRET_KEY must be a Stripe secret or restricted key (sk_… / rk_…)');
  }
  const host = readEnv('STRIPE_API_HOST');
  const protocol = readEnv('STRIPE_API_PROTOCOL') ?? 'https';
  if (protocol !== 'http' && protocol !== 'https') throw new ConfigError('STRIPE_API_PROTOCOL must be http or https');
  return {
    secretKey,
    priceLookupKey: readEnv('STRIPE_PRICE_LOOKUP_KEY') ?? DEFAULT_PRICE_LOOKUP_KEY,
    gracePeriodDays: optionalInt('STRIPE_GRACE_PERIOD_DAYS', 7, 0, 60),
    portalConfigurationId: readEnv('STRIPE_PORTAL_CONFIGURATION'),
    api: host ? { host, port: optionalInt('STRIPE_API_PORT', protocol === 'http' ? 80 : 443, 1, 65535), protocol } : undefined,
  };
});

export interface StripeWebhookConfig {
  signingSecret: string;
  toleranceSeconds: number;
}
export const stripeWebhookConfig = once((): StripeWebhookConfig => {
  const signingSecret = required('STRIPE_WEBHOOK_SECRET');
  if (!signingSecret.startsWith('whsec_')) throw new ConfigError('Environment variable STRIPE_WEBHOOK_SECRET must start with whsec_');
  return { signingSecret, toleranceSeconds: optionalInt('STRIPE_WEBHOOK_TOLERANCE_SECONDS', 300, 1, 3600) };
});

export interface AuthConfig {
  supabaseUrl: string;
  issuer: string;
  /** Inline JWKS (JSON); otherwise fetched from the project's Auth server. */
  jwks?: { keys: Record<string, unknown>[] };
  /** Legacy HS256 JWT secret, for projects still on the shared secret. */
  legacyJwtSecret?: string;
}
export const authConfig = once((): AuthConfig => {
  const supabaseUrl = required('SUPABASE_URL').replace(/\/+$/, '');
  const inline = readEnv('SUPABASE_JWKS');
  let jwks: AuthConfig['jwks'];
  if (inline) {
    try {
      jwks = JSON.parse(inline);
    } catch {
      throw new ConfigError('Environment variable SUPABASE_JWKS is not valid JSON');
    }
    if (!Array.isArray(jwks?.keys)) throw new ConfigError('Environment variable SUPABASE_JWKS must be a JWKS: {"keys": [...]}');
  }
  return {
    supabaseUrl,
    issuer: readEnv('SUPABASE_JWT_ISSUER') ?? `${supabaseUrl}/auth/v1`,
    jwks,
    legacyJwtSecret: readEnv('SUPABASE_JWT_SECRET'),
  };
});

export interface WebConfig {
  appUrl: string;
  allowedOrigins: string[];
}
export const webConfig = once((): WebConfig => {
  const appUrl = required('WEB_APP_URL').replace(/\/+$/, '');
  const origins = (readEnv('WEB_ALLOWED_ORIGINS') ?? appUrl).split(',').map((o) => o.trim()).filter(Boolean);
  for (const origin of [appUrl, ...origins]) {
    let parsed: URL;
    try {
      parsed = new URL(origin);
    } catch {
      throw new ConfigError(`WEB_APP_URL / WEB_ALLOWED_ORIGINS entry "${origin}" is not a URL`);
    }
    if (!['http:', 'https:'].includes(parsed.protocol)) throw new ConfigError(`"${origin}" must be an http(s) origin`);
  }
  return { appUrl, allowedOrigins: [...new Set([new URL(appUrl).origin, ...origins.map((o) => new URL(o).origin)])] };
});

export type AppleEnvironment = 'Production' | 'Sandbox';
export type TransferPolicy = 'keep_first_owner' | 'transfer_to_caller';

export interface AppleConfig {
  bundleId: string;
  /** Numeric app id; Production data cannot be verified without it. */
  appAppleId?: number;
  environment: AppleEnvironment;
  allowSandbox: boolean;
  /** Subscription product ids this backend grants access for. */
  productIds: string[];
  /** Files (DER or PEM) of the trusted root certificates. */
  rootCertificatePaths?: string[];
  /** Local sandbox and tests only: accept roots that are not Apple's pinned roots. */
  trustUnpinnedRoots: boolean;
  /** OCSP revocation checks against Apple (needs egress to Apple). */
  onlineChecks: boolean;
  transferPolicy: TransferPolicy;
}

function optionalBool(name: string, fallback: boolean): boolean {
  const raw = readEnv(name);
  if (raw === undefined) return fallback;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw new ConfigError(`Environment variable ${name} must be true or false, got "${raw}"`);
}

export const appleConfig = once((): AppleConfig => {
  const environment = readEnv('APPLE_ENVIRONMENT') ?? 'Production';
  if (environment !== 'Production' && environment !== 'Sandbox') {
    throw new ConfigError(`Environment variable APPLE_ENVIRONMENT must be Production or Sandbox, got "${environment}"`);
  }
  const rawAppId = readEnv('APPLE_APP_APPLE_ID');
  const appAppleId = rawAppId === undefined ? undefined : Number(rawAppId);
  if (appAppleId !== undefined && (!Number.isSafeInteger(appAppleId) || appAppleId <= 0)) {
    throw new ConfigError(`Environment variable APPLE_APP_APPLE_ID must be the app's numeric Apple ID, got "${rawAppId}"`);
  }
  if (environment === 'Production' && appAppleId === undefined) {
    throw new ConfigError('Missing required environment variable APPLE_APP_APPLE_ID (needed to verify Production App Store data)');
  }
  const policy = readEnv('APPLE_TRANSFER_POLICY') ?? 'keep_first_owner';
  if (policy !== 'keep_first_owner' && policy !== 'transfer_to_caller') {
    throw new ConfigError(`Environment variable APPLE_TRANSFER_POLICY must be keep_first_owner or transfer_to_caller, got "${policy}"`);
  }
  return {
    bundleId: required('APPLE_BUNDLE_ID'),
    appAppleId,
    environment,
    allowSandbox: optionalBool('APPLE_ALLOW_SANDBOX', true),
    productIds: (readEnv('APPLE_PRODUCT_IDS') ?? readEnv('APPLE_PRODUCT_ID') ?? 'com.certgames.app.monthly_premium')
      .split(',').map((p) => p.trim()).filter(Boolean),
    rootCertificatePaths: readEnv('APPLE_ROOT_CERTIFICATES')?.split(',').map((p) => p.trim()).filter(Boolean),
    trustUnpinnedRoots: optionalBool('APPLE_TRUST_UNPINNED_ROOTS', false),
    onlineChecks: optionalBool('APPLE_ONLINE_CHECKS', true),
    transferPolicy: policy,
  };
});

export interface AppStoreServerApiConfig {
  keyId: string;
  issuerId: string;
  privateKey: string;
  /** Tests only: a local fake of Apple's API. */
  baseUrl?: string;
}

/** Optional App Store Server API credentials (reconciliation); undefined when not configured. */
export const appStoreServerApiConfig = once((): AppStoreServerApiConfig | undefined => {
  const keyId = readEnv('APP_STORE_SERVER_API_KEY_ID');
  const issuerId = readEnv('APP_STORE_SERVER_API_ISSUER_ID');
  const privateKey = readEnv('APP_STORE_SERVER_API_PRIVATE_KEY');
  if (!keyId && !issuerId && !privateKey) return undefined;
  if (!keyId || !issuerId || !privateKey) {
    throw new ConfigError('Set all of APP_STORE_SERVER_API_KEY_ID, APP_STORE_SERVER_API_ISSUER_ID and APP_STORE_SERVER_API_PRIVATE_KEY, or none');
  }
  return { keyId, issuerId, privateKey: privateKey.replace(/\\n/g, '\n'), baseUrl: readEnv('APP_STORE_SERVER_API_BASE_URL') };
});

export interface SignInWithAppleConfig {
  /** The app's bundle id (the client id of native Sign in with Apple tokens). */
  clientId: string;
  teamId: string;
  keyId: string;
  /** The Sign in with Apple .p8 key (PKCS#8 PEM). */
  privateKey: string;
  /** Tests only: a local fake of appleid.apple.com. */
  baseUrl: string;
}

/** Sign in with Apple credentials, needed to revoke tokens when an account is deleted; undefined when not set. */
export const signInWithAppleConfig = once((): SignInWithAppleConfig | undefined => {
  const teamId = readEnv('APPLE_SIGN_IN_TEAM_ID');
  const keyId = readEnv('APPLE_SIGN_IN_KEY_ID');
  const privateKey = readEnv('APPLE_SIGN_IN_PRIVATE_KEY');
  if (!teamId && !keyId && !privateKey) return undefined;
  if (!teamId || !keyId || !privateKey) {
    throw new ConfigError('Set all of APPLE_SIGN_IN_TEAM_ID, APPLE_SIGN_IN_KEY_ID and APPLE_SIGN_IN_PRIVATE_KEY, or none');
  }
  return {
    clientId: readEnv('APPLE_SIGN_IN_CLIENT_ID') ?? required('APPLE_BUNDLE_ID'),
    teamId,
    keyId,
    privateKey: privateKey.replace(/\\n/g, '\n'),
    baseUrl: (readEnv('APPLE_ID_BASE_URL') ?? 'https://appleid.apple.com').replace(/\/+$/, ''),
  };
});
