// The signed-in person's web billing summary, read by the portal function from Stripe.
import { useEffect, useState } from 'react';
import { useApp } from '../app-context.tsx';
import { callFunction, FunctionError } from '../lib/functions.ts';
import type { BillingSummary } from './billing.ts';

export interface BillingSummaryState {
  summary: BillingSummary | null;
  loading: boolean;
  error: string | null;
}

export function useBillingSummary(enabled: boolean): BillingSummaryState {
  const { config, supabase } = useApp();
  const [state, setState] = useState<BillingSummaryState>({ summary: null, loading: enabled, error: null });
  useEffect(() => {
    if (!enabled) return setState({ summary: null, loading: false, error: null });
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    callFunction<BillingSummary>(config, supabase, 'portal', { method: 'GET' })
      .then((summary) => live && setState({ summary, loading: false, error: null }))
      .catch((error) => {
        if (!live) return;
        // No web billing account (never subscribed on the web) is not an error.
        if (error instanceof FunctionError && error.code === 'no_billing_account') return setState({ summary: null, loading: false, error: null });
        setState({ summary: null, loading: false, error: error instanceof FunctionError ? error.message : 'We could not load your billing details.' });
      });
    return () => { live = false; };
  }, [config, supabase, enabled]);
  return state;
}
