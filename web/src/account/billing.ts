// The web billing summary (`GET /functions/v1/portal`), read from Stripe on the server, and the
// phrases the pages build from it. Pure, apart from the types.

// The answer's shape is declared once, by the function that sends it.
import type { BillingSummary, PaymentMethodSummary } from '../../../supabase/functions/portal/billing-summary.ts';
import { perInterval } from '../subscribe/price.ts';
export type { BillingSummary, PaymentMethodSummary };

const BRANDS: Record<string, string> = {
  visa: 'Visa', mastercard: 'Mastercard', amex: 'American Express', discover: 'Discover', diners: 'Diners Club',
  jcb: 'JCB', unionpay: 'UnionPay', cartes_bancaires: 'Cartes Bancaires', eftpos_au: 'eftpos',
};
const WALLETS: Record<string, string> = { apple_pay: 'Apple Pay', google_pay: 'Google Pay', link: 'Link', samsung_pay: 'Samsung Pay' };

/** "Visa •••• 4242", "Visa •••• 4242 (Apple Pay)", "Link". */
export function describePaymentMethod(pm: PaymentMethodSummary | null): string | null {
  if (!pm) return null;
  if (pm.type !== 'card') return pm.type === 'link' ? 'Link' : pm.type.replace(/_/g, ' ');
  const brand = pm.brand ? BRANDS[pm.brand] ?? pm.brand[0].toUpperCase() + pm.brand.slice(1) : 'Card';
  const wallet = pm.wallet ? ` (${WALLETS[pm.wallet] ?? pm.wallet})` : '';
  return `${brand}${pm.last4 ? ` •••• ${pm.last4}` : ''}${wallet}`;
}

/** The screen-reader friendly form: "Visa ending in 4242". */
export function speakPaymentMethod(pm: PaymentMethodSummary | null): string | null {
  if (!pm || pm.type !== 'card' || !pm.last4) return describePaymentMethod(pm);
  return describePaymentMethod(pm)!.replace(` •••• ${pm.last4}`, ` ending in ${pm.last4}`);
}

/** "Expires 12/2034". */
export function paymentMethodExpiry(pm: PaymentMethodSummary | null): string | null {
  return pm?.expMonth && pm.expYear ? `Expires ${String(pm.expMonth).padStart(2, '0')}/${pm.expYear}` : null;
}

/** "$9.99/month" for the subscription's own price (which may differ from today's price for new subscribers). */
export function subscriptionPrice(sub: NonNullable<BillingSummary['subscription']>): string {
  return perInterval(sub);
}
