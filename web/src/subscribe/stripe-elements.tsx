// Stripe Elements mounted directly with Stripe.js's own API (elements(), create(), mount(), on()),
// in place of @stripe/react-stripe-js: the two elements this page uses need a few lines each, and
// the wrapper cost ~5 KB gzip of the page's JavaScript budget.
import { createContext, useContext, useEffect, useRef, useState, type ReactNode } from 'react';
import type {
  Stripe,
  StripeElements,
  StripeElementsOptionsMode,
  StripeElementsUpdateOptions,
  StripeExpressCheckoutElementClickEvent,
  StripeExpressCheckoutElementConfirmEvent,
  StripeExpressCheckoutElementOptions,
  StripeExpressCheckoutElementReadyEvent,
  StripePaymentElementOptions,
} from '@stripe/stripe-js';

interface ElementsState {
  stripe: Stripe | null;
  elements: StripeElements | null;
}

const ElementsContext = createContext<ElementsState>({ stripe: null, elements: null });

/** The Stripe instance and the Elements group, once Stripe.js has loaded (null until then). */
export function useStripeElements(): ElementsState {
  return useContext(ElementsContext);
}

/** One Elements group for the page. `options` may change (a new price): the group is updated, not rebuilt. */
export function ElementsProvider({ stripe, options, children }: {
  stripe: Promise<Stripe | null>;
  options: StripeElementsOptionsMode & Pick<StripeElementsUpdateOptions, 'amount' | 'currency' | 'appearance'>;
  children: ReactNode;
}) {
  const [state, setState] = useState<ElementsState>({ stripe: null, elements: null });
  const latest = useRef(options);
  latest.current = options;
  useEffect(() => {
    let live = true;
    void stripe.then((loaded) => {
      if (live && loaded) setState({ stripe: loaded, elements: loaded.elements(latest.current) });
    });
    return () => {
      live = false;
    };
  }, [stripe]);
  useEffect(() => {
    state.elements?.update({ amount: options.amount, currency: options.currency, appearance: options.appearance });
  }, [state.elements, options]);
  return <ElementsContext.Provider value={state}>{children}</ElementsContext.Provider>;
}

/** Keeps the latest callback in a ref, so an element's listener is attached once and never goes stale. */
function useLatest<T>(value: T) {
  const ref = useRef(value);
  ref.current = value;
  return ref;
}

export function PaymentElement({ options, onReady }: { options: StripePaymentElementOptions; onReady: () => void }) {
  const { elements } = useStripeElements();
  const node = useRef<HTMLDivElement>(null);
  const ready = useLatest(onReady);
  const initial = useRef(options);
  useEffect(() => {
    if (!elements || !node.current) return;
    const element = elements.create('payment', initial.current);
    element.on('ready', () => ready.current());
    element.mount(node.current);
    return () => element.destroy();
  }, [elements, ready]);
  return <div ref={node} />;
}

export function ExpressCheckoutElement({ options, onReady, onClick, onConfirm }: {
  options: StripeExpressCheckoutElementOptions;
  onReady: (event: StripeExpressCheckoutElementReadyEvent) => void;
  onClick: (event: StripeExpressCheckoutElementClickEvent) => void;
  onConfirm: (event: StripeExpressCheckoutElementConfirmEvent) => void;
}) {
  const { elements } = useStripeElements();
  const node = useRef<HTMLDivElement>(null);
  const handlers = useLatest({ onReady, onClick, onConfirm });
  const initial = useRef(options);
  useEffect(() => {
    if (!elements || !node.current) return;
    const element = elements.create('expressCheckout', initial.current);
    element.on('ready', (event) => handlers.current.onReady(event));
    element.on('click', (event) => handlers.current.onClick(event));
    element.on('confirm', (event) => handlers.current.onConfirm(event));
    element.mount(node.current);
    return () => element.destroy();
  }, [elements, handlers]);
  return <div ref={node} />;
}
