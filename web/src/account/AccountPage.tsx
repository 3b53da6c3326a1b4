import { useEffect, useState, type FormEvent } from 'react';
import { useApp } from '../app-context.tsx';
import { useRouter } from '../lib/router.tsx';
import { useSubscription } from '../subscription/useSubscription.ts';
import { Alert, Field, Page, Spinner } from '../ui/components.tsx';
import { RequireSignIn } from '../premium/gates.tsx';
import { SignInMethods } from './SignInMethods.tsx';
import { SubscriptionCard } from './SubscriptionCard.tsx';

function Profile() {
  const { supabase, user } = useApp();
  const [name, setName] = useState('');
  const [state, setState] = useState<{ saved?: boolean; error?: string }>({});
  useEffect(() => {
    supabase.from('profiles').select('display_name').maybeSingle<{ display_name: string | null }>()
      .then(({ data }) => setName(data?.display_name ?? ''));
  }, [supabase]);
  const save = async (event: FormEvent) => {
    event.preventDefault();
    const { error } = await supabase.from('profiles').update({ display_name: name.trim() || null }).eq('id', user!.id);
    setState(error ? { error: 'We could not save your name. Please try again.' } : { saved: true });
  };
  return (
    <section className="card" aria-labelledby="profile-heading">
      <h2 id="profile-heading">Profile</h2>
      <p className="muted">{user?.email}</p>
      <form onSubmit={save} className="inline-form">
        <Field label="Display name" name="display_name" autoComplete="name" value={name} onChange={(v) => { setName(v); setState({}); }} />
        <button type="submit" className="button">Save</button>
      </form>
      {state.saved && <Alert tone="good">Saved.</Alert>}
      {state.error && <Alert>{state.error}</Alert>}
    </section>
  );
}

function Account() {
  const { supabase } = useApp();
  const { location, navigate } = useRouter();
  const subscription = useSubscription();
  return (
    <Page title="Your account">
      {location.search.get('password') === 'updated' && <Alert tone="good">Your password was changed.</Alert>}
      {subscription.loading ? <Spinner label="Loading your subscription…" /> : subscription.error ? <Alert>{subscription.error}</Alert> : <SubscriptionCard row={subscription.row} />}
      <Profile />
      <SignInMethods />
      <button type="button" className="button" onClick={async () => { await supabase.auth.signOut(); navigate('/', true); }}>Sign out</button>
    </Page>
  );
}

export default function AccountPage() {
  return <RequireSignIn><Account /></RequireSignIn>;
}
