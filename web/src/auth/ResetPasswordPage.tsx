// The password-recovery link lands here; the client has exchanged its code for a session. The new
// password is checked against the server's rule as it is typed.
import { useState, type FormEvent } from 'react';
import { useApp } from '../app-context.tsx';
import { friendlyAuthError } from '../domain/auth-errors.ts';
import { passwordAcceptable, passwordProblem } from '../domain/password-rules.ts';
import { Link, useRouter } from '../lib/router.tsx';
import { Button } from '../ui/Button.tsx';
import { Notice } from '../ui/Notice.tsx';
import { PageSkeleton } from '../ui/Page.tsx';
import { AuthPage } from './AuthPage.tsx';
import { PasswordField } from './PasswordField.tsx';

export default function ResetPasswordPage() {
  const { supabase, session, loading } = useApp();
  const { navigate } = useRouter();
  const [password, setPassword] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  if (loading) return <PageSkeleton label="Checking your link…" width="narrow" />;
  if (!session) {
    return (
      <AuthPage title="Choose a new password" footer={<Link to="/sign-in" className="auth-footer__link">Back to sign in</Link>}>
        <Notice tone="error" actions={<Link to="/forgot-password" className="button button--secondary">Ask for a new link</Link>}>
          This link has expired or was already used.
        </Notice>
      </AuthPage>
    );
  }
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!passwordAcceptable(password)) return setError(passwordProblem(password));
    setBusy(true);
    const { error: updateError } = await supabase.auth.updateUser({ password });
    setBusy(false);
    if (updateError) setError(friendlyAuthError(updateError));
    else navigate('/account?password=updated', true);
  };
  return (
    <AuthPage title="Choose a new password" description={<>For <strong className="auth-email">{session.user.email}</strong>.</>}>
      <form onSubmit={submit} noValidate>
        <PasswordField label="New password" value={password} onChange={(v) => { setPassword(v); if (error && passwordAcceptable(v)) setError(''); }} isNew error={error || undefined} autoFocus />
        <Button type="submit" variant="primary" block busy={busy} busyLabel="Saving…">Save password</Button>
      </form>
    </AuthPage>
  );
}
