import { formatPrice } from '../domain/subscription.ts';

export function PricingCard({ name, amount, currency, interval }: { name: string; amount: number; currency: string; interval: string }) {
  return (
    <section className="card pricing" aria-labelledby="pricing-heading">
      <h2 id="pricing-heading">{name}</h2>
      <p className="price">{formatPrice(amount, currency, interval)}</p>
      <ul>
        <li>Every practice exam and explanation</li>
        <li>On the web and on your iPhone, with one account</li>
        <li>Cancel any time from your account</li>
      </ul>
    </section>
  );
}
