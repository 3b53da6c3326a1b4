// Buttons, and links that look like buttons. One visual language for every action:
//   primary   — the one main action of a view (Pay, Create account, Continue)
//   secondary — any other action (Sign out, Pay with card, Manage in the App Store)
//   danger    — destroys something (Delete my account)
//   link      — a quiet text action inside a sentence or a row (Remove, Resend the code)
// Every variant has a 44 px tap target (Apple HIG; WCAG 2.5.5) — the link variant through padding.
import type { AnchorHTMLAttributes, ButtonHTMLAttributes, ReactNode } from 'react';
import { Link } from '../lib/router.tsx';

export type ButtonVariant = 'primary' | 'secondary' | 'danger' | 'link';

interface Look {
  variant?: ButtonVariant;
  /** `lg`: the pay button and other end-of-flow actions. */
  size?: 'md' | 'lg';
  /** Full width of its container. */
  block?: boolean;
}

export function buttonClass({ variant = 'secondary', size = 'md', block = false }: Look, extra?: string): string {
  return ['button', `button--${variant}`, size === 'lg' && 'button--lg', block && 'button--block', extra].filter(Boolean).join(' ');
}

export function Button({ variant, size, block, busy = false, busyLabel, className, children, disabled, type = 'button', ...rest }:
  Look & ButtonHTMLAttributes<HTMLButtonElement> & {
    /** Shows a spinner, disables the button and says so to screen readers. */
    busy?: boolean;
    /** What the button says while busy (default: its normal label). */
    busyLabel?: ReactNode;
  }) {
  return (
    <button type={type} className={buttonClass({ variant, size, block }, className)} disabled={disabled || busy} aria-busy={busy || undefined} {...rest}>
      {busy && <span className="button__spinner" aria-hidden="true" />}
      <span className="button__label">{busy && busyLabel ? busyLabel : children}</span>
    </button>
  );
}

/** An in-app link (client-side navigation) that looks like a button. */
export function ButtonLink({ to, variant, size, block, className, children, ...rest }: Look & { to: string; children: ReactNode } & AnchorHTMLAttributes<HTMLAnchorElement>) {
  return <Link to={to} className={buttonClass({ variant, size, block }, className)} {...rest}>{children}</Link>;
}

/** A link to another site (App Store, Stripe) that looks like a button; opens in a new tab when `newTab`. */
export function ButtonAnchor({ href, newTab = false, variant, size, block, className, children, ...rest }:
  Look & { href: string; newTab?: boolean; children: ReactNode } & AnchorHTMLAttributes<HTMLAnchorElement>) {
  return (
    <a href={href} className={buttonClass({ variant, size, block }, className)} {...(newTab ? { target: '_blank', rel: 'noreferrer' } : {})} {...rest}>
      {children}
      {newTab && <span className="visually-hidden"> (opens in a new tab)</span>}
    </a>
  );
}
