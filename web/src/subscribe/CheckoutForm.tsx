import { useEffect, useState, type FormEvent } from 'react';
import { ExpressCheckoutElement, PaymentElement, useElements, useStripe } from '@stripe/react-stripe-js';
import type { StripeExpressCheckoutElementConfirmEvent, StripeExpressCheckoutElementReadyEvent } from '@stripe/stripe-js';
import { useApp } from '../app-context.tsx';
import { callFunction, FunctionError, type SubscribeResult } from '../lib/functions.ts';
import { useRouter } from '../lib/router.tsx';
import { Alert } from '../ui/components.tsx';

type Phase = { name: 'idle' } | { name: 'paying' } | { name: 'error'; message: string };

function useNarrow(): boolean {
  const query = '(max-width: 640px)';
  const [narrow, setNarrow] = useState(() => window.matchMedia?.(query).matches ?? false);
  useEffect(() => {
    const list = window.matchMedia?.(query);
    const onChange = () => setNarrow(list.matches);
    list?.addEventListener('change', onChange);
    return () => list?.removeEventListener('change', onChange);
  }, []);
  return narrow;
}

/**
 * One form: wallets (Apple Pay, Google Pay, Link) and the Payment Element, in Stripe's deferred-intent
 * flow — everything renders at once, and the subscription is created only when the person pays.
 * On phones the wallet buttons come first and the card form is one tap away.
 */
export function CheckoutForm({ next, onAlreadySubscribed }: { next: string; onAlreadySubscribed: () => void }) {
  const stripe = useStripe();
  const elements = useElements();
  const { config, supabase } = useApp();
  const { navigate } = useRouter();
  const narrow = useNarrow();
  const [phase, setPhase] = useState<Phase>({ name: 'idle' });
  const [walletsAvailable, setWalletsAvailable] = useState<boolean | null>(null);
  const [showCard, setShowCard] = useState(false);
  const [cardReady, setCardReady] = useState(false);
  const returnUrl = `${window.location.origin}/subscribe/return?next=${encodeURIComponent(next)}`;

  const pay = async (): Promise<void> => {
    if (!stripe || !elements) return;
    setPhase({ name: 'paying' });
    // Validate the form and collect wallet details before any network work (Stripe's rule).
    const { error: submitError } = await elements.submit();
    if (submitError) return setPhase({ name: 'error', message: submitError.message ?? 'Check your payment details.' });

    let subscription: SubscribeResult;
    try {
      subscription = await callFunction<SubscribeResult>(config, supabase, 'subscribe', { body: {} });
    } catch (error) {
      if (error instanceof FunctionError && error.code === 'already_subscribed') return onAlreadySubscribed();
      return setPhase({ name: 'error', message: error instanceof Error ? error.message : 'Something went wrong.' });
    }
    const options = { elements, clientSecret: subscription.clientSecret, confirmParams: { return_url: returnUrl }, redirect: 'if_required' as const };
    const { error } = subscription.intentType === 'setup' ? await stripe.confirmSetup(options) : await stripe.confirmPayment(options);
    if (error) {
      // Card errors (declined, 3-D Secure failed) are written for the customer by Stripe.
      const message = error.type === 'card_error' || error.type === 'validation_error' ? error.message : 'The payment could not be completed.';
      return setPhase({ name: 'error', message: `${message ?? 'The payment failed.'} You have not been charged; please try again.` });
    }
    const secretParam = subscription.intentType === 'setup' ? 'setup_intent_client_secret' : 'payment_intent_client_secret';
    navigate(`/subscribe/return?${secretParam}=${encodeURIComponent(subscription.clientSecret)}&next=${encodeURIComponent(next)}`, true);
  };

  const onWalletReady = (event: StripeExpressCheckoutElementReadyEvent) => {
    setWalletsAvailable(Boolean(event.availablePaymentMethods && Object.values(event.availablePaymentMethods).some(Boolean)));
  };
  const onWalletConfirm = (_event: StripeExpressCheckoutElementConfirmEvent) => void pay();
  const submitCard = (event: FormEvent) => {
    event.preventDefault();
    void pay();
  };

  // Time to interactive of the payment form, for the benchmark (and any RUM tool): the moment a
  // person can pay, by card or with a wallet.
  useEffect(() => {
    if (stripe && (cardReady || walletsAvailable) && !performance.getEntriesByName('subscribe:interactive').length) {
      performance.mark('subscribe:interactive');
    }
  }, [stripe, cardReady, walletsAvailable]);

  const cardVisible = !narrow || showCard || walletsAvailable === false;
  const paying = phase.name === 'paying';
  return (
    <div className="checkout">
      {phase.name === 'error' && <Alert>{phase.message}</Alert>}
      <div className={walletsAvailable === false ? 'visually-hidden' : 'wallets'} aria-label="Pay with a wallet">
        <ExpressCheckoutElement onReady={onWalletReady} onConfirm={onWalletConfirm} options={{ buttonHeight: 48 }} />
      </div>
      {!cardVisible && (
        <button type="button" className="button button--secondary wide" onClick={() => setShowCard(true)}>Pay with card</button>
      )}
      {cardVisible && (
        <form onSubmit={submitCard} aria-label="Pay with card">
          {walletsAvailable && <p className="divider"><span>or pay with card</span></p>}
          <PaymentElement onReady={() => setCardReady(true)} options={{ layout: 'tabs' }} />
          <button className="button button--primary wide" type="submit" disabled={!stripe || !cardReady || paying}>
            {paying ? 'Processing…' : 'Subscribe'}
          </button>
        </form>
      )}
      {paying && <p className="muted" role="status">Confirming your payment… do not close this page.</p>}
    </div>
  );
}
