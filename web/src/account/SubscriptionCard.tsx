import { useState } from 'react';
import { useApp } from '../app-context.tsx';
import { describeSubscription, type SubscriptionRow } from '../domain/subscription.ts';
import { callFunction, FunctionError } from '../lib/functions.ts';
import { Link } from '../lib/router.tsx';
import { Alert } from '../ui/components.tsx';

/** Opens the Stripe customer portal for the signed-in user. */
export function usePortal() {
  const { config, supabase } = useApp();
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const open = async () => {
    setBusy(true);
    setError('');
    try {
      const { url } = await callFunction<{ url: string }>(config, supabase, 'portal', { body: { returnUrl: `${window.location.origin}/account` } });
      window.location.assign(url);
    } catch (e) {
      setError(e instanceof FunctionError ? e.message : 'We could not open billing. Please try again.');
      setBusy(false);
    }
  };
  return { open, error, busy };
}

export function SubscriptionCard({ row }: { row: SubscriptionRow | null }) {
  const summary = describeSubscription(row);
  const portal = usePortal();
  const action = summary.action;
  return (
    <section className={`card card--${summary.tone}`} aria-labelledby="subscription-heading">
      <h2 id="subscription-heading">{summary.headline}</h2>
      {summary.detail && <p>{summary.detail}</p>}
      {summary.storeLabel && <p className="muted">{summary.storeLabel}{row?.is_sandbox ? ' (test purchase)' : ''}</p>}
      {summary.warning && <Alert tone="warning">{summary.warning}</Alert>}
      {action?.kind === 'portal' && (
        <button type="button" className="button button--primary" onClick={portal.open} disabled={portal.busy}>
          {portal.busy ? 'Opening…' : action.label}
        </button>
      )}
      {action?.kind === 'app_store' && (
        <a className="button button--primary" href={action.url} target="_blank" rel="noreferrer">{action.label}</a>
      )}
      {action?.kind === 'subscribe' && <Link className="button button--primary" to="/subscribe">{action.label}</Link>}
      {portal.error && <Alert>{portal.error}</Alert>}
    </section>
  );
}
