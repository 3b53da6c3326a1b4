import { useState, type FormEvent } from 'react';
import type { UserIdentity } from '@supabase/supabase-js';
import { useApp } from '../app-context.tsx';
import { friendlyAuthError } from '../domain/auth-errors.ts';
import { Alert, Field } from '../ui/components.tsx';
import { callbackUrl } from '../auth/OAuthButtons.tsx';

const LABELS: Record<string, string> = { email: 'Email and password', google: 'Google', apple: 'Apple' };

/**
 * The ways to sign in to this account, with manual identity linking: someone who signed up on iOS
 * with Apple (maybe with a private relay email) can add Google or a password, and the reverse.
 */
export function SignInMethods() {
  const { supabase, user } = useApp();
  const [error, setError] = useState('');
  const [notice, setNotice] = useState('');
  const [password, setPassword] = useState('');
  const identities: UserIdentity[] = user?.identities ?? [];
  const has = (provider: string) => identities.some((i) => i.provider === provider);

  const link = async (provider: 'google' | 'apple') => {
    setError('');
    const { error: linkError } = await supabase.auth.linkIdentity({ provider, options: { redirectTo: callbackUrl('/account') } });
    if (linkError) setError(friendlyAuthError(linkError));
  };
  const unlink = async (identity: UserIdentity) => {
    setError('');
    const { error: unlinkError } = await supabase.auth.unlinkIdentity(identity);
    if (unlinkError) return setError(friendlyAuthError(unlinkError));
    await supabase.auth.refreshSession();
    setNotice(`${LABELS[identity.provider] ?? identity.provider} was removed.`);
  };
  const addPassword = async (event: FormEvent) => {
    event.preventDefault();
    const { error: updateError } = await supabase.auth.updateUser({ password });
    if (updateError) return setError(friendlyAuthError(updateError));
    setPassword('');
    await supabase.auth.refreshSession();
    setNotice(`You can now also sign in with ${user?.email} and this password.`);
  };

  return (
    <section className="card" aria-labelledby="methods-heading">
      <h2 id="methods-heading">Ways to sign in</h2>
      <ul className="identities">
        {identities.map((identity) => (
          <li key={identity.identity_id}>
            <span>
              <strong>{LABELS[identity.provider] ?? identity.provider}</strong>
              {identity.identity_data?.email ? <span className="muted"> · {String(identity.identity_data.email)}</span> : null}
            </span>
            {identities.length > 1 && (
              <button type="button" className="linklike" onClick={() => unlink(identity)} aria-label={`Remove ${LABELS[identity.provider] ?? identity.provider}`}>
                Remove
              </button>
            )}
          </li>
        ))}
      </ul>
      <div className="row">
        {!has('apple') && <button type="button" className="button button--apple" onClick={() => link('apple')}>Link Apple</button>}
        {!has('google') && <button type="button" className="button button--google" onClick={() => link('google')}>Link Google</button>}
      </div>
      {!has('email') && user?.email && (
        <form onSubmit={addPassword} className="inline-form">
          <Field label={`Add a password for ${user.email}`} name="new-password" type="password" autoComplete="new-password" value={password} onChange={setPassword} required minLength={8} />
          <button type="submit" className="button">Add password</button>
        </form>
      )}
      {error && <Alert>{error}</Alert>}
      {notice && <Alert tone="good">{notice}</Alert>}
    </section>
  );
}
