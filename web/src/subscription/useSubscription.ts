// The signed-in user's row of public.subscriptions (RLS returns only theirs).
import { useCallback, useEffect, useRef, useState } from 'react';
import { useApp } from '../app-context.tsx';
import type { SubscriptionRow } from '../domain/subscription.ts';

export interface SubscriptionState {
  row: SubscriptionRow | null;
  loading: boolean;
  error: string | null;
  refresh: () => Promise<SubscriptionRow | null>;
}

export function useSubscription(options: { pollMs?: number; until?: (row: SubscriptionRow | null) => boolean } = {}): SubscriptionState {
  const { supabase, user } = useApp();
  const [row, setRow] = useState<SubscriptionRow | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const until = useRef(options.until);
  until.current = options.until;

  const refresh = useCallback(async () => {
    if (!user) {
      setRow(null);
      setLoading(false);
      return null;
    }
    const { data, error: queryError } = await supabase.from('subscriptions').select('*').maybeSingle<SubscriptionRow>();
    setLoading(false);
    if (queryError) {
      setError('We could not load your subscription. Please reload the page.');
      return null;
    }
    setError(null);
    setRow(data);
    return data;
  }, [supabase, user]);

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async () => {
      const latest = await refresh();
      if (stopped || !options.pollMs || until.current?.(latest)) return;
      timer = setTimeout(tick, options.pollMs);
    };
    void tick();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [refresh, options.pollMs]);

  return { row, loading, error, refresh };
}
