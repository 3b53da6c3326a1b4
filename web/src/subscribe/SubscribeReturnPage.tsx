import { useEffect, useState } from 'react';
import type { PaymentIntent, SetupIntent } from '@stripe/stripe-js';
import { useApp } from '../app-context.tsx';
import { safeNext } from '../domain/redirects.ts';
import { Link, useRouter } from '../lib/router.tsx';
import { useSubscription } from '../subscription/useSubscription.ts';
import { RequireSignIn } from '../premium/gates.tsx';
import { Alert, Page, Spinner } from '../ui/components.tsx';
import { getStripe } from './stripe.ts';

type Outcome = 'checking' | 'succeeded' | 'processing' | 'failed';

function outcomeOf(status: PaymentIntent.Status | SetupIntent.Status | undefined): Outcome {
  if (status === 'succeeded') return 'succeeded';
  if (status === 'processing' || status === 'requires_capture') return 'processing';
  return 'failed';
}

/**
 * Where the payment lands (after a redirect such as 3-D Secure, or directly). Reads the payment's
 * result from Stripe, then waits for our webhook to turn the entitlement on.
 */
function SubscribeReturn() {
  const { config } = useApp();
  const { location } = useRouter();
  const next = safeNext(location.search.get('next'), '/premium');
  const paymentSecret = location.search.get('payment_intent_client_secret');
  const setupSecret = location.search.get('setup_intent_client_secret');
  const [outcome, setOutcome] = useState<Outcome>('checking');
  const [slow, setSlow] = useState(false);
  const subscription = useSubscription({ pollMs: outcome === 'failed' ? undefined : 1500, until: (row) => Boolean(row?.is_active) });

  useEffect(() => {
    (async () => {
      const stripe = await getStripe(config.stripePublishableKey);
      if (!stripe || (!paymentSecret && !setupSecret)) return setOutcome('failed');
      const status = paymentSecret
        ? (await stripe.retrievePaymentIntent(paymentSecret)).paymentIntent?.status
        : (await stripe.retrieveSetupIntent(setupSecret!)).setupIntent?.status;
      setOutcome(outcomeOf(status));
    })();
    const timer = setTimeout(() => setSlow(true), 30_000);
    return () => clearTimeout(timer);
  }, [config.stripePublishableKey, paymentSecret, setupSecret]);

  if (subscription.row?.is_active) {
    return (
      <Page title="You're Premium">
        <Alert tone="good">Thank you! Your subscription is active on the web and on your iPhone.</Alert>
        <Link className="button button--primary" to={next}>Continue</Link>
      </Page>
    );
  }
  if (outcome === 'failed') {
    return (
      <Page title="Payment not completed">
        <Alert>Your payment did not go through, and you have not been charged.</Alert>
        <Link className="button button--primary" to={`/subscribe?next=${encodeURIComponent(next)}`}>Try again</Link>
      </Page>
    );
  }
  return (
    <Page title="Almost there">
      <Spinner label={outcome === 'processing' ? 'Your payment is processing. This page updates by itself.' : 'Payment received. Activating your subscription…'} />
      {slow && <Alert tone="warning">This is taking longer than usual. You can leave this page: we will activate Premium as soon as the payment is confirmed.</Alert>}
    </Page>
  );
}

export default function SubscribeReturnPage() {
  return <RequireSignIn><SubscribeReturn /></RequireSignIn>;
}
