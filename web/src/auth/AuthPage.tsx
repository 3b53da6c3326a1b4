// The frame of every sign-in page: one centred card of reading width (full width on phones) with
// the brand, the page's heading (focus lands there on navigation) and its form; a line below it.
import { useLayoutEffect, type ReactNode } from 'react';
import { useApp } from '../app-context.tsx';
import { BrandMark } from '../ui/BrandMark.tsx';
import { applyBrand } from '../ui/brand.ts';
import { PageHeading, usePageTitle } from '../ui/Page.tsx';
import './auth.css';

export function AuthPage({ title, description, documentTitle, notice, footer, children }: {
  title: string;
  description?: ReactNode;
  /** Tab title when it should differ from the heading. */
  documentTitle?: string;
  /** Why the person is here (a redirect reason), above the card. */
  notice?: ReactNode;
  /** Below the card: the other way in ("New here? Create an account"). */
  footer?: ReactNode;
  children: ReactNode;
}) {
  const { config } = useApp();
  useLayoutEffect(() => applyBrand(config.brand), [config.brand]);
  usePageTitle(documentTitle ?? title);
  return (
    <main className="page page--narrow auth-page" id="main">
      {notice}
      <div className="card auth-card">
        <div className="auth-card__brand"><BrandMark size={32} /></div>
        <PageHeading title={title} description={description} />
        {children}
      </div>
      {footer && <p className="auth-footer">{footer}</p>}
    </main>
  );
}
