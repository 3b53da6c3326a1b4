// The app shell: header, routes (each page its own lazily loaded chunk), and route behaviour —
// a skeleton while a page loads, focus on the new page's heading after each navigation, and a
// "Local sandbox" banner on builds that talk to this machine.
import { lazy, Suspense, type ComponentType } from 'react';
import { useApp } from './app-context.tsx';
import { isLocalSandbox } from './lib/sandbox.ts';
import { Link, useHeadingFocusOnNavigation, useRouter } from './lib/router.tsx';
import { BrandMark } from './ui/BrandMark.tsx';
import { ButtonLink } from './ui/Button.tsx';
import { Page, PageSkeleton } from './ui/Page.tsx';
import './shell.css';

const routes: Record<string, ComponentType> = {
  '/': lazy(() => import('./HomePage.tsx')),
  '/sign-in': lazy(() => import('./auth/SignInPage.tsx')),
  '/sign-up': lazy(() => import('./auth/SignUpPage.tsx')),
  '/forgot-password': lazy(() => import('./auth/ForgotPasswordPage.tsx')),
  '/auth/reset-password': lazy(() => import('./auth/ResetPasswordPage.tsx')),
  '/auth/callback': lazy(() => import('./auth/AuthCallbackPage.tsx')),
  '/account': lazy(() => import('./account/AccountPage.tsx')),
  '/subscribe': lazy(() => import('./subscribe/SubscribePage.tsx')),
  '/continue': lazy(() => import('./handoff/HandoffPage.tsx')), // "Buy on the web" from the iOS app
  '/subscribe/return': lazy(() => import('./subscribe/SubscribeReturnPage.tsx')),
  '/premium': lazy(() => import('./premium/PremiumPage.tsx')),
  '/goodbye': lazy(() => import('./account/GoodbyePage.tsx')),
};

function NotFound() {
  return (
    <Page title="Page not found" description="The address may be mistyped, or the page has moved.">
      <ButtonLink to="/" variant="primary">Go to the home page</ButtonLink>
    </Page>
  );
}

function SandboxBanner() {
  return (
    <p className="sandbox-banner">
      <strong>Local sandbox</strong>
      <span>Accounts and payments stay on this computer. Test card 4242 4242 4242 4242, any future date, any CVC.</span>
    </p>
  );
}

function Header() {
  const { user, config } = useApp();
  const { location } = useRouter();
  // The link to the page being shown says so (screen readers announce "current page").
  const current = (path: string) => (location.pathname === path ? 'page' : undefined);
  return (
    <header className="header-wrap">
      <a className="skip" href="#main">Skip to content</a>
      {isLocalSandbox(config) && <SandboxBanner />}
      <div className="header">
        <Link to="/" className="brand"><BrandMark /></Link>
        <nav aria-label="Main">
          <Link to="/premium" aria-current={current('/premium')}>Premium</Link>
          {user ? <Link to="/account" aria-current={current('/account')}>Account</Link> : <Link to="/sign-in" aria-current={current('/sign-in')}>Sign in</Link>}
        </nav>
      </div>
    </header>
  );
}

export function App() {
  const { location } = useRouter();
  useHeadingFocusOnNavigation(location.key);
  const Route = routes[location.pathname.replace(/\/+$/, '') || '/'] ?? NotFound;
  return (
    <>
      <Header />
      <Suspense fallback={<PageSkeleton />}>
        <Route />
      </Suspense>
    </>
  );
}
