// A page: its <main>, its one <h1>, and the tab title. The heading is focusable (tabIndex -1) so
// route changes can move focus to it (lib/router.tsx useHeadingFocusOnNavigation), as screen-reader users expect.
import { useEffect, useLayoutEffect, type ReactNode } from 'react';
import { useApp } from '../app-context.tsx';
import { applyBrand } from './brand.ts';
import { LoadingStatus, Skeleton, SkeletonText } from './Skeleton.tsx';

export type PageWidth = 'narrow' | 'default' | 'wide';

/** "Your account · CertGames"; the brand alone for an empty title. */
export function documentTitle(title: string, brandName: string): string {
  return title ? `${title} · ${brandName}` : brandName;
}

/** Sets the tab title while the calling page is shown. */
export function usePageTitle(title: string): void {
  const { config } = useApp();
  useEffect(() => {
    document.title = documentTitle(title, config.brand.name);
  }, [title, config.brand.name]);
}

export function PageHeading({ title, description, eyebrow, icon }: { title: ReactNode; description?: ReactNode; eyebrow?: ReactNode; icon?: ReactNode }) {
  return (
    <div className="page-heading">
      {icon && <div className="page-heading__icon">{icon}</div>}
      {eyebrow && <p className="page-heading__eyebrow">{eyebrow}</p>}
      <h1 tabIndex={-1}>{title}</h1>
      {description && <p className="page-heading__description">{description}</p>}
    </div>
  );
}

/** A page that lays out its own <h1> (the checkout puts it in the order summary): main, tab title, brand. */
export function PageShell({ documentTitle: tabTitle, width = 'default', className, children }: {
  documentTitle: string;
  width?: PageWidth;
  className?: string;
  children?: ReactNode;
}) {
  const { config } = useApp();
  useLayoutEffect(() => applyBrand(config.brand), [config.brand]);
  usePageTitle(tabTitle);
  return <main className={`page page--${width}${className ? ` ${className}` : ''}`} id="main">{children}</main>;
}

export function Page({ title, description, icon, documentTitle: tabTitle, width = 'default', children }: {
  title: string;
  description?: ReactNode;
  /** A large symbol above the heading (a success check on the receipt). Decorative. */
  icon?: ReactNode;
  /** Tab title when it should differ from the heading. */
  documentTitle?: string;
  width?: PageWidth;
  children?: ReactNode;
}) {
  const { config } = useApp();
  // Before paint, so a custom brand colour never flashes the default one.
  useLayoutEffect(() => applyBrand(config.brand), [config.brand]);
  usePageTitle(tabTitle ?? title);
  return (
    <main className={`page page--${width}`} id="main">
      <PageHeading title={title} description={description} icon={icon} />
      {children}
    </main>
  );
}

/** What a page shows while it loads: the shape of a heading and a card, and one status for screen readers. */
export function PageSkeleton({ label = 'Loading…', width = 'default' }: { label?: string; width?: PageWidth }) {
  const { config } = useApp();
  useLayoutEffect(() => applyBrand(config.brand), [config.brand]);
  return (
    <main className={`page page--${width}`} id="main" aria-busy="true">
      <LoadingStatus label={label} />
      <div className="page-heading"><Skeleton width="45%" height={32} /></div>
      <div className="card"><SkeletonText lines={3} /></div>
    </main>
  );
}
