import { useState, type FormEvent } from 'react';
import { useApp } from '../app-context.tsx';
import { friendlyAuthError } from '../domain/auth-errors.ts';
import { safeNext } from '../domain/redirects.ts';
import { Link, useRouter } from '../lib/router.tsx';
import { Alert, Field, Page } from '../ui/components.tsx';
import { callbackUrl, OAuthButtons } from './OAuthButtons.tsx';

export default function SignInPage() {
  const { supabase } = useApp();
  const { location, navigate } = useRouter();
  const next = safeNext(location.search.get('next'));
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<{ message: string; code?: string } | null>(null);
  const [notice, setNotice] = useState('');
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    const { error: signInError } = await supabase.auth.signInWithPassword({ email, password });
    setBusy(false);
    if (signInError) setError({ message: friendlyAuthError(signInError), code: signInError.code });
    else navigate(next, true);
  };

  const resend = async () => {
    const { error: resendError } = await supabase.auth.resend({ type: 'signup', email, options: { emailRedirectTo: callbackUrl(next) } });
    setNotice(resendError ? friendlyAuthError(resendError) : 'We sent you a new confirmation link.');
  };

  return (
    <Page title="Sign in">
      <OAuthButtons next={next} />
      <p className="divider"><span>or with your email</span></p>
      <form onSubmit={submit} noValidate={false}>
        <Field label="Email" name="email" type="email" autoComplete="email" value={email} onChange={setEmail} required />
        <Field label="Password" name="password" type="password" autoComplete="current-password" value={password} onChange={setPassword} required />
        {error && (
          <Alert>
            {error.message}
            {error.code === 'email_not_confirmed' && <> <button type="button" className="linklike" onClick={resend}>Send a new link</button></>}
          </Alert>
        )}
        {notice && <Alert tone="good">{notice}</Alert>}
        <button className="button button--primary" type="submit" disabled={busy}>{busy ? 'Signing in…' : 'Sign in'}</button>
      </form>
      <p className="links">
        <Link to={`/forgot-password`}>Forgot your password?</Link>
        <Link to={`/sign-up?next=${encodeURIComponent(next)}`}>Create an account</Link>
      </p>
    </Page>
  );
}
