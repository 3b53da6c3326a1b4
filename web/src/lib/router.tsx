// A tiny history-API router: enough for a handful of pages, without a router dependency in the
// bundle. Each navigation (a link, navigate(), back/forward) gets a new `key`, which App uses to move
// focus to the new page's heading.
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type AnchorHTMLAttributes, type ReactNode } from 'react';

export interface Location {
  pathname: string;
  search: URLSearchParams;
  /** 0 for the page as loaded, then one more for each navigation. */
  key: number;
}

interface Router {
  location: Location;
  navigate: (to: string, replace?: boolean) => void;
}

const RouterContext = createContext<Router | null>(null);

function read(key: number): Location {
  return { pathname: window.location.pathname, search: new URLSearchParams(window.location.search), key };
}

export function RouterProvider({ children }: { children: ReactNode }) {
  const [location, setLocation] = useState(() => read(0));
  useEffect(() => {
    const onPop = () => setLocation((previous) => read(previous.key + 1));
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);
  // Stable across renders, so effects that depend on it do not re-run on every navigation.
  const navigate = useCallback((to: string, replace = false) => {
    if (replace) window.history.replaceState(null, '', to);
    else window.history.pushState(null, '', to);
    setLocation((previous) => read(previous.key + 1));
    window.scrollTo?.(0, 0);
  }, []);
  const value = useMemo(() => ({ location, navigate }), [location, navigate]);
  return <RouterContext.Provider value={value}>{children}</RouterContext.Provider>;
}

export function useRouter(): Router {
  const router = useContext(RouterContext);
  if (!router) throw new Error('useRouter outside RouterProvider');
  return router;
}

export function Link({ to, children, ...rest }: { to: string; children: ReactNode } & AnchorHTMLAttributes<HTMLAnchorElement>) {
  const { navigate } = useRouter();
  return (
    <a
      href={to}
      {...rest}
      onClick={(event) => {
        rest.onClick?.(event);
        if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
        event.preventDefault();
        navigate(to);
      }}
    >
      {children}
    </a>
  );
}

/** The current path with its query, for "come back here after signing in". */
export function here(location: Pick<Location, 'pathname' | 'search'>): string {
  const query = location.search.toString();
  return query ? `${location.pathname}?${query}` : location.pathname;
}

/**
 * After each navigation (not the first load), moves focus to the new page's heading once it is on
 * screen — a lazy page may show a skeleton first — as screen-reader users expect from a page load.
 */
export function useHeadingFocusOnNavigation(key: number): void {
  useEffect(() => {
    if (key === 0) return;
    const target = document.getElementById('root') ?? document.body;
    const focus = () => {
      // While the next page's code loads, React keeps the previous page in the DOM, hidden: skip it.
      const heading = [...target.querySelectorAll<HTMLElement>('main h1[tabindex="-1"]')].find((h) => h.getClientRects().length > 0);
      if (!heading || !heading.textContent?.trim()) return false;
      if (document.activeElement !== heading) heading.focus({ preventScroll: true });
      return document.activeElement === heading;
    };
    if (focus()) return;
    const observer = new MutationObserver(() => {
      if (focus()) observer.disconnect();
    });
    observer.observe(target, { childList: true, subtree: true, characterData: true });
    const giveUp = setTimeout(() => observer.disconnect(), 15_000);
    return () => {
      observer.disconnect();
      clearTimeout(giveUp);
    };
  }, [key]);
}
