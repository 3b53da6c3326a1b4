// Stripe.js, loaded from Stripe only when the payment form is shown (the `pure` entry does not
// preload it on every page).
import { loadStripe } from '@stripe/stripe-js/pure';
import type { Appearance, Stripe } from '@stripe/stripe-js';

let stripe: Promise<Stripe | null> | undefined;

export function getStripe(publishableKey: string): Promise<Stripe | null> {
  stripe ??= loadStripe(publishableKey);
  return stripe;
}

/** Stripe Elements styled like the site (Appearance API). */
export const appearance: Appearance = {
  theme: 'stripe',
  variables: {
    colorPrimary: '#4f46e5',
    colorText: '#1f2937',
    colorDanger: '#b91c1c',
    fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
    borderRadius: '10px',
    spacingUnit: '4px',
  },
};
