import { useState, type FormEvent } from 'react';
import { useApp } from '../app-context.tsx';
import { friendlyAuthError } from '../domain/auth-errors.ts';
import { Link } from '../lib/router.tsx';
import { Alert, Field, Page } from '../ui/components.tsx';

export default function ForgotPasswordPage() {
  const { supabase } = useApp();
  const [email, setEmail] = useState('');
  const [state, setState] = useState<{ sent?: boolean; error?: string }>({});
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const { error } = await supabase.auth.resetPasswordForEmail(email, { redirectTo: `${window.location.origin}/auth/reset-password` });
    setState(error ? { error: friendlyAuthError(error) } : { sent: true });
  };
  return (
    <Page title="Reset your password">
      {state.sent ? (
        <Alert tone="good">If an account exists for {email}, we sent it a link to choose a new password.</Alert>
      ) : (
        <form onSubmit={submit}>
          <Field label="Email" name="email" type="email" autoComplete="email" value={email} onChange={setEmail} required />
          {state.error && <Alert>{state.error}</Alert>}
          <button className="button button--primary" type="submit">Send reset link</button>
        </form>
      )}
      <p className="links"><Link to="/sign-in">Back to sign in</Link></p>
    </Page>
  );
}
