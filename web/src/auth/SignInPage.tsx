// Sign in with email + password (or Apple / Google), then back to `next`. The reason for being sent
// here, if any, is shown above the card. An address not confirmed yet is confirmed here with a code.
import { useEffect, useState, type FormEvent } from 'react';
import { useApp } from '../app-context.tsx';
import { friendlyAuthError } from '../domain/auth-errors.ts';
import { RESEND_COOLDOWN_SECONDS, retryAfterSeconds } from '../domain/email-code.ts';
import { redirectMessage, safeNext } from '../domain/redirects.ts';
import { Link, useRouter } from '../lib/router.tsx';
import { Button } from '../ui/Button.tsx';
import { Field } from '../ui/Field.tsx';
import { Notice } from '../ui/Notice.tsx';
import { AuthPage } from './AuthPage.tsx';
import { ConfirmEmailStep, preloadConfirmEmailStep } from './LazyConfirmEmailStep.tsx';
import { callbackUrl, OAuthButtons } from './OAuthButtons.tsx';
import { PasswordField } from './PasswordField.tsx';

export default function SignInPage() {
  const { supabase } = useApp();
  const { location, navigate } = useRouter();
  const next = safeNext(location.search.get('next'));
  const reason = redirectMessage(location.search.get('reason'));
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<{ message: string; code?: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const [sending, setSending] = useState(false);
  const [confirming, setConfirming] = useState<{ email: string; wait: number; rateLimited: boolean } | null>(null);
  // The form works from its first render: the moment `npm run bench:web` measures to.
  useEffect(() => void performance.mark('sign-in:interactive'), []);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    const { error: signInError } = await supabase.auth.signInWithPassword({ email: email.trim(), password });
    setBusy(false);
    if (signInError) setError({ message: friendlyAuthError(signInError), code: signInError.code });
    else navigate(next, true);
  };

  const sendCode = async () => {
    void preloadConfirmEmailStep();
    setSending(true);
    const address = email.trim();
    const { error: resendError } = await supabase.auth.resend({ type: 'signup', email: address, options: { emailRedirectTo: callbackUrl(next) } });
    setSending(false);
    const wait = resendError ? retryAfterSeconds(resendError) : RESEND_COOLDOWN_SECONDS;
    if (wait === null) return setError({ message: friendlyAuthError(resendError) });
    setConfirming({ email: address, wait, rateLimited: Boolean(resendError) });
  };

  if (confirming) {
    return <ConfirmEmailStep email={confirming.email} next={next} waitSeconds={confirming.wait} rateLimited={confirming.rateLimited} onChangeEmail={() => { setConfirming(null); setError(null); }} />;
  }

  return (
    <AuthPage
      title="Sign in"
      description="Welcome back. One account for the web and the iPhone app."
      notice={reason && <Notice tone="info">{reason}</Notice>}
      footer={<>New here? <Link to={`/sign-up?next=${encodeURIComponent(next)}`} className="auth-footer__link">Create an account</Link></>}
    >
      <OAuthButtons next={next} />
      <p className="divider"><span>or with your email</span></p>
      <form onSubmit={submit}>
        <Field label="Email" name="email" type="email" autoComplete="email" inputMode="email" value={email} onChange={setEmail} required />
        <PasswordField label="Password" value={password} onChange={setPassword} />
        <p className="auth-forgot"><Link to="/forgot-password" className="auth-inline-link">Forgot your password?</Link></p>
        {error && (
          <Notice
            tone="error"
            actions={error.code === 'email_not_confirmed'
              ? <Button variant="secondary" onClick={sendCode} busy={sending} busyLabel="Sending…">Email me a code</Button>
              : undefined}
          >
            {error.message}
          </Notice>
        )}
        <Button type="submit" variant="primary" block busy={busy} busyLabel="Signing in…">Sign in</Button>
      </form>
    </AuthPage>
  );
}
