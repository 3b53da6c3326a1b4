// The design system in one import. Each piece lives in its own module:
//   Button, ButtonLink, ButtonAnchor — Button.tsx       Card — Card.tsx
//   Notice (tones info/warning/error/success) — Notice.tsx
//   Skeleton, SkeletonText, LoadingStatus — Skeleton.tsx
//   Page, PageHeading, PageSkeleton, usePageTitle, focusPageHeading — Page.tsx
//   Field — Field.tsx   Spinner — Spinner.tsx   BrandMark — BrandMark.tsx   Icon — icons.tsx
// Brand tokens (colour, radius, spacing, type) are CSS custom properties in styles.css.
import type { ReactNode } from 'react';
import { Notice, type NoticeTone } from './Notice.tsx';

export { Button, ButtonAnchor, ButtonLink, buttonClass, type ButtonVariant } from './Button.tsx';
export { Card } from './Card.tsx';
export { Notice, type NoticeTone } from './Notice.tsx';
export { LoadingStatus, Skeleton, SkeletonText } from './Skeleton.tsx';
export { documentTitle, focusPageHeading, Page, PageHeading, PageShell, PageSkeleton, usePageTitle } from './Page.tsx';
export { Field } from './Field.tsx';
export { Spinner } from './Spinner.tsx';
export { BrandMark } from './BrandMark.tsx';
export { Icon, type IconName } from './icons.tsx';
export { NARROW_SCREEN, useMediaQuery } from './useMediaQuery.ts';

const TONES: Record<'bad' | 'good' | 'warning' | 'neutral', NoticeTone> = { bad: 'error', good: 'success', warning: 'warning', neutral: 'info' };

/** @deprecated Use `Notice` (tones info/warning/error/success). Kept so older pages keep working. */
export function Alert({ tone = 'bad', children }: { tone?: 'bad' | 'good' | 'warning' | 'neutral'; children: ReactNode }) {
  return <Notice tone={TONES[tone]}>{children}</Notice>;
}
