// "Check your email": the 6-digit code from the confirmation email confirms the address right here,
// so a person who chose a plan goes straight on to checkout without leaving the page. The link in
// the same email still works (on this device, this page then moves on by itself). A new code can be
// sent once the wait Supabase Auth imposes has passed (a countdown shows it); a typo in the address
// is one tap away from being fixed.
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { useApp } from '../app-context.tsx';
import { friendlyAuthError, friendlyCodeError } from '../domain/auth-errors.ts';
import { CODE_LENGTH, formatCountdown, isCompleteCode, normalizeCode, rateLimitedMessage, RESEND_COOLDOWN_SECONDS, retryAfterSeconds } from '../domain/email-code.ts';
import { useRouter } from '../lib/router.tsx';
import { Button } from '../ui/Button.tsx';
import { Notice } from '../ui/Notice.tsx';
import { AuthPage } from './AuthPage.tsx';
import { callbackUrl } from './OAuthButtons.tsx';
import { useCooldown } from './useCooldown.ts';

export function ConfirmEmailStep({ email, next, waitSeconds = RESEND_COOLDOWN_SECONDS, rateLimited = false, onChangeEmail }: {
  email: string;
  /** Where to go once confirmed (checkout, for someone who chose a plan). */
  next: string;
  /** Seconds before another email may be sent (Supabase Auth's answer, or a full wait after a send). */
  waitSeconds?: number;
  /** Supabase Auth refused to send an email just now (429): say so, the earlier code still works. */
  rateLimited?: boolean;
  onChangeEmail: () => void;
}) {
  const { supabase, session } = useApp();
  const { navigate } = useRouter();
  const [code, setCode] = useState('');
  const [error, setError] = useState('');
  const [status, setStatus] = useState(() => (rateLimited ? rateLimitedMessage(waitSeconds) : ''));
  const [busy, setBusy] = useState(false);
  const [sending, setSending] = useState(false);
  const cooldown = useCooldown();
  const input = useRef<HTMLInputElement>(null);
  const verifying = useRef(false);

  useEffect(() => cooldown.start(waitSeconds), [waitSeconds, cooldown.start]);

  // The link opened in another tab of this browser signs this tab in too: carry on from here.
  useEffect(() => {
    if (session) navigate(next, true);
  }, [session, next, navigate]);

  const verify = async (token: string) => {
    if (verifying.current) return;
    verifying.current = true;
    setBusy(true);
    setError('');
    setStatus('');
    const { error: verifyError } = await supabase.auth.verifyOtp({ email, token, type: 'email' });
    verifying.current = false;
    setBusy(false);
    if (verifyError) {
      setError(friendlyCodeError(verifyError));
      input.current?.focus();
      input.current?.select();
      return;
    }
    navigate(next, true);
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!isCompleteCode(code)) {
      setError(`Enter the ${CODE_LENGTH}-digit code from the email.`);
      input.current?.focus();
      return;
    }
    void verify(code);
  };

  const onCode = (value: string) => {
    const next = normalizeCode(value);
    setCode(next);
    if (error) setError('');
    // The last digit typed or a pasted code submits at once, as people expect from code fields.
    if (isCompleteCode(next) && next !== code) void verify(next);
  };

  const resend = async () => {
    setSending(true);
    setError('');
    setStatus('');
    const { error: resendError } = await supabase.auth.resend({ type: 'signup', email, options: { emailRedirectTo: callbackUrl(next) } });
    setSending(false);
    if (!resendError) {
      cooldown.start(RESEND_COOLDOWN_SECONDS);
      setCode('');
      setStatus(`We sent a new code to ${email}. It replaces the one before.`);
      input.current?.focus();
      return;
    }
    const wait = retryAfterSeconds(resendError);
    if (wait !== null) {
      cooldown.start(wait);
      setStatus(rateLimitedMessage(wait));
      return;
    }
    setError(friendlyAuthError(resendError));
  };

  const fieldId = 'field-code';
  const described = [`${fieldId}-hint`, error && `${fieldId}-error`].filter(Boolean).join(' ');
  return (
    <AuthPage
      title="Check your email"
      description={<>Enter the {CODE_LENGTH}-digit code we sent to <strong className="auth-email">{email}</strong>.</>}
      footer={<>Wrong address? <Button variant="link" onClick={onChangeEmail}>Change it</Button></>}
    >
      <form onSubmit={submit} noValidate>
        <div className={error ? 'field field--invalid' : 'field'}>
          <label htmlFor={fieldId}>Confirmation code</label>
          <input
            ref={input}
            id={fieldId}
            name="code"
            className="code-input"
            inputMode="numeric"
            autoComplete="one-time-code"
            pattern="[0-9]*"
            maxLength={CODE_LENGTH + 2}
            value={code}
            onChange={(e) => onCode(e.target.value)}
            aria-invalid={error ? true : undefined}
            aria-describedby={described}
            autoFocus
          />
          {/* Focus starts here (people type the code at once), so the hint says what the heading said. */}
          <p className="field__hint" id={`${fieldId}-hint`}><span className="visually-hidden">Sent to {email}. </span>Or open the link in the email on this device.</p>
          {error && <p className="field__error" id={`${fieldId}-error`} role="alert">{error}</p>}
        </div>
        <Button type="submit" variant="primary" block busy={busy} busyLabel="Confirming…">Confirm email</Button>
      </form>
      {status && <Notice tone="info" className="auth-status">{status}</Notice>}
      <div className="resend">
        <p className="resend__hint">No email? Look in your spam or promotions folder — it can take a minute to arrive.</p>
        {cooldown.remaining > 0 ? (
          <Button variant="secondary" block disabled>Send a new code in {formatCountdown(cooldown.remaining)}</Button>
        ) : (
          <Button variant="secondary" block onClick={resend} busy={sending} busyLabel="Sending…">Send a new code</Button>
        )}
      </div>
    </AuthPage>
  );
}
