import { useEffect, useState, type FormEvent } from 'react';
import { useApp } from '../app-context.tsx';
import { callFunction, FunctionError } from '../lib/functions.ts';
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

interface DeleteResult {
  deleted: boolean;
  appStore: { mustCancelInAppStore: boolean; message?: string; manageUrl?: string };
}

/** Deleting the account, with a clear confirmation; the goodbye page says what remains in the App Store. */
function DeleteAccount() {
  const { config, supabase } = useApp();
  const { navigate } = useRouter();
  const [state, setState] = useState<{ busy?: boolean; error?: string }>({});
  const remove = async () => {
    if (!window.confirm('Delete your account and all its data? A web subscription ends now, without a refund for the current period. This cannot be undone.')) return;
    setState({ busy: true });
    try {
      const result = await callFunction<DeleteResult>(config, supabase, 'delete-account', { body: {} });
      await supabase.auth.signOut({ scope: 'local' });
      navigate(`/goodbye${result.appStore.mustCancelInAppStore ? '?app_store=active' : ''}`, true);
    } catch (error) {
      setState({ error: error instanceof FunctionError ? error.message : 'We could not delete your account. Please try again.' });
    }
  };
  return (
    <section className="card" aria-labelledby="delete-heading">
      <h2 id="delete-heading">Delete account</h2>
      <p className="muted">Removes your account and data on the web and on your iPhone.</p>
      <button type="button" className="button" onClick={remove} disabled={state.busy}>{state.busy ? 'Deleting…' : 'Delete my account'}</button>
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
      <DeleteAccount />
    </Page>
  );
}

export default function AccountPage() {
  return <RequireSignIn><Account /></RequireSignIn>;
}
