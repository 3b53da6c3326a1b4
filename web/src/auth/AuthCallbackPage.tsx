// Where OAuth sign-ins, identity linking and email links land. The auth client exchanges a PKCE
// `code` itself as it starts; this page waits for the session, handles the token-hash form of email
// links, and explains errors.
import { useEffect, useState } from 'react';
import type { EmailOtpType } from '@supabase/auth-js';
import { useApp } from '../app-context.tsx';
import { friendlyAuthError } from '../domain/auth-errors.ts';
import { safeNext } from '../domain/redirects.ts';
import { Link, useRouter } from '../lib/router.tsx';
import { Notice } from '../ui/Notice.tsx';
import { Spinner } from '../ui/Spinner.tsx';
import { AuthPage } from './AuthPage.tsx';

export default function AuthCallbackPage() {
  const { supabase } = useApp();
  const { location, navigate } = useRouter();
  const [error, setError] = useState('');
  useEffect(() => {
    const hash = new URLSearchParams(window.location.hash.slice(1));
    const param = (name: string) => location.search.get(name) ?? hash.get(name);
    const next = safeNext(param('next'));
    const failure = param('error_code') ?? param('error');
    if (failure) {
      setError(friendlyAuthError({ code: failure, message: param('error_description') ?? undefined }));
      return;
    }
    (async () => {
      const tokenHash = param('token_hash');
      if (tokenHash) {
        const { error: verifyError } = await supabase.auth.verifyOtp({ token_hash: tokenHash, type: (param('type') ?? 'email') as EmailOtpType });
        if (verifyError) return setError(friendlyAuthError(verifyError));
      }
      const { data } = await supabase.auth.getSession();
      if (data.session) navigate(next, true);
      else setError(friendlyAuthError({ code: 'otp_expired' }));
    })();
  }, [supabase, location, navigate]);

  return error ? (
    <AuthPage title="We could not sign you in" footer={<Link to="/sign-in" className="auth-footer__link">Back to sign in</Link>}>
      <Notice tone="error">{error}</Notice>
    </AuthPage>
  ) : (
    <AuthPage title="Signing you in">
      <Spinner label="One moment…" />
    </AuthPage>
  );
}
