import { useState, type FormEvent } from 'react';
import { useApp } from '../app-context.tsx';
import { friendlyAuthError } from '../domain/auth-errors.ts';
import { Link, useRouter } from '../lib/router.tsx';
import { Alert, Field, Page, Spinner } from '../ui/components.tsx';

/** The password-recovery link lands here; the client has exchanged its code for a session. */
export default function ResetPasswordPage() {
  const { supabase, session, loading } = useApp();
  const { navigate } = useRouter();
  const [password, setPassword] = useState('');
  const [error, setError] = useState('');
  if (loading) return <Page title="Choose a new password"><Spinner label="Checking your link…" /></Page>;
  if (!session) {
    return (
      <Page title="Choose a new password">
        <Alert>This link has expired or was already used. <Link to="/forgot-password">Ask for a new one</Link>.</Alert>
      </Page>
    );
  }
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const { error: updateError } = await supabase.auth.updateUser({ password });
    if (updateError) setError(friendlyAuthError(updateError));
    else navigate('/account?password=updated', true);
  };
  return (
    <Page title="Choose a new password">
      <form onSubmit={submit}>
        <Field label="New password" name="password" type="password" autoComplete="new-password" value={password} onChange={setPassword} required minLength={8} />
        {error && <Alert>{error}</Alert>}
        <button className="button button--primary" type="submit">Save password</button>
      </form>
    </Page>
  );
}
