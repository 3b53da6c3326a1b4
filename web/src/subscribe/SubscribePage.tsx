import { useMemo } from 'react';
import { useApp } from '../app-context.tsx';
import { canSubscribe, describeSubscription, type SubscriptionRow } from '../domain/subscription.ts';
import { safeNext } from '../domain/redirects.ts';
import { useRouter } from '../lib/router.tsx';
import { useSubscription } from '../subscription/useSubscription.ts';
import { Button, ButtonLink } from '../ui/Button.tsx';
import { Card } from '../ui/Card.tsx';
import { Notice } from '../ui/Notice.tsx';
import { Page, PageShell } from '../ui/Page.tsx';
import { LoadingStatus, Skeleton, SkeletonText } from '../ui/Skeleton.tsx';
import { CheckoutForm } from './CheckoutForm.tsx';
import { OrderSummary } from './OrderSummary.tsx';
import { amountDueToday, type Price } from './price.ts';
import { productTitle } from './product.ts';
import { appearanceFor, getStripe } from './stripe.ts';
import { ElementsProvider } from './stripe-elements.tsx';
import { TrustFooter } from './TrustFooter.tsx';
import { usePrice } from './usePrice.ts';
import './checkout.css';

/** The shape of the checkout while the price and the session load: nothing moves when they arrive. */
function CheckoutSkeleton() {
  return (
    <PageShell documentTitle="Subscribe" width="wide" className="checkout">
      <LoadingStatus label="Loading the checkout…" />
      <div className="order-summary" aria-hidden="true">
        <Skeleton width="70%" height={22} />
        <Skeleton width="45%" height={44} className="skeleton--gap" />
        <SkeletonText lines={3} />
      </div>
      <div className="checkout__payment" aria-hidden="true">
        <Skeleton height={48} radius={8} />
        <Skeleton height={180} radius={8} className="skeleton--gap" />
        <Skeleton height={52} radius={8} />
      </div>
    </PageShell>
  );
}

/** Someone who already has Premium (or is fixing a payment) is not sold a second subscription. */
function AlreadySubscribed({ row }: { row: SubscriptionRow | null }) {
  const summary = describeSubscription(row);
  const where = row?.store === 'app_store'
    ? 'You are subscribed through the App Store on your iPhone, so there is nothing to buy here.'
    : row?.is_active
      ? 'You already have a subscription on the web.'
      : 'Your web subscription needs attention. Fix it in Account rather than subscribing again.';
  return (
    <Page title={row?.is_active ? "You're already subscribed" : 'Your subscription needs attention'} width="narrow">
      <Card
        tone={row?.is_active ? 'success' : 'warning'}
        title={summary.headline}
        actions={
          <>
            <ButtonLink to="/account" variant="primary">Go to Account</ButtonLink>
            {row?.is_active && <ButtonLink to="/premium" variant="secondary">Open Premium</ButtonLink>}
          </>
        }
      >
        <p>{where}</p>
        {summary.detail && <p className="muted">{summary.detail}</p>}
      </Card>
    </Page>
  );
}

function SignedOut({ next }: { next: string }) {
  const here = `/subscribe?next=${encodeURIComponent(next)}`;
  return (
    <div className="checkout__payment">
      <Card title="Create your account first" titleAs="h2" description="Your subscription belongs to your account, so it works on the web and on your iPhone.">
        <div className="stack">
          <ButtonLink to={`/sign-up?next=${encodeURIComponent(here)}`} variant="primary" size="lg" block>Create account</ButtonLink>
          <ButtonLink to={`/sign-in?next=${encodeURIComponent(here)}`} variant="secondary" size="lg" block>Sign in</ButtonLink>
        </div>
      </Card>
      <TrustFooter />
    </div>
  );
}

export default function SubscribePage() {
  const { config, user, loading } = useApp();
  const { location } = useRouter();
  const next = safeNext(location.search.get('next'), '/premium');
  const subscription = useSubscription();
  const price = usePrice();
  const options = useMemo(() => price.price && ({
    mode: 'subscription' as const,
    amount: amountDueToday(price.price),
    currency: price.price.currency,
    appearance: appearanceFor(config.brand),
    locale: 'en' as const,
  }), [price.price, config.brand]);

  if (loading || (user && subscription.loading) || (price.loading && !(user && !canSubscribe(subscription.row)))) return <CheckoutSkeleton />;
  if (user && subscription.error) {
    return <Page title="Subscribe" width="narrow"><Notice tone="error" title="We could not load your subscription">Please reload the page.</Notice></Page>;
  }
  if (user && !canSubscribe(subscription.row)) return <AlreadySubscribed row={subscription.row} />;
  if (!price.price || !options) {
    return (
      <Page title="Subscribe" width="narrow">
        <Notice tone="error" title={price.error ?? 'We could not load the price right now.'} actions={<Button variant="secondary" onClick={price.reload}>Try again</Button>}>
          Nothing can be charged until the price is shown. Please try again in a moment.
        </Notice>
      </Page>
    );
  }

  const title = productTitle(config.brand.name, price.price.productName);
  return (
    <PageShell documentTitle={`Subscribe to ${title}`} width="wide" className="checkout">
      <OrderSummary price={price.price} title={title} />
      {!user ? <SignedOut next={next} /> : (
        <div className="checkout__payment">
          <ElementsProvider stripe={getStripe(config.stripePublishableKey)} options={options}>
            <CheckoutForm
              price={price.price}
              title={title}
              next={next}
              onAlreadySubscribed={() => void subscription.refresh()}
              onPriceChanged={(changed: Price) => price.replace(changed)}
            />
          </ElementsProvider>
        </div>
      )}
    </PageShell>
  );
}
