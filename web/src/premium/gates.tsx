import { useEffect, type ReactNode } from 'react';
import { useApp } from '../app-context.tsx';
import { signInPath, subscribePath } from '../domain/redirects.ts';
import { here, useRouter } from '../lib/router.tsx';
import { useSubscription } from '../subscription/useSubscription.ts';
import { PageSkeleton, Spinner } from '../ui/components.tsx';

function Redirect({ to }: { to: string }) {
  const { navigate } = useRouter();
  useEffect(() => navigate(to, true), [navigate, to]);
  return <Spinner label="Redirecting…" />;
}

/** Signed-out people go to sign-in, and come back here afterwards. */
export function RequireSignIn({ children }: { children: ReactNode }) {
  const { user, loading } = useApp();
  const { location } = useRouter();
  if (loading) return <PageSkeleton />;
  // The reason travels with the redirect: "Sign in to open Premium" (domain/redirects.ts).
  if (!user) return <Redirect to={signInPath(here(location))} />;
  return <>{children}</>;
}

/** Only entitled people pass; others go to subscribe, and come back here afterwards. */
export function RequireSubscription({ children }: { children: ReactNode }) {
  return (
    <RequireSignIn>
      <Entitled>{children}</Entitled>
    </RequireSignIn>
  );
}

function Entitled({ children }: { children: ReactNode }) {
  const { location } = useRouter();
  const { row, loading } = useSubscription();
  if (loading) return <PageSkeleton label="Checking your subscription…" />;
  if (!row?.is_active) return <Redirect to={subscribePath(here(location))} />;
  return <>{children}</>;
}
