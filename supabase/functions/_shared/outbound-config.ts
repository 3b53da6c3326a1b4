// Configuration of the outbound entitlement webhooks (docs/outbound-webhooks.md), from the
// environment: where to send, the signing secret, and the retry policy. The secret stays in the
// function's environment; the database only ever sees the endpoint URLs.
import { ConfigError } from './config.ts';
import { readEnv } from './env.ts';
import type { RetrySchedule } from './outbound-retry.ts';

export interface OutboundConfig {
  /** Receivers, in the order configured. Empty: events are written and kept, nothing is sent. */
  endpoints: string[];
  /** The Standard Webhooks secret (`whsec_<base64>`); set whenever there are endpoints. */
  secret: string | undefined;
  /** After this many failed attempts a delivery is dead (the CLI can retry it). */
  maxAttempts: number;
  /** Per request: connecting, sending and the receiver's answer. */
  timeoutMs: number;
  retry: RetrySchedule;
  /**
   * How long after a period or grace period ends its expiry is announced: a renewal that lands a
   * moment after the end (Stripe renews exactly then) must not be announced as an expiry and a
   * re-activation. See billing.sweep_entitlement_changes.
   */
  expiryDelayMs: number;
}

export const ENDPOINTS_VARIABLE = 'ENTITLEMENT_WEBHOOK_ENDPOINTS';
export const SECRET_VARIABLE = 'ENTITLEMENT_WEBHOOK_SECRET';

/** Standard Webhooks: a secret of 24 to 64 random bytes, base64, prefixed `whsec_`. */
const SECRET_BYTES = { min: 24, max: 64 };
/** Loopback hosts, where plain http is allowed (local receivers in development and tests). */
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

type Env = (name: string) => string | undefined;

function number(get: Env, name: string, fallback: number, min: number, max: number, integer: boolean): number {
  const raw = get(name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || (integer && !Number.isInteger(value)) || value < min || value > max) {
    throw new ConfigError(`Environment variable ${name} must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

/** Why an endpoint URL is refused, or null when it is fine. */
export function endpointProblem(raw: string): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'is not a URL';
  }
  if (url.username || url.password) return 'must not carry credentials (they would be stored with every delivery)';
  if (url.protocol === 'https:') return null;
  if (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname)) return null;
  return 'must use https (plain http only to localhost or 127.0.0.1)';
}

export function secretProblem(secret: string): string | null {
  if (!secret.startsWith('whsec_')) return 'must start with whsec_';
  const encoded = secret.slice('whsec_'.length);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded) || encoded.length % 4 !== 0) return 'must be whsec_ followed by base64';
  const bytes = atob(encoded).length;
  if (bytes < SECRET_BYTES.min || bytes > SECRET_BYTES.max) {
    return `must encode ${SECRET_BYTES.min} to ${SECRET_BYTES.max} random bytes, not ${bytes}`;
  }
  return null;
}

export function parseOutboundConfig(get: Env): OutboundConfig {
  const endpoints = [...new Set((get(ENDPOINTS_VARIABLE) ?? '').split(',').map((s) => s.trim()).filter(Boolean))];
  for (const endpoint of endpoints) {
    const problem = endpointProblem(endpoint);
    if (problem) throw new ConfigError(`Environment variable ${ENDPOINTS_VARIABLE}: "${endpoint}" ${problem}`);
  }
  const secret = get(SECRET_VARIABLE);
  if (endpoints.length > 0 && secret === undefined) {
    throw new ConfigError(`Missing required environment variable ${SECRET_VARIABLE} (endpoints are configured)`);
  }
  if (secret !== undefined) {
    const problem = secretProblem(secret);
    if (problem) throw new ConfigError(`Environment variable ${SECRET_VARIABLE} ${problem}`);
  }
  const baseSeconds = number(get, 'ENTITLEMENT_WEBHOOK_RETRY_BASE_SECONDS', 60, 0.01, 86_400, false);
  const maxSeconds = number(get, 'ENTITLEMENT_WEBHOOK_RETRY_MAX_SECONDS', 8 * 3600, baseSeconds, 7 * 86_400, false);
  return {
    endpoints,
    secret,
    maxAttempts: number(get, 'ENTITLEMENT_WEBHOOK_MAX_ATTEMPTS', 12, 1, 100, true),
    timeoutMs: number(get, 'ENTITLEMENT_WEBHOOK_TIMEOUT_SECONDS', 15, 0.1, 60, false) * 1000,
    retry: { baseMs: baseSeconds * 1000, maxMs: maxSeconds * 1000 },
    expiryDelayMs: number(get, 'ENTITLEMENT_WEBHOOK_EXPIRY_DELAY_SECONDS', 300, 0, 86_400, false) * 1000,
  };
}

let cached: { value: OutboundConfig } | undefined;

/** The function's configuration, read once per isolate; ConfigError names a bad variable. */
export function outboundConfig(): OutboundConfig {
  return (cached ??= { value: parseOutboundConfig(readEnv) }).value;
}
