// "Buy on the web" from the iOS app: the one-time codes of web-checkout-link / web-checkout-exchange
// and their configuration. The design (why a code of our own, then Supabase Auth's magic-link
// token) is explained at the top of supabase/functions/web-checkout-link/handler.ts and in
// docs/ios.md, section "Buy on the web".
import { ConfigError } from './config.ts';
import { readEnv } from './env.ts';

/** How long a link works after the app asked for it (database clock). */
export const LINK_TTL_SECONDS = 300;
/** Links of one person that may be live (unused, unexpired) at once. */
export const MAX_LIVE_LINKS = 3;
/** Links one person may create in an hour. */
export const MAX_LINKS_PER_HOUR = 10;
/** The web app's page that exchanges the code (web/src/handoff/HandoffPage.tsx). */
export const HANDOFF_PATH = '/continue';
/**
 * The fragment parameter carrying the code. A fragment never leaves the browser (no request line,
 * no server log, no Referer). Not `code`: supabase-js treats `#code=` as a PKCE callback when a
 * code verifier happens to be stored, and would try to exchange it.
 */
export const HANDOFF_PARAM = 'handoff';

const CODE_PREFIX = 'wcl_';
/** `wcl_` + 32 random bytes in base64url (43 characters). */
export const CODE_PATTERN = /^wcl_[A-Za-z0-9_-]{43}$/;

/** A new code: 256 bits from the platform's CSPRNG. */
export function newCode(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return CODE_PREFIX + btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** What the database keeps of a code: its SHA-256, never the code itself. */
export async function codeHash(code: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(code)));
}

/** The link the app opens: our configured web origin, the code in the fragment. */
export function handoffUrl(appUrl: string, code: string): string {
  return `${appUrl}${HANDOFF_PATH}#${HANDOFF_PARAM}=${code}`;
}

export interface WebCheckoutConfig {
  /** App Store storefronts (ISO 3166-1 alpha-3) where the app may show the button. Empty: nowhere. */
  storefronts: string[];
}

/**
 * WEB_CHECKOUT_STOREFRONTS: comma-separated App Store storefront codes (default `USA`, where Apple
 * has allowed links to a web checkout since 1 May 2025); `none` turns the feature off everywhere.
 */
export function webCheckoutConfig(): WebCheckoutConfig {
  const raw = readEnv('WEB_CHECKOUT_STOREFRONTS') ?? 'USA';
  if (raw.toLowerCase() === 'none') return { storefronts: [] };
  const storefronts = [...new Set(raw.split(',').map((s) => s.trim()).filter(Boolean))];
  for (const code of storefronts) {
    if (!/^[A-Z]{3}$/.test(code)) {
      throw new ConfigError(`WEB_CHECKOUT_STOREFRONTS entry "${code}" is not an App Store storefront code (ISO 3166-1 alpha-3, e.g. USA), and not "none"`);
    }
  }
  return { storefronts };
}

/** The storefront the app sent: Storefront.current?.countryCode, upper-case alpha-3. */
export function isStorefrontCode(value: unknown): value is string {
  return typeof value === 'string' && /^[A-Z]{3}$/.test(value);
}
