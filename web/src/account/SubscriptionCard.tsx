import { useState, type ReactNode } from 'react';
import { useApp } from '../app-context.tsx';
import { APPLE_MANAGE_URL, describeSubscription, type SubscriptionRow } from '../domain/subscription.ts';
import { callFunction, FunctionError } from '../lib/functions.ts';
import { formatDay } from '../domain/dates.ts';
import { perInterval, type Price } from '../subscribe/price.ts';
import { PREMIUM_INCLUDES } from '../subscribe/product.ts';
import { Button, ButtonAnchor, ButtonLink } from '../ui/Button.tsx';
import { Card } from '../ui/Card.tsx';
import { Icon } from '../ui/icons.tsx';
import { Notice } from '../ui/Notice.tsx';
import { Skeleton } from '../ui/Skeleton.tsx';
import type { BillingSummaryState } from './useBillingSummary.ts';
import { describePaymentMethod, paymentMethodExpiry, speakPaymentMethod, subscriptionPrice } from './billing.ts';

/** Opens the Stripe customer portal for the signed-in user (manage, cancel, card, invoice history). */
export function usePortal() {
  const { config, supabase } = useApp();
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const open = async () => {
    setBusy(true);
    setError('');
    try {
      const { url } = await callFunction<{ url: string }>(config, supabase, 'portal', { body: { returnUrl: `${window.location.origin}/account` } });
      window.location.assign(url);
    } catch (e) {
      setError(e instanceof FunctionError ? e.message : 'We could not open billing. Please try again.');
      setBusy(false);
    }
  };
  return { open, error, busy };
}

type Portal = ReturnType<typeof usePortal>;

function Fact({ label, children, testId }: { label: string; children: ReactNode; testId?: string }) {
  return <div><dt>{label}</dt><dd data-testid={testId}>{children}</dd></div>;
}

/** Someone without Premium: what it is, what it costs (GET subscribe), and the way in. */
function NoSubscription({ price, headline, detail }: { price?: Price; headline: string; detail?: string }) {
  return (
    <Card title={headline} description={detail ?? 'Premium unlocks everything, on the web and on your iPhone.'}
      actions={<ButtonLink to="/subscribe" variant="primary">{price ? `Subscribe · ${perInterval(price)}` : 'Subscribe'}</ButtonLink>}
    >
      <ul className="includes">
        {PREMIUM_INCLUDES.map((line) => <li key={line}><Icon name="check" size={18} />{line}</li>)}
      </ul>
      <p className="account-price" data-testid="account-price">{price ? <><strong>{price.formatted}</strong> per {price.interval}. Cancel anytime.</> : <Skeleton width={180} height={20} />}</p>
    </Card>
  );
}

/** The web subscription's money facts: price, next charge, card, latest payment — read from Stripe by the portal function. */
function WebBillingFacts({ row, billing }: { row: SubscriptionRow; billing: BillingSummaryState }) {
  const sub = billing.summary?.subscription;
  const pm = billing.summary?.paymentMethod ?? null;
  const invoice = billing.summary?.latestInvoice;
  const pending = <Skeleton width={150} height={18} />;
  if (billing.error) return <Notice tone="info">{billing.error} Your subscription itself is fine.</Notice>;
  // No "next charge" while a payment is failing or pending: the open invoice is what Stripe retries.
  const renews = row.will_renew && row.is_active && ['active', 'trialing'].includes(row.status);
  const periodEnd = sub?.currentPeriodEnd ?? row.current_period_ends_at;
  return (
    <dl className="facts">
      <Fact label="Price" testId="account-amount">{sub ? subscriptionPrice(sub) : billing.loading ? pending : '—'}</Fact>
      {renews && (
        <Fact label={row.status === 'trialing' ? 'First charge' : 'Next charge'} testId="account-next-charge">
          {sub ? `${sub.formatted} on ${formatDay(periodEnd!)}` : billing.loading ? pending : formatDay(periodEnd!)}
        </Fact>
      )}
      {!renews && row.is_active && periodEnd && <Fact label="Access until" testId="account-access-until">{formatDay(periodEnd)}</Fact>}
      <Fact label="Payment method" testId="account-payment-method">
        {pm ? <span aria-label={[speakPaymentMethod(pm), paymentMethodExpiry(pm)].filter(Boolean).join(', ')}>
          {describePaymentMethod(pm)}{paymentMethodExpiry(pm) && <span className="facts__note">{paymentMethodExpiry(pm)}</span>}
        </span> : billing.loading ? pending : 'None on file'}
      </Fact>
      {invoice && invoice.amountPaid > 0 && invoice.paidAt && (
        <Fact label="Last payment" testId="account-last-payment">
          {invoice.formattedPaid} on {formatDay(invoice.paidAt)}
          {invoice.url && <a className="facts__note" href={invoice.url} target="_blank" rel="noreferrer">View receipt<span className="visually-hidden"> (opens in a new tab)</span></a>}
        </Fact>
      )}
    </dl>
  );
}

