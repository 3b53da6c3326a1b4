import { useEffect, useRef, useState, type FormEvent } from 'react';
import type {
  AvailablePaymentMethods,
  StripeExpressCheckoutElementClickEvent,
  StripeExpressCheckoutElementConfirmEvent,
  StripeExpressCheckoutElementReadyEvent,
} from '@stripe/stripe-js';
import { useApp } from '../app-context.tsx';
import { callFunction, FunctionError, type SubscribeResult } from '../lib/functions.ts';
import { useRouter } from '../lib/router.tsx';
import { Button } from '../ui/Button.tsx';
import { Notice } from '../ui/Notice.tsx';
import { Skeleton } from '../ui/Skeleton.tsx';
import { NARROW_SCREEN, useMediaQuery } from '../ui/useMediaQuery.ts';
import { amountDueToday, firstRenewal, perInterval, type Price } from './price.ts';
import { ExpressCheckoutElement, PaymentElement, useStripeElements } from './stripe-elements.tsx';
import { TrustFooter } from './TrustFooter.tsx';

type Problem = { tone: 'error' | 'warning'; title: string; message: string };
type Phase = { name: 'idle' } | { name: 'paying' } | { name: 'problem'; problem: Problem; at: number };

const WALLET_NAMES: [keyof AvailablePaymentMethods, string][] = [['applePay', 'Apple Pay'], ['googlePay', 'Google Pay'], ['link', 'Link']];

/** The next step after a failed card: another card, or the wallet this device offers. */
export function nextStepAfterDecline(wallets: Partial<AvailablePaymentMethods> | null | false): string {
  const wallet = wallets ? WALLET_NAMES.find(([key]) => wallets[key])?.[1] : undefined;
  return wallet ? `Try another card or ${wallet}.` : 'Try another card.';
}

/** The pay button says what it does and what it costs. */
export function payLabel(price: Price): string {
  return price.trialPeriodDays ? `Start ${price.trialPeriodDays}-day free trial` : `Subscribe · ${perInterval(price)}`;
}

/** The price as the page shows it, sent with POST subscribe: the server refuses to charge anything else. */
function shown(price: Price) {
  return { amount: price.amount, currency: price.currency, interval: price.interval, intervalCount: price.intervalCount };
}

/**
 * One form: wallets (Apple Pay, Google Pay, Link) and the Payment Element, in Stripe's deferred-intent
 * flow — everything renders at once, and the subscription is created only when the person pays.
 * On phones the wallet buttons come first, the card form is one tap away, and the pay button sits in
 * a bar pinned to the bottom of the screen. While a payment is processing nothing can be changed or
 * pressed twice; a failure is announced next to the button, with focus moved there and a next step.
 */
