// The order summary, as Stripe Checkout states it: what is bought, the price, what is due today,
// and what happens next (renewal date, how to cancel). Every amount comes from `price` (the
// answer of GET subscribe), never from a copy.
import { useEffect, useState } from 'react';
import { Icon } from '../ui/icons.tsx';
import { NARROW_SCREEN, useMediaQuery } from '../ui/useMediaQuery.ts';
import { formatDay } from '../domain/dates.ts';
import { amountDueToday, billedPhrase, everyInterval, firstRenewal, formatMoney, intervalPhrase, type Price } from './price.ts';
import { PREMIUM_INCLUDES } from './product.ts';

/** "Then $9.99 every month, renews on January 25, 2027. Cancel anytime in Account." */
export function renewalTerms(price: Price, now: Date): string {
  const when = formatDay(firstRenewal(price, now));
  return price.trialPeriodDays
    ? `Then ${price.formatted} ${everyInterval(price)} from ${when}. Cancel anytime in Account before then and you pay nothing.`
    : `Then ${price.formatted} ${everyInterval(price)}, renews on ${when}. Cancel anytime in Account.`;
}

export function OrderSummary({ price, title, now = new Date() }: { price: Price; title: string; now?: Date }) {
  const narrow = useMediaQuery(NARROW_SCREEN);
  // On phones the details fold away so the wallets stay above the fold; on wider screens they show.
  const [open, setOpen] = useState(!narrow);
  useEffect(() => setOpen(!narrow), [narrow]);
  const dueToday = formatMoney(amountDueToday(price), price.currency);
  return (
    <section className="order-summary" aria-labelledby="checkout-heading">
      <h1 id="checkout-heading" className="order-summary__title" tabIndex={-1}>Subscribe to {title}</h1>
      <p className="order-summary__price" data-testid="summary-price">
        {price.trialPeriodDays ? <span className="order-summary__trial">{price.trialPeriodDays} days free, then</span> : null}
        <span className="order-summary__amount">{price.formatted}</span>
        <span className="order-summary__per">per<br />{intervalPhrase(price)}</span>
      </p>
      <details className="order-summary__details" open={open} onToggle={(e) => setOpen((e.currentTarget as HTMLDetailsElement).open)}>
        <summary>{open ? 'Hide details' : 'What’s included'}</summary>
        <ul className="includes">
          {PREMIUM_INCLUDES.map((line) => <li key={line}><Icon name="check" size={18} />{line}</li>)}
        </ul>
        <dl className="lines">
          <div className="lines__row">
            <dt>{title}<span className="lines__note">Billed {billedPhrase(price).toLowerCase()}</span></dt>
            <dd>{price.formatted}</dd>
          </div>
          {price.trialPeriodDays ? (
            <div className="lines__row">
              <dt>Free trial<span className="lines__note">{price.trialPeriodDays} days</span></dt>
              <dd>−{price.formatted}</dd>
            </div>
          ) : null}
        </dl>
      </details>
      <dl className="lines lines--total">
        <div className="lines__row">
          <dt>Total due today</dt>
          <dd data-testid="due-today">{dueToday}</dd>
        </div>
      </dl>
      <p className="order-summary__terms" data-testid="renewal-terms">{renewalTerms(price, now)}</p>
    </section>
  );
}