/** Paying in both stores: say so as a warning, with the way to stop each one. */
function PayingTwice({ portal, appStoreUrl }: { portal: Portal; appStoreUrl: string }) {
  return (
    <Notice tone="warning" title="You are paying twice"
      actions={
        <>
          <Button variant="secondary" onClick={portal.open} busy={portal.busy} busyLabel="Opening…">Manage web billing</Button>
          <ButtonAnchor href={appStoreUrl} newTab variant="secondary">Manage in the App Store</ButtonAnchor>
        </>
      }
    >
      You have an active subscription on the web and another in the App Store. Cancel one of them: Premium stays on with the other.
    </Notice>
  );
}

/**
 * The subscription on the account page: its state in words (describeSubscription), the money facts
 * of a web subscription, and what the person can do about it, where the subscription lives.
 */
export function SubscriptionCard({ row, billing, price }: {
  row: SubscriptionRow | null;
  /** The web billing summary, for a subscription billed through Stripe. */
  billing?: BillingSummaryState;
  /** Today's price (GET subscribe), for the empty and ended states. */
  price?: Price;
}) {
  const summary = describeSubscription(row);
  const portal = usePortal();
  if (!row || summary.action?.kind === 'subscribe') {
    return row ? <NoSubscription price={price} headline={summary.headline} detail={summary.detail} /> : <NoSubscription price={price} headline={summary.headline} />;
  }
  const onWeb = row.store === 'stripe';
  const appStoreUrl = row.manage_url ?? APPLE_MANAGE_URL;
  const problem = row.status === 'in_grace_period' || row.status === 'past_due';
  const tone = row.status === 'past_due' || (row.status === 'in_grace_period' && !row.is_active) ? 'error' : problem || !row.will_renew ? 'warning' : undefined;
  const action = summary.action;
  return (
    <Card tone={tone} title={summary.headline} className="subscription-card"
      actions={(
        <>
          {action?.kind === 'portal' && (
            <Button variant={problem ? 'primary' : 'secondary'} onClick={portal.open} busy={portal.busy} busyLabel="Opening…">{action.label}</Button>
          )}
          {action?.kind === 'app_store' && <ButtonAnchor href={action.url} newTab variant={problem ? 'primary' : 'secondary'}>{action.label}</ButtonAnchor>}
          {onWeb && action?.kind === 'portal' && <Button variant="link" onClick={portal.open} disabled={portal.busy}>Invoice history</Button>}
        </>
      )}
    >
      {summary.detail && (problem
        ? <Notice tone={tone === 'error' ? 'error' : 'warning'}>{summary.detail}</Notice>
        : <p className="subscription-card__detail">{summary.detail}</p>)}
      {row.active_in_both_stores && <PayingTwice portal={portal} appStoreUrl={appStoreUrl} />}
      {onWeb && billing && <WebBillingFacts row={row} billing={billing} />}
      {!onWeb && (
        <dl className="facts">
          {row.current_period_ends_at && <Fact label={row.will_renew ? 'Renews on' : 'Access until'}>{formatDay(row.current_period_ends_at)}</Fact>}
          <Fact label="Billing">Apple, in the App Store</Fact>
        </dl>
      )}
      {summary.storeLabel && <p className="muted small subscription-card__store">{summary.storeLabel}{row.is_sandbox ? ' (test purchase)' : ''}</p>}
      {portal.error && <Notice tone="error">{portal.error}</Notice>}
    </Card>
  );
}
