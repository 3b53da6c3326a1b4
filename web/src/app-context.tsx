// The app's shared state: configuration, the Supabase client and the current session.
import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';
import type { Session, User } from '@supabase/auth-js';
import type { SupabaseClient } from './lib/supabase.ts';
import type { WebConfig } from './config.ts';

interface AppState {
  config: WebConfig;
  supabase: SupabaseClient;
  session: Session | null;
  user: User | null;
  /** True until the stored session has been read (and refreshed if needed). */
  loading: boolean;
}

const AppContext = createContext<AppState | null>(null);

export function AppProvider({ config, supabase, children }: { config: WebConfig; supabase: SupabaseClient; children: ReactNode }) {
  const [session, setSession] = useState<Session | null>(null);
  const [loading, setLoading] = useState(true);
  useEffect(() => {
    let live = true;
    supabase.auth.getSession().then(({ data }) => {
      if (!live) return;
      setSession(data.session);
      setLoading(false);
    });
    const { data } = supabase.auth.onAuthStateChange((_event, next) => {
      setSession(next);
      setLoading(false);
    });
    return () => {
      live = false;
      data.subscription.unsubscribe();
    };
  }, [supabase]);
  return (
    <AppContext.Provider value={{ config, supabase, session, user: session?.user ?? null, loading }}>{children}</AppContext.Provider>
  );
}

export function useApp(): AppState {
  const state = useContext(AppContext);
  if (!state) throw new Error('useApp outside AppProvider');
  return state;
}
