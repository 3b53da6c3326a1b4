import { useState } from 'react';
import { useApp } from '../app-context.tsx';
import { friendlyAuthError } from '../domain/auth-errors.ts';
import { Alert } from '../ui/components.tsx';

export function callbackUrl(next: string): string {
  return `${window.location.origin}/auth/callback?next=${encodeURIComponent(next)}`;
}

/** "Continue with Google / Apple": Supabase Auth's OAuth redirect flow (PKCE). */
export function OAuthButtons({ next }: { next: string }) {
  const { supabase } = useApp();
  const [error, setError] = useState('');
  const go = async (provider: 'google' | 'apple') => {
    setError('');
    const { error: oauthError } = await supabase.auth.signInWithOAuth({ provider, options: { redirectTo: callbackUrl(next) } });
    if (oauthError) setError(friendlyAuthError(oauthError));
  };
  return (
    <div className="oauth">
      <button type="button" className="button button--apple" onClick={() => go('apple')}>Continue with Apple</button>
      <button type="button" className="button button--google" onClick={() => go('google')}>Continue with Google</button>
      {error && <Alert>{error}</Alert>}
    </div>
  );
}
