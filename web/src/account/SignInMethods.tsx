import { useState, type FormEvent } from 'react';
import type { UserIdentity } from '@supabase/auth-js';
import { useApp } from '../app-context.tsx';
import { friendlyAuthError } from '../domain/auth-errors.ts';
import { AppleLogo, callbackUrl, GoogleLogo } from '../auth/OAuthButtons.tsx';
import { Button } from '../ui/Button.tsx';
import { Card } from '../ui/Card.tsx';
import { Field } from '../ui/Field.tsx';
import { Notice } from '../ui/Notice.tsx';

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
    <Card title="Ways to sign in" description="Use any of these to sign in, on the web and on your iPhone.">
      <ul className="identities">
        {identities.map((identity) => (
          <li key={identity.identity_id}>
            <span>
              <strong>{LABELS[identity.provider] ?? identity.provider}</strong>
              {identity.identity_data?.email ? <span className="muted"> · {String(identity.identity_data.email)}</span> : null}
            </span>
            {identities.length > 1 && (
              <Button variant="link" onClick={() => unlink(identity)} aria-label={`Remove ${LABELS[identity.provider] ?? identity.provider}`}>
                Remove
              </Button>
            )}
          </li>
        ))}
      </ul>
      {(!has('apple') || !has('google')) && (
        <div className="link-methods">
          {!has('apple') && <Button variant="secondary" className="link-method" onClick={() => link('apple')}><AppleLogo />Link Apple</Button>}
          {!has('google') && <Button variant="secondary" className="link-method" onClick={() => link('google')}><GoogleLogo />Link Google</Button>}
        </div>
      )}
      {!has('email') && user?.email && (
        <form onSubmit={addPassword} className="inline-form">
          <Field label={`Add a password for ${user.email}`} name="new-password" type="password" autoComplete="new-password" value={password} onChange={setPassword} required minLength={8} />
          <Button type="submit" variant="secondary">Add password</Button>
        </form>
      )}
      {error && <Notice tone="error" className="notice--after">{error}</Notice>}
      {notice && <Notice tone="success" className="notice--after">{notice}</Notice>}
    </Card>
  );
}
