import { useState, type FormEvent } from 'react';
import { useApp } from '../app-context.tsx';
import { friendlyAuthError } from '../domain/auth-errors.ts';
import { safeNext } from '../domain/redirects.ts';
import { Link, useRouter } from '../lib/router.tsx';
import { Alert, Field, Page } from '../ui/components.tsx';
import { callbackUrl, OAuthButtons } from './OAuthButtons.tsx';

export default function SignUpPage() {
  const { supabase } = useApp();
  const { location, navigate } = useRouter();
  const next = safeNext(location.search.get('next'));
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState('');
  const [sentTo, setSentTo] = useState('');
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError('');
    const { data, error: signUpError } = await supabase.auth.signUp({
      email,
      password,
      options: { emailRedirectTo: callbackUrl(next), data: name.trim() ? { full_name: name.trim() } : undefined },
    });
    setBusy(false);
    if (signUpError) return setError(friendlyAuthError(signUpError));
    // With confirmations on, Supabase answers an existing email with a user that has no identities.
    if (data.user && data.user.identities?.length === 0) return setError(friendlyAuthError({ code: 'user_already_exists' }));
    if (data.session) return navigate(next, true);
    setSentTo(email);
  };

  if (sentTo) {
    return (
      <Page title="Check your inbox">
        <Alert tone="good">We sent a confirmation link to <strong>{sentTo}</strong>. Open it on this device to finish signing up.</Alert>
        <p><Link to={`/sign-in?next=${encodeURIComponent(next)}`}>Back to sign in</Link></p>
      </Page>
    );
  }

  return (
    <Page title="Create your account">
      <OAuthButtons next={next} />
      <p className="divider"><span>or with your email</span></p>
      <form onSubmit={submit}>
        <Field label="Name (optional)" name="name" autoComplete="name" value={name} onChange={setName} />
        <Field label="Email" name="email" type="email" autoComplete="email" value={email} onChange={setEmail} required />
        <Field label="Password (8+ characters, letters and digits)" name="password" type="password" autoComplete="new-password" value={password} onChange={setPassword} required minLength={8} />
        {error && <Alert>{error}</Alert>}
        <button className="button button--primary" type="submit" disabled={busy}>{busy ? 'Creating…' : 'Create account'}</button>
      </form>
      <p className="links"><Link to={`/sign-in?next=${encodeURIComponent(next)}`}>I already have an account</Link></p>
    </Page>
  );
}
