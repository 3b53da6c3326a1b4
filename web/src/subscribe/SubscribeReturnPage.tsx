import { useEffect, useState } from 'react';
import type { PaymentIntent, SetupIntent } from '@stripe/stripe-js';
import { useApp } from '../app-context.tsx';
import { describePaymentMethod, speakPaymentMethod } from '../account/billing.ts';
import { useBillingSummary } from '../account/useBillingSummary.ts';
import { safeNext } from '../domain/redirects.ts';
import { Link, useRouter } from '../lib/router.tsx';
import { useSubscription } from '../subscription/useSubscription.ts';
import { RequireSignIn } from '../premium/gates.tsx';
import { ButtonLink } from '../ui/Button.tsx';
import { Card } from '../ui/Card.tsx';
import { Icon } from '../ui/icons.tsx';
import { Notice } from '../ui/Notice.tsx';
import { Page, PageSkeleton } from '../ui/Page.tsx';
import { Skeleton } from '../ui/Skeleton.tsx';
import { formatDay } from '../domain/dates.ts';
import { formatMoney } from './price.ts';
import { getStripe } from './stripe.ts';
import './checkout.css';

type Outcome = 'checking' | 'succeeded' | 'processing' | 'failed';

interface Payment {
  outcome: Outcome;
  /** What was charged (0 for a free trial's setup). */
  amount?: number;
  currency?: string;
  /** Stripe's words for why it failed. */
  reason?: string;
}

export function outcomeOf(status: PaymentIntent.Status | SetupIntent.Status | undefined): Exclude<Outcome, 'checking'> {
  if (status === 'succeeded') return 'succeeded';
  if (status === 'processing' || status === 'requires_capture') return 'processing';
  return 'failed';
}

/** How long before "this is taking longer than usual". */
const SLOW_MS = 30_000;

/**
 * Where the payment lands (after a redirect such as 3-D Secure, or directly). Reads the payment's
 * result from Stripe, then waits for our webhook to turn the entitlement on, then shows the receipt:
 * what was paid, when it renews, where the receipt went, how to manage or cancel.
 */
