// A tiny history-API router: enough for a handful of pages, without a router dependency in the bundle.
import { createContext, useContext, useEffect, useMemo, useState, type AnchorHTMLAttributes, type ReactNode } from 'react';

interface Location {
  pathname: string;
  search: URLSearchParams;
}

const RouterContext = createContext<{ location: Location; navigate: (to: string, replace?: boolean) => void } | null>(null);

function current(): Location {
  return { pathname: window.location.pathname, search: new URLSearchParams(window.location.search) };
}

export function RouterProvider({ children }: { children: ReactNode }) {
  const [location, setLocation] = useState(current);
  useEffect(() => {
    const onPop = () => setLocation(current());
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);
  const value = useMemo(() => ({
    location,
    navigate(to: string, replace = false) {
      if (replace) window.history.replaceState(null, '', to);
      else window.history.pushState(null, '', to);
      setLocation(current());
      window.scrollTo?.(0, 0);
    },
  }), [location]);
  return <RouterContext.Provider value={value}>{children}</RouterContext.Provider>;
}

export function useRouter() {
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
export function here(location: Location): string {
  const query = location.search.toString();
  return query ? `${location.pathname}?${query}` : location.pathname;
}
