// The price every page shows, from `GET /functions/v1/subscribe` (public; the server and the
// browser cache it briefly). One request per page load, shared by every component that asks.
import { useCallback, useEffect, useState } from 'react';
import { useApp } from '../app-context.tsx';
import { callFunction, FunctionError } from '../lib/functions.ts';
import type { Price } from './price.ts';

const FRESH_MS = 60_000;
let shared: { at: number; request: Promise<Price> } | undefined;

function fetchPrice(load: () => Promise<Price>, force = false): Promise<Price> {
  if (force || !shared || Date.now() - shared.at > FRESH_MS) {
    const request = load();
    shared = { at: Date.now(), request };
    // A failed load is not remembered: the next caller asks again.
    request.catch(() => { if (shared?.request === request) shared = undefined; });
  }
  return shared.request;
}

/** Drops the shared price, so the next reader asks the server again (tests start from nothing). */
export function forgetPrice(): void {
  shared = undefined;
}

/** Replaces the shared price (the server answered `price_changed` with a new one). */
export function rememberPrice(price: Price): void {
  shared = { at: Date.now(), request: Promise.resolve(price) };
}

export interface PriceState {
  price?: Price;
  error?: string;
  loading: boolean;
  reload: () => void;
  /** The server answered `price_changed`: show (and remember) its new price. */
  replace: (price: Price) => void;
}

export function usePrice(): PriceState {
  const { config, supabase } = useApp();
  const [state, setState] = useState<{ price?: Price; error?: string }>({});
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    let live = true;
    fetchPrice(() => callFunction<Price>(config, supabase, 'subscribe', { method: 'GET', authenticated: false }), attempt > 0)
      .then((price) => live && setState({ price }))
      .catch((error) => live && setState({ error: error instanceof FunctionError && error.status !== 0 ? 'We could not load the price right now.' : 'We cannot reach the server. Check your connection.' }));
    return () => { live = false; };
  }, [config, supabase, attempt]);
  const reload = useCallback(() => {
    setState({});
    setAttempt((n) => n + 1);
  }, []);
  const replace = useCallback((price: Price) => {
    rememberPrice(price);
    setState({ price });
  }, []);
  return { ...state, loading: !state.price && !state.error, reload, replace };
}
