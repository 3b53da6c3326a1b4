// The signed-in person's web billing summary, read by the portal function from Stripe.
import { useCallback, useEffect, useState } from 'react';
import { useApp } from '../app-context.tsx';
import { callFunction, FunctionError } from '../lib/functions.ts';
import type { BillingSummary } from './billing.ts';

export interface BillingSummaryState {
  summary: BillingSummary | null;
  /** No web billing account (never subscribed on the web): not an error. */
  none: boolean;
  loading: boolean;
  error: string | null;
  reload: () => void;
}

export function useBillingSummary(enabled: boolean): BillingSummaryState {
  const { config, supabase } = useApp();
  const [state, setState] = useState<Omit<BillingSummaryState, 'reload'>>({ summary: null, none: false, loading: enabled, error: null });
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    if (!enabled) return setState({ summary: null, none: false, loading: false, error: null });
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    callFunction<BillingSummary>(config, supabase, 'portal', { method: 'GET' })
      .then((summary) => live && setState({ summary, none: false, loading: false, error: null }))
      .catch((error) => {
        if (!live) return;
        if (error instanceof FunctionError && error.code === 'no_billing_account') return setState({ summary: null, none: true, loading: false, error: null });
        setState({ summary: null, none: false, loading: false, error: error instanceof FunctionError ? error.message : 'We could not load your billing details.' });
      });
    return () => { live = false; };
  }, [config, supabase, enabled, attempt]);
  const reload = useCallback(() => setAttempt((n) => n + 1), []);
  return { ...state, reload };
}
