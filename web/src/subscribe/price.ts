// The price as the page states it: pure functions over the answer of `GET /functions/v1/subscribe`
// (the one source of the price — the server resolves the same Stripe lookup key it charges).

/** `GET /functions/v1/subscribe`. */
export interface Price {
  /** Minor units (cents). */
  amount: number;
  currency: string;
  interval: 'day' | 'week' | 'month' | 'year';
  intervalCount: number;
  /** Free days before the first charge, or null. */
  trialPeriodDays: number | null;
  productName: string;
  /** The amount as the server formats it ("$9.99"). */
  formatted: string;
}

/** "$9.99"; minor units per currency (¥1,000 is 1000, $10.00 is 1000). */
export function formatMoney(amount: number, currency: string, locale = 'en-US'): string {
  const format = new Intl.NumberFormat(locale, { style: 'currency', currency: currency.toUpperCase() });
  const digits = format.resolvedOptions().maximumFractionDigits ?? 2;
  return format.format(amount / 10 ** digits);
}

/** "month", "3 months". */
export function intervalPhrase(price: { interval: string; intervalCount: number }): string {
  return price.intervalCount === 1 ? price.interval : `${price.intervalCount} ${price.interval}s`;
}

/** "$9.99/month", "$24.99 every 3 months". */
export function perInterval(price: { formatted: string; interval: string; intervalCount: number }): string {
  return price.intervalCount === 1 ? `${price.formatted}/${price.interval}` : `${price.formatted} every ${intervalPhrase(price)}`;
}

/** "every month", "every 3 months". */
export function everyInterval(price: Pick<Price, 'interval' | 'intervalCount'>): string {
  return `every ${intervalPhrase(price)}`;
}

/** "Monthly", "Yearly", "Every 3 months": the billing line of the order summary. */
export function billedPhrase(price: Pick<Price, 'interval' | 'intervalCount'>): string {
  if (price.intervalCount !== 1) return `Every ${intervalPhrase(price)}`;
  return { day: 'Daily', week: 'Weekly', month: 'Monthly', year: 'Yearly' }[price.interval];
}

/** What the first invoice charges: nothing during a free trial. */
export function amountDueToday(price: Pick<Price, 'amount' | 'trialPeriodDays'>): number {
  return price.trialPeriodDays ? 0 : price.amount;
}

function addMonthsClamped(from: Date, months: number): Date {
  const target = new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth() + months, 1, from.getUTCHours(), from.getUTCMinutes()));
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(from.getUTCDate(), lastDay));
  return target;
}

/**
 * When a subscription started at `from` first charges (after a trial) or renews: Stripe anchors the
 * billing cycle on the start and, for a day the month lacks, charges on its last day (Jan 31 → Feb 28).
 */
export function firstRenewal(price: Pick<Price, 'interval' | 'intervalCount' | 'trialPeriodDays'>, from: Date): Date {
  if (price.trialPeriodDays) return new Date(from.getTime() + price.trialPeriodDays * 86_400_000);
  const n = price.intervalCount;
  switch (price.interval) {
    case 'day': return new Date(from.getTime() + n * 86_400_000);
    case 'week': return new Date(from.getTime() + n * 7 * 86_400_000);
    case 'month': return addMonthsClamped(from, n);
    case 'year': return addMonthsClamped(from, 12 * n);
  }
}

/** Whether the page showed what the server will charge. */
export function samePrice(a: Pick<Price, 'amount' | 'currency' | 'interval' | 'intervalCount'>, b: Pick<Price, 'amount' | 'currency' | 'interval' | 'intervalCount'>): boolean {
  return a.amount === b.amount && a.currency.toLowerCase() === b.currency.toLowerCase() && a.interval === b.interval && a.intervalCount === b.intervalCount;
}
