import { useEffect, useState, type FormEvent } from 'react';
import { useApp } from '../app-context.tsx';
import { callFunction, FunctionError } from '../lib/functions.ts';
import { useRouter } from '../lib/router.tsx';
import { useSubscription } from '../subscription/useSubscription.ts';
import { usePrice } from '../subscribe/usePrice.ts';
import { Button } from '../ui/Button.tsx';
import { Card } from '../ui/Card.tsx';
import { Field } from '../ui/Field.tsx';
import { Notice } from '../ui/Notice.tsx';
import { Page } from '../ui/Page.tsx';
import { LoadingStatus, Skeleton, SkeletonText } from '../ui/Skeleton.tsx';
import { RequireSignIn } from '../premium/gates.tsx';
import { SignInMethods } from './SignInMethods.tsx';
import { SubscriptionCard } from './SubscriptionCard.tsx';
import { useBillingSummary } from './useBillingSummary.ts';
import './account.css';

function Profile() {
  const { supabase, user } = useApp();
  const [name, setName] = useState('');
  // The field waits for the stored name: typed into before it arrived, it would be overwritten.
  const [loaded, setLoaded] = useState(false);
  const [state, setState] = useState<{ saved?: boolean; error?: string; busy?: boolean }>({});
  useEffect(() => {
    supabase.from('profiles').select('display_name').maybeSingle<{ display_name: string | null }>()
      .then(({ data }) => {
        setName(data?.display_name ?? '');
        setLoaded(true);
      });
  }, [supabase]);
  const save = async (event: FormEvent) => {
    event.preventDefault();
    setState({ busy: true });
    const { error } = await supabase.from('profiles').update({ display_name: name.trim() || null }).eq('id', user!.id);
    setState(error ? { error: 'We could not save your name. Please try again.' } : { saved: true });
  };
  return (
    <Card title="Profile" description={user?.email}>
      <form onSubmit={save} className="inline-form">
        <Field label="Display name" name="display_name" autoComplete="name" value={name} disabled={!loaded} onChange={(v) => { setName(v); setState({}); }} />
        <Button type="submit" variant="secondary" busy={state.busy} disabled={!loaded}>Save</Button>
      </form>
      {state.saved && <Notice tone="success" className="notice--after">Saved.</Notice>}
      {state.error && <Notice tone="error" className="notice--after">{state.error}</Notice>}
    </Card>
  );
}

interface DeleteResult {
  deleted: boolean;
  appStore: { mustCancelInAppStore: boolean; message?: string; manageUrl?: string };
}

/** Signing out, and deleting the account with a clear confirmation; the goodbye page says what remains in the App Store. */
function SessionAndDeletion() {
  const { config, supabase, user } = useApp();
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
    <>
      <Card title="Sign out" description={`You are signed in as ${user?.email}.`}
        actions={<Button variant="secondary" onClick={async () => { await supabase.auth.signOut(); navigate('/', true); }}>Sign out</Button>} />
      <Card title="Delete account" description="Removes your account and its data on the web and on your iPhone."
        actions={<Button variant="danger" onClick={remove} busy={state.busy} busyLabel="Deleting…">Delete my account</Button>}>
        {state.error && <Notice tone="error">{state.error}</Notice>}
      </Card>
    </>
  );
}

function SubscriptionSkeleton() {
  return (
    <div className="card" aria-busy="true">
      <LoadingStatus label="Loading your subscription…" />
      <Skeleton width="40%" height={22} />
      <div className="skeleton-gap"><SkeletonText lines={3} /></div>
    </div>
  );
}

function Account() {
  const { location } = useRouter();
  const subscription = useSubscription();
  const price = usePrice();
  const row = subscription.row;
  // Web billing facts (amount, next charge, card), from Stripe via the portal function: read only
  // where the card shows them, a subscription billed on the web.
  const billing = useBillingSummary(row?.store === 'stripe');
  return (
    <Page title="Account">
      {location.search.get('password') === 'updated' && <Notice tone="success">Your password was changed.</Notice>}
      {subscription.loading ? <SubscriptionSkeleton />
        : subscription.error ? <Notice tone="error" title="We could not load your subscription">Please reload the page.</Notice>
        : <SubscriptionCard row={row} billing={billing} price={price.price} />}
      <Profile />
      <SignInMethods />
      <SessionAndDeletion />
    </Page>
  );
}

export default function AccountPage() {
  return <RequireSignIn><Account /></RequireSignIn>;
}
