// Public configuration compiled into the bundle (VITE_ variables only: nothing secret belongs here).
export interface WebConfig {
  supabaseUrl: string;
  supabasePublishableKey: string;
  stripePublishableKey: string;
  price: { amount: number; currency: string; interval: string };
  productName: string;
}

const env = import.meta.env;

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
      price: {
        amount: Number(source.VITE_PRICE_AMOUNT_CENTS ?? 999),
        currency: (source.VITE_PRICE_CURRENCY ?? 'usd').toLowerCase(),
        interval: source.VITE_PRICE_INTERVAL ?? 'month',
      },
      productName: source.VITE_PRODUCT_NAME ?? 'CertGames Premium',
    },
  };
}