function SubscribeReturn() {
  const { config, user } = useApp();
  const { location } = useRouter();
  const next = safeNext(location.search.get('next'), '/premium');
  const paymentSecret = location.search.get('payment_intent_client_secret');
  const setupSecret = location.search.get('setup_intent_client_secret');
  const [payment, setPayment] = useState<Payment>({ outcome: 'checking' });
  const [slow, setSlow] = useState(false);
  const subscription = useSubscription({ pollMs: payment.outcome === 'failed' ? undefined : 1500, until: (row) => Boolean(row?.is_active) });
  const active = Boolean(subscription.row?.is_active);
  const billing = useBillingSummary(active);

  useEffect(() => {
    let live = true;
    (async () => {
      const stripe = await getStripe(config.stripePublishableKey);
      if (!stripe || (!paymentSecret && !setupSecret)) return live && setPayment({ outcome: 'failed', reason: 'We could not find this payment.' });
      if (paymentSecret) {
        const { paymentIntent: pi } = await stripe.retrievePaymentIntent(paymentSecret);
        if (live) setPayment({ outcome: outcomeOf(pi?.status), amount: pi?.amount, currency: pi?.currency, reason: pi?.last_payment_error?.message });
      } else {
        const { setupIntent: si } = await stripe.retrieveSetupIntent(setupSecret!);
        if (live) setPayment({ outcome: outcomeOf(si?.status), amount: 0, reason: si?.last_setup_error?.message });
      }
    })();
    const timer = setTimeout(() => setSlow(true), SLOW_MS);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [config.stripePublishableKey, paymentSecret, setupSecret]);

  const paid = payment.amount !== undefined && payment.currency ? formatMoney(payment.amount, payment.currency) : undefined;

  if (active && subscription.row) {
    const row = subscription.row;
    const summary = billing.summary;
    const method = describePaymentMethod(summary?.paymentMethod ?? null);
    const pending = billing.loading && <Skeleton width={140} height={18} />;
    return (
      <Page title="You're Premium" icon={<Icon name="success" />} description="Thank you! Your subscription is active on the web and on your iPhone." width="narrow">
        <Card className="receipt" title={<><Icon name="receipt" /> Payment confirmed</>}>
          <dl className="facts">
            <div><dt>Amount paid</dt><dd data-testid="receipt-amount">{paid ?? summary?.latestInvoice?.formattedPaid ?? pending}</dd></div>
            <div>
              <dt>{row.will_renew ? 'Next renewal' : 'Access until'}</dt>
              <dd data-testid="receipt-renewal">{row.current_period_ends_at ? formatDay(row.current_period_ends_at) : '—'}</dd>
            </div>
            {(method || billing.loading) && (
              <div><dt>Paid with</dt><dd>{method ? <span aria-label={speakPaymentMethod(summary!.paymentMethod) ?? undefined}>{method}</span> : pending}</dd></div>
            )}
            <div><dt>Receipt sent to</dt><dd data-testid="receipt-email">{summary?.email ?? (billing.loading ? pending : user?.email)}</dd></div>
          </dl>
        </Card>
        <p className="manage-hint">
          <Icon name="info" size={18} />
          <span>Manage your subscription, change your card or cancel anytime in <Link to="/account">Account</Link>. If you cancel, Premium stays until the end of the period you paid for.</span>
        </p>
        <div className="actions">
          <ButtonLink to={next} variant="primary" size="lg">Continue</ButtonLink>
          <ButtonLink to="/account" variant="secondary" size="lg">Go to Account</ButtonLink>
        </div>
      </Page>
    );
  }
  if (payment.outcome === 'failed') {
    return (
      <Page title="Payment not completed" width="narrow">
        <Notice tone="error" title={payment.reason ?? 'Your payment did not go through.'}>
          You have not been charged. Try again with another card or a wallet.
        </Notice>
        <div className="actions">
          <ButtonLink to={`/subscribe?next=${encodeURIComponent(next)}`} variant="primary" size="lg">Try again</ButtonLink>
          <ButtonLink to="/account" variant="secondary" size="lg">Go to Account</ButtonLink>
        </div>
      </Page>
    );
  }
  if (payment.outcome === 'checking' && subscription.loading) return <PageSkeleton label="Checking your payment…" width="narrow" />;
  const received = payment.outcome === 'succeeded';
  return (
    <Page title="Confirming your subscription" description="This usually takes a few seconds. You don’t need to do anything." width="narrow">
      <Card>
        <ol className="progress-steps">
          <li className={received ? 'is-done' : 'is-current'}>
            {received ? <Icon name="success" /> : <span className="spinner__wheel" aria-hidden="true" />}
            <span>{received ? `Payment${paid ? ` of ${paid}` : ''} received` : 'Your payment is processing'}</span>
          </li>
          <li className={received ? 'is-current' : 'is-next'}>
            {received ? <span className="spinner__wheel" aria-hidden="true" /> : <span className="progress-steps__dot" aria-hidden="true" />}
            <span>Turning on Premium for your account</span>
          </li>
        </ol>
        <p className="visually-hidden" role="status">{received ? `Payment${paid ? ` of ${paid}` : ''} received. Activating Premium…` : 'Your payment is processing. This page updates by itself.'}</p>
        {!received && <p className="muted">Some payment methods take a little longer to confirm. We will email you when it is done.</p>}
      </Card>
      {slow && (
        <Notice tone="warning" title="This is taking longer than usual">
          You can leave this page: Premium turns on as soon as the payment is confirmed, and your receipt arrives by email.
        </Notice>
      )}
    </Page>
  );
}

export default function SubscribeReturnPage() {
  return <RequireSignIn><SubscribeReturn /></RequireSignIn>;
}