export function CheckoutForm({ price, title, next, onAlreadySubscribed, onPriceChanged }: {
  price: Price;
  title: string;
  next: string;
  onAlreadySubscribed: () => void;
  onPriceChanged: (price: Price) => void;
}) {
  const { stripe, elements } = useStripeElements();
  const { config, supabase } = useApp();
  const { navigate } = useRouter();
  const narrow = useMediaQuery(NARROW_SCREEN);
  const [phase, setPhase] = useState<Phase>({ name: 'idle' });
  const [wallets, setWallets] = useState<AvailablePaymentMethods | null | false>(null);
  const [showCard, setShowCard] = useState(false);
  const [cardReady, setCardReady] = useState(false);
  const paying = phase.name === 'paying';
  const payBar = useRef<HTMLDivElement>(null);
  const returnUrl = `${window.location.origin}/subscribe/return?next=${encodeURIComponent(next)}`;

  // Lock the card fields too (they live in Stripe's iframes, which `inert` alone does not reach on every browser).
  useEffect(() => {
    elements?.getElement('payment')?.update({ readOnly: paying });
  }, [elements, paying]);

  const fail = (problem: Problem) => setPhase({ name: 'problem', problem, at: Date.now() });
  // The notice takes focus (Notice does it); then bring the button under it into view as well, so
  // the next step and the way to take it are seen together.
  const problemAt = phase.name === 'problem' ? phase.at : 0;
  useEffect(() => {
    if (problemAt) payBar.current?.scrollIntoView?.({ block: 'nearest' });
  }, [problemAt]);

  const pay = async (wallet?: StripeExpressCheckoutElementConfirmEvent): Promise<void> => {
    if (!stripe || !elements || paying) return;
    setPhase({ name: 'paying' });
    const nextStep = wallet ? 'Try again, or pay with a card.' : nextStepAfterDecline(wallets);
    // Validate the form and collect wallet details before any network work (Stripe's rule).
    const { error: submitError } = await elements.submit();
    if (submitError) {
      wallet?.paymentFailed({ reason: 'fail' });
      return fail({ tone: 'error', title: 'Check your payment details', message: submitError.message ?? 'Some details are missing.' });
    }

    let subscription: SubscribeResult;
    try {
      subscription = await callFunction<SubscribeResult>(config, supabase, 'subscribe', { body: shown(price) });
    } catch (error) {
      wallet?.paymentFailed({ reason: 'fail' });
      if (error instanceof FunctionError && error.code === 'already_subscribed') return onAlreadySubscribed();
      if (error instanceof FunctionError && error.code === 'price_changed' && error.details.price) {
        const now = error.details.price as Price;
        onPriceChanged(now);
        return fail({
          tone: 'warning',
          title: 'The price has changed',
          message: `It went from ${perInterval(price)} to ${perInterval(now)}. Nothing was charged. Check the new price, then subscribe if you still want to.`,
        });
      }
      return fail({ tone: 'error', title: 'We could not start your subscription', message: `${error instanceof Error ? error.message : 'Something went wrong.'} You have not been charged.` });
    }
    const options = { elements, clientSecret: subscription.clientSecret, confirmParams: { return_url: returnUrl }, redirect: 'if_required' as const };
    const { error } = subscription.intentType === 'setup' ? await stripe.confirmSetup(options) : await stripe.confirmPayment(options);
    if (error) {
      wallet?.paymentFailed({ reason: 'fail' });
      // Card errors (declined, 3-D Secure failed) are written for the customer by Stripe.
      const reason = error.type === 'card_error' || error.type === 'validation_error' ? error.message : undefined;
      return fail({ tone: 'error', title: reason ?? 'The payment could not be completed.', message: `You have not been charged. ${nextStep}` });
    }
    const secretParam = subscription.intentType === 'setup' ? 'setup_intent_client_secret' : 'payment_intent_client_secret';
    navigate(`/subscribe/return?${secretParam}=${encodeURIComponent(subscription.clientSecret)}&next=${encodeURIComponent(next)}`, true);
  };

  const onWalletReady = (event: StripeExpressCheckoutElementReadyEvent) => {
    const available = event.availablePaymentMethods;
    setWallets(available && Object.values(available).some(Boolean) ? available : false);
  };
  // What the wallet sheet shows: the amount due now and, for Apple Pay, the recurring terms Apple
  // asks subscriptions to state (amount, interval, first date, where to manage it).
  const onWalletClick = (event: StripeExpressCheckoutElementClickEvent) => {
    if (paying) return event.reject();
    event.resolve({
      lineItems: [{ name: title, amount: amountDueToday(price) }],
      applePay: {
        recurringPaymentRequest: {
          paymentDescription: `${title}, ${perInterval(price)}`,
          managementURL: `${window.location.origin}/account`,
          regularBilling: {
            label: title,
            amount: price.amount,
            recurringPaymentIntervalUnit: price.interval === 'week' ? 'day' : price.interval,
            recurringPaymentIntervalCount: price.interval === 'week' ? 7 * price.intervalCount : price.intervalCount,
            recurringPaymentStartDate: firstRenewal(price, new Date()),
          },
        },
      },
    });
  };
  const submitCard = (event: FormEvent) => {
    event.preventDefault();
    void pay();
  };

  // Time to interactive of the payment form, for the benchmark (and any RUM tool): the moment a
  // person can pay, by card or with a wallet.
  useEffect(() => {
    if (stripe && (cardReady || wallets) && !performance.getEntriesByName('subscribe:interactive').length) {
      performance.mark('subscribe:interactive');
    }
  }, [stripe, cardReady, wallets]);

  const cardVisible = !narrow || showCard || wallets === false;
  // Shown all at once when Stripe's elements are ready (wallets known, card form drawn): elements
  // that arrive one by one would push what is below them down (layout shift). Settles once.
  const [settled, setSettled] = useState(false);
  useEffect(() => {
    if (!settled && wallets !== null && (!cardVisible || cardReady)) setSettled(true);
  }, [settled, wallets, cardVisible, cardReady]);
  const openCard = () => {
    setShowCard(true);
    // Once the card form is there, put the person in its first field.
    setTimeout(() => elements?.getElement('payment')?.focus(), 0);
  };
  const problem = phase.name === 'problem' ? phase.problem : null;
  const problemNotice = problem && (
    <Notice key={phase.name === 'problem' ? phase.at : 0} tone={problem.tone} title={problem.title} focusOnMount className="pay__notice" id="payment-problem">
      {problem.message}
    </Notice>
  );

  return (
    <div className={settled ? 'checkout-form' : 'checkout-form is-loading'} aria-busy={paying || !settled || undefined}>
      {!settled && (
        <div className="checkout-form__placeholder" aria-hidden="true">
          <Skeleton height={48} radius={8} />
          <Skeleton height={48} radius={8} />
          <Skeleton height={120} radius={8} />
          <Skeleton height={52} radius={8} />
        </div>
      )}
      {/* Everything a person could press or type is inert while the payment is processing. */}
      <div className="checkout-form__methods" inert={paying || undefined}>
        <div className={wallets === false ? 'visually-hidden' : 'wallets'} role="group" aria-label="Pay with a wallet">
          <ExpressCheckoutElement
            onReady={onWalletReady}
            onClick={onWalletClick}
            onConfirm={(event) => void pay(event)}
            options={{
              buttonHeight: 48,
              buttonType: { applePay: 'subscribe', googlePay: 'subscribe' },
              layout: { maxColumns: 1, maxRows: 3, overflow: 'never' },
            }}
          />
        </div>
        {!cardVisible && (
          <>
            {/* A wallet failure shows here, as the card form (and its pay bar) is still folded away. */}
            {problemNotice}
            <p className="divider"><span>or</span></p>
            <Button variant="secondary" size="lg" block onClick={openCard}>Pay with card</Button>
          </>
        )}
      </div>
      {cardVisible && (
        <form id="checkout-form" onSubmit={submitCard} aria-label="Pay with card" noValidate>
          <div inert={paying || undefined}>
            {wallets && <p className="divider"><span>or pay with card</span></p>}
            <PaymentElement onReady={() => setCardReady(true)} options={{ layout: 'tabs', readOnly: paying }} />
          </div>
          {/* The pay bar: pinned to the bottom of the screen on phones, the error next to the button. */}
          <div className="pay" data-testid="pay-bar" ref={payBar}>
            {problemNotice}
            <Button type="submit" variant="primary" size="lg" block disabled={!stripe || !cardReady} busy={paying} busyLabel="Processing…" aria-describedby={problem ? 'payment-problem' : undefined}>
              {payLabel(price)}
            </Button>
          </div>
        </form>
      )}
      {paying && <span className="visually-hidden" role="status">Processing your payment. Do not close this page.</span>}
      <p className="pay-terms">
        By subscribing, you allow {config.brand.name} to charge {perInterval(price).replace('/', ' per ')}
        {price.trialPeriodDays ? ` after your free trial` : ''} until you cancel. You can cancel anytime in Account; access continues until the end of the period you paid for.
      </p>
      <TrustFooter />
    </div>
  );
}
