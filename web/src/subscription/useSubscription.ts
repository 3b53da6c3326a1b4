// The signed-in user's row of public.subscriptions (RLS returns only theirs).
import { useCallback, useEffect, useRef, useState } from 'react';
import { useApp } from '../app-context.tsx';
import type { SubscriptionRow } from '../domain/subscription.ts';
import { createClaimFollower, type ClaimFollower } from './claim-follower.ts';

export interface SubscriptionState {
  row: SubscriptionRow | null;
  loading: boolean;
  error: string | null;
  refresh: () => Promise<SubscriptionRow | null>;
}

// One per Supabase client (one per page), so two readers of the same row refresh the session once.
const followers = new WeakMap<object, ClaimFollower>();
function claimFollower(supabase: ReturnType<typeof useApp>['supabase']): ClaimFollower {
  let follower = followers.get(supabase);
  if (!follower) {
    follower = createClaimFollower(() => supabase.auth.refreshSession());
    followers.set(supabase, follower);
  }
  return follower;
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
    // The access token's entitlements claim follows the row (claim-follower.ts).
    const { data: auth } = await supabase.auth.getSession();
    claimFollower(supabase).observe(auth.session?.access_token, user.id, data);
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

  // Back to the tab (after buying on the iPhone, say): read again, so the row and the claim follow.
  useEffect(() => {
    const onVisible = () => {
      if (document.visibilityState === 'visible') void refresh();
    };
    document.addEventListener('visibilitychange', onVisible);
    return () => document.removeEventListener('visibilitychange', onVisible);
  }, [refresh]);

  return { row, loading, error, refresh };
}
