// Public configuration compiled into the bundle (VITE_ variables only: nothing secret belongs here).
// The price is deliberately NOT here: it comes from `GET /functions/v1/subscribe`, which resolves
// the same Stripe lookup key that `POST subscribe` charges (see subscribe/usePrice.ts).

/** Who is selling: shown on every page, on the checkout and in Stripe's Elements. */
export interface Brand {
  /** VITE_BRAND_NAME */
  name: string;
  /** VITE_BRAND_LOGO_URL: a square mark, shown beside the name (SVG or PNG). */
  logoUrl: string;
  /** VITE_BRAND_COLOR: `#rrggbb`; buttons, links and Stripe's Appearance API derive from it. */
  color: string;
  /** VITE_TERMS_URL, VITE_PRIVACY_URL, VITE_REFUND_URL: linked beside every pay button. */
  termsUrl: string;
  privacyUrl: string;
  refundUrl: string;
  /** VITE_SUPPORT_EMAIL: the address people can write to about billing. */
  supportEmail: string;
}

export interface WebConfig {
  supabaseUrl: string;
  supabasePublishableKey: string;
  stripePublishableKey: string;
  brand: Brand;
}

/** CertGames' own values, used when a VITE_BRAND_* / VITE_*_URL variable is not set. */
export const DEFAULT_BRAND: Brand = {
  name: 'CertGames',
  logoUrl: '/logo.svg',
  color: '#4f46e5',
  termsUrl: 'https://certgames.com/terms',
  privacyUrl: 'https://certgames.com/privacy',
  refundUrl: 'https://certgames.com/refund-policy',
  supportEmail: 'support@certgames.com',
};

const env = import.meta.env;

const HEX_COLOR = /^#[0-9a-f]{6}$/i;

function httpUrl(value: string | undefined, fallback: string): string {
  if (!value) return fallback;
  try {
    const url = new URL(value, 'https://placeholder.invalid');
    return ['https:', 'http:'].includes(url.protocol) ? value : fallback;
  } catch {
    return fallback;
  }
}

export function readBrand(source: Record<string, string | undefined> = env): Brand {
  return {
    name: source.VITE_BRAND_NAME?.trim() || DEFAULT_BRAND.name,
    logoUrl: httpUrl(source.VITE_BRAND_LOGO_URL, DEFAULT_BRAND.logoUrl),
    // A malformed colour would break contrast maths and Stripe's Appearance API: keep ours instead.
    color: HEX_COLOR.test(source.VITE_BRAND_COLOR ?? '') ? source.VITE_BRAND_COLOR!.toLowerCase() : DEFAULT_BRAND.color,
    termsUrl: httpUrl(source.VITE_TERMS_URL, DEFAULT_BRAND.termsUrl),
    privacyUrl: httpUrl(source.VITE_PRIVACY_URL, DEFAULT_BRAND.privacyUrl),
    refundUrl: httpUrl(source.VITE_REFUND_URL, DEFAULT_BRAND.refundUrl),
    supportEmail: source.VITE_SUPPORT_EMAIL?.trim() || DEFAULT_BRAND.supportEmail,
  };
}

export function readConfig(source: Record<string, string | undefined> = env): { config?: WebConfig; missing: string[] } {
  const names = ['VITE_SUPABASE_URL', 'VITE_SUPABASE_PUBLISHABLE_KEY', 'VITE_STRIPE_PUBLISHABLE_KEY'] as const;
  const missing = names.filter((n) => !source[n]);
  if (missing.length) return { missing };
  return {
    missing,
    config: {
      supabaseUrl: source.VITE_SUPABASE_URL!.replace(/\/+$/, ''),
      supabasePublishableKey: source.VITE_SUPABASE_PUBLISHABLE_KEY!,
      stripePublishableKey: source.VITE_STRIPE_PUBLISHABLE_KEY!,
      brand: readBrand(source),
    },
  };
}
