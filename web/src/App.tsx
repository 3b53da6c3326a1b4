import { lazy, Suspense, type ComponentType } from 'react';
import { useApp } from './app-context.tsx';
import { Link, useRouter } from './lib/router.tsx';
import { Page, Spinner } from './ui/components.tsx';

// Each page is its own chunk: the subscribe page loads only what it needs.
const routes: Record<string, ComponentType> = {
  '/': lazy(() => import('./HomePage.tsx')),
  '/sign-in': lazy(() => import('./auth/SignInPage.tsx')),
  '/sign-up': lazy(() => import('./auth/SignUpPage.tsx')),
  '/forgot-password': lazy(() => import('./auth/ForgotPasswordPage.tsx')),
  '/auth/reset-password': lazy(() => import('./auth/ResetPasswordPage.tsx')),
  '/auth/callback': lazy(() => import('./auth/AuthCallbackPage.tsx')),
  '/account': lazy(() => import('./account/AccountPage.tsx')),
  '/subscribe': lazy(() => import('./subscribe/SubscribePage.tsx')),
  '/subscribe/return': lazy(() => import('./subscribe/SubscribeReturnPage.tsx')),
  '/premium': lazy(() => import('./premium/PremiumPage.tsx')),
  '/goodbye': lazy(() => import('./account/GoodbyePage.tsx')),
};

function NotFound() {
  return <Page title="Page not found"><p><Link to="/">Go home</Link></p></Page>;
}

function Header() {
  const { user } = useApp();
  return (
    <header className="header">
      <a className="skip" href="#main">Skip to content</a>
      <Link to="/" className="brand">CertGames</Link>
      <nav aria-label="Main">
        <Link to="/premium">Premium</Link>
        {user ? <Link to="/account">Account</Link> : <Link to="/sign-in">Sign in</Link>}
      </nav>
    </header>
  );
}

export function App() {
  const { location } = useRouter();
  const Route = routes[location.pathname.replace(/\/+$/, '') || '/'] ?? NotFound;
  return (
    <>
      <Header />
      <Suspense fallback={<Page title=""><Spinner label="Loading…" /></Page>}>
        <Route />
      </Suspense>
    </>
  );
}
