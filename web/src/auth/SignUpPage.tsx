// Create an account with email + password (or Apple / Google), then confirm the address with the
// code from the email without leaving the page; then on to `next` (checkout for someone who chose a
// plan). The form keeps what was typed, so "wrong address? change it" is one edit.
import { useRef, useState, type FormEvent } from 'react';
import { useApp } from '../app-context.tsx';
import { friendlyAuthError } from '../domain/auth-errors.ts';
import { RESEND_COOLDOWN_SECONDS, retryAfterSeconds } from '../domain/email-code.ts';
import { passwordAcceptable, passwordProblem } from '../domain/password-rules.ts';
import { redirectMessage, safeNext } from '../domain/redirects.ts';
import { Link, useRouter } from '../lib/router.tsx';
import { Button } from '../ui/Button.tsx';
import { Field } from '../ui/Field.tsx';
import { Notice } from '../ui/Notice.tsx';
import { AuthPage } from './AuthPage.tsx';
import { ConfirmEmailStep, preloadConfirmEmailStep } from './LazyConfirmEmailStep.tsx';
import { callbackUrl, OAuthButtons } from './OAuthButtons.tsx';
import { PasswordField } from './PasswordField.tsx';

export default function SignUpPage() {
  const { supabase, config } = useApp();
  const { location, navigate } = useRouter();
  const next = safeNext(location.search.get('next'));
  const reason = redirectMessage(location.search.get('reason'));
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [errors, setErrors] = useState<{ email?: string; password?: string; form?: string; exists?: boolean }>({});
  const [confirming, setConfirming] = useState<{ email: string; wait: number; rateLimited: boolean } | null>(null);
  const [busy, setBusy] = useState(false);
  const form = useRef<HTMLFormElement>(null);
  const toCheckout = next.startsWith('/subscribe');

  const focusFirstInvalid = () => requestAnimationFrame(() => form.current?.querySelector<HTMLInputElement>('[aria-invalid="true"]')?.focus());

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const address = email.trim();
    const found = {
      email: /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(address) ? undefined : 'Enter your email address, like name@example.com.',
      password: passwordAcceptable(password) ? undefined : passwordProblem(password),
    };
    if (found.email || found.password) {
      setErrors(found);
      return focusFirstInvalid();
    }
    void preloadConfirmEmailStep();
    setBusy(true);
    setErrors({});
    const { data, error } = await supabase.auth.signUp({
      email: address,
      password,
      options: { emailRedirectTo: callbackUrl(next), data: name.trim() ? { full_name: name.trim() } : undefined },
    });
    setBusy(false);
    if (error) {
      // Signed up a moment ago and not confirmed yet: Supabase Auth will not email again so soon,
      // and the code already sent still works.
      const wait = retryAfterSeconds(error);
      if (wait !== null) return setConfirming({ email: address, wait, rateLimited: true });
      if (error.code === 'weak_password') {
        setErrors({ password: friendlyAuthError(error) });
        return focusFirstInvalid();
      }
      return setErrors({ form: friendlyAuthError(error) });
    }
    // With confirmations on, Supabase answers an existing, confirmed email with a user that has no identities.
    if (data.user && data.user.identities?.length === 0) return setErrors({ form: friendlyAuthError({ code: 'user_already_exists' }), exists: true });
    if (data.session) return navigate(next, true);
    setConfirming({ email: address, wait: RESEND_COOLDOWN_SECONDS, rateLimited: false });
  };

  if (confirming) {
    return (
      <ConfirmEmailStep
        email={confirming.email}
        next={next}
        waitSeconds={confirming.wait}
        rateLimited={confirming.rateLimited}
        onChangeEmail={() => {
          setConfirming(null);
          // Back to the form with the address selected, ready to be corrected.
          requestAnimationFrame(() => {
            const input = document.getElementById('field-email') as HTMLInputElement | null;
            input?.focus();
            input?.select();
          });
        }}
      />
    );
  }

  const signInLink = `/sign-in?next=${encodeURIComponent(next)}`;
  return (
    <AuthPage
      title="Create your account"
      description={toCheckout ? 'Then you go straight on to checkout.' : 'One account for the web and the iPhone app.'}
      notice={reason && <Notice tone="info">{reason}</Notice>}
      footer={<>Already have an account? <Link to={signInLink} className="auth-footer__link">Sign in</Link></>}
    >
      <OAuthButtons next={next} />
      <p className="divider"><span>or with your email</span></p>
      <form ref={form} onSubmit={submit} noValidate>
        <Field label="Name (optional)" name="name" autoComplete="name" value={name} onChange={setName} />
        <Field label="Email" name="email" type="email" autoComplete="email" inputMode="email" value={email} onChange={(v) => { setEmail(v); if (errors.email) setErrors((e) => ({ ...e, email: undefined })); }} required error={errors.email} />
        <PasswordField label="Password" value={password} onChange={(v) => { setPassword(v); if (errors.password && passwordAcceptable(v)) setErrors((e) => ({ ...e, password: undefined })); }} isNew error={errors.password} />
        {errors.form && (
          <Notice tone="error" actions={errors.exists ? <Link to={signInLink} className="button button--secondary">Sign in instead</Link> : undefined}>{errors.form}</Notice>
        )}
        <Button type="submit" variant="primary" block busy={busy} busyLabel="Creating your account…">Create account</Button>
        <p className="auth-legal">
          By creating an account you agree to the <a href={config.brand.termsUrl}>Terms</a> and the <a href={config.brand.privacyUrl}>Privacy Policy</a>.
        </p>
      </form>
    </AuthPage>
  );
}
