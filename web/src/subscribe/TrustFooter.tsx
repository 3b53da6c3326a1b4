// Who processes the payment, and the terms that apply: beside every pay button, as on Stripe Checkout.
import { useApp } from '../app-context.tsx';
import { Icon } from '../ui/icons.tsx';

export function TrustFooter() {
  const { brand } = useApp().config;
  return (
    <footer className="trust">
      {/* Card details go to Stripe's fields, never to our servers: say who handles them. */}
      <p className="trust__stripe"><Icon name="lock" size={16} />Payments by Stripe</p>
      <nav aria-label="Policies" className="trust__links">
        <a href={brand.termsUrl} target="_blank" rel="noreferrer">Terms<span className="visually-hidden"> (opens in a new tab)</span></a>
        <a href={brand.privacyUrl} target="_blank" rel="noreferrer">Privacy<span className="visually-hidden"> (opens in a new tab)</span></a>
        <a href={brand.refundUrl} target="_blank" rel="noreferrer">Refunds<span className="visually-hidden"> (opens in a new tab)</span></a>
      </nav>
    </footer>
  );
}
