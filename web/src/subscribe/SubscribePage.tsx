import { Elements } from '@stripe/react-stripe-js';
import { useApp } from '../app-context.tsx';
import { canSubscribe } from '../domain/subscription.ts';
import { safeNext } from '../domain/redirects.ts';
import { Link, useRouter } from '../lib/router.tsx';
import { useSubscription } from '../subscription/useSubscription.ts';
import { Alert, Page, Spinner } from '../ui/components.tsx';
import { SubscriptionCard } from '../account/SubscriptionCard.tsx';
import { CheckoutForm } from './CheckoutForm.tsx';
import { PricingCard } from './PricingCard.tsx';
import { appearance, getStripe } from './stripe.ts';

export default function SubscribePage() {
  const { config, user, loading } = useApp();
  const { location } = useRouter();
  const next = safeNext(location.search.get('next'), '/premium');
  const subscription = useSubscription();
  const { price } = config;

  let body;
  if (loading || (user && subscription.loading)) {
    body = <Spinner label="Loading…" />;
  } else if (!user) {
    const here = `/subscribe?next=${encodeURIComponent(next)}`;
    body = (
      <div className="card">
        <p>Create a free account first, so your subscription works on the web and on your iPhone.</p>
        <div className="row">
          <Link className="button button--primary" to={`/sign-up?next=${encodeURIComponent(here)}`}>Create account</Link>
          <Link className="button" to={`/sign-in?next=${encodeURIComponent(here)}`}>Sign in</Link>
        </div>
      </div>
    );
  } else if (subscription.error) {
    body = <Alert>{subscription.error}</Alert>;
  } else if (!canSubscribe(subscription.row)) {
    const where = subscription.row?.store === 'app_store'
      ? 'You are subscribed through the App Store on your iPhone, so there is nothing to buy here.'
      : 'You already have a subscription on the web.';
    body = (
      <>
        <Alert tone="good">{where}</Alert>
        <SubscriptionCard row={subscription.row} />
      </>
    );
  } else {
    body = (
      <Elements stripe={getStripe(config.stripePublishableKey)} options={{ mode: 'subscription', amount: price.amount, currency: price.currency, appearance }}>
        <CheckoutForm next={next} onAlreadySubscribed={() => void subscription.refresh()} />
      </Elements>
    );
  }

  return (
    <Page title="Go Premium">
      <div className="subscribe-layout">
        <PricingCard name={config.productName} amount={price.amount} currency={price.currency} interval={price.interval} />
        <div>{body}</div>
      </div>
    </Page>
  );
}
