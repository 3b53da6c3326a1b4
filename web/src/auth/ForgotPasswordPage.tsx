// Ask for a password-reset link. The answer is the same whether or not an account exists (no
// probing for addresses); the wait Supabase Auth imposes between two emails is shown.
import { useState, type FormEvent } from 'react';
import { useApp } from '../app-context.tsx';
import { friendlyAuthError } from '../domain/auth-errors.ts';
import { formatCountdown, RESEND_COOLDOWN_SECONDS, retryAfterSeconds } from '../domain/email-code.ts';
import { Link } from '../lib/router.tsx';
import { Button } from '../ui/Button.tsx';
import { Field } from '../ui/Field.tsx';
import { Notice } from '../ui/Notice.tsx';
import { AuthPage } from './AuthPage.tsx';
import { useCooldown } from './useCooldown.ts';

export default function ForgotPasswordPage() {
  const { supabase } = useApp();
  const [email, setEmail] = useState('');
  const [sentTo, setSentTo] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const cooldown = useCooldown();

  const send = async (event?: FormEvent) => {
    event?.preventDefault();
    setBusy(true);
    setError('');
    const address = email.trim();
    const { error: resetError } = await supabase.auth.resetPasswordForEmail(address, { redirectTo: `${window.location.origin}/auth/reset-password` });
    setBusy(false);
    const wait = resetError ? retryAfterSeconds(resetError) : RESEND_COOLDOWN_SECONDS;
    if (wait === null) return setError(friendlyAuthError(resetError));
    cooldown.start(wait);
    if (!resetError) setSentTo(address);
    else setError(`Emails to one address are limited. You can ask again in ${formatCountdown(wait)}.`);
  };

  const back = <Link to="/sign-in" className="auth-footer__link">Back to sign in</Link>;
  if (sentTo) {
    return (
      <AuthPage title="Check your email" description={<>If an account exists for <strong className="auth-email">{sentTo}</strong>, we sent it a link to choose a new password.</>} footer={back}>
        <p className="resend__hint">Open the link on this device. No email? Look in your spam or promotions folder.</p>
        {cooldown.remaining > 0
          ? <Button variant="secondary" block disabled>Send again in {formatCountdown(cooldown.remaining)}</Button>
          : <Button variant="secondary" block onClick={() => send()} busy={busy} busyLabel="Sending…">Send again</Button>}
        <p className="auth-change"><Button variant="link" onClick={() => setSentTo('')}>Use another address</Button></p>
      </AuthPage>
    );
  }
  return (
    <AuthPage title="Reset your password" description="We will email you a link to choose a new one." footer={back}>
      <form onSubmit={send}>
        <Field label="Email" name="email" type="email" autoComplete="email" inputMode="email" value={email} onChange={setEmail} required error={error || undefined} />
        <Button type="submit" variant="primary" block busy={busy} busyLabel="Sending…" disabled={cooldown.remaining > 0}>Send reset link</Button>
      </form>
    </AuthPage>
  );
}
