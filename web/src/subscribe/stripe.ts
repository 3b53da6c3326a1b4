// Stripe.js, loaded from Stripe only when the payment form is shown (the `pure` entry does not
// preload it on every page), and Stripe's Elements dressed in our brand (Appearance API).
import { loadStripe } from '@stripe/stripe-js/pure';
import type { Appearance, Stripe } from '@stripe/stripe-js';
import type { Brand } from '../config.ts';
import { INK, withAlpha } from '../ui/brand.ts';

let stripe: Promise<Stripe | null> | undefined;

export function getStripe(publishableKey: string): Promise<Stripe | null> {
  stripe ??= loadStripe(publishableKey);
  return stripe;
}

/**
 * The Appearance API variables matching styles.css: the brand colour for focus and selection,
 * our ink, muted text, error red, radius, spacing and type — so the Payment Element's iframes read
 * as part of the page.
 */
export function appearanceFor(brand: Brand): Appearance {
  return {
    theme: 'stripe',
    variables: {
      colorPrimary: brand.color,
      colorBackground: '#ffffff',
      colorText: INK,
      colorTextSecondary: '#5b6478',
      colorTextPlaceholder: '#6b7385',
      colorDanger: '#b42318',
      colorIcon: '#5b6478',
      fontFamily: '-apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, "Helvetica Neue", Ubuntu, sans-serif',
      fontSizeBase: '16px',
      fontWeightMedium: '500',
      borderRadius: '8px',
      spacingUnit: '4px',
      gridRowSpacing: '16px',
      focusBoxShadow: `0 0 0 3px ${withAlpha(brand.color, 0.35)}`,
      focusOutline: 'none',
    },
    rules: {
      '.Input': { border: '1px solid #8792a2', boxShadow: '0 1px 1px rgba(0, 0, 0, 0.03)', padding: '11px 12px' },
      '.Input:focus': { borderColor: brand.color },
      '.Label': { fontWeight: '500', color: INK },
      '.Tab--selected': { borderColor: brand.color, boxShadow: `0 0 0 1px ${brand.color}` },
    },
  };
}
