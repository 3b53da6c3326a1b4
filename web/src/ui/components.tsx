// The design system in one import. Each piece lives in its own module:
//   Button, ButtonLink, ButtonAnchor — Button.tsx       Card — Card.tsx
//   Notice (tones info/warning/error/success) — Notice.tsx
//   Skeleton, SkeletonText, LoadingStatus — Skeleton.tsx
//   Page, PageHeading, PageSkeleton, usePageTitle — Page.tsx
//   Field — Field.tsx   Spinner — Spinner.tsx   BrandMark — BrandMark.tsx   Icon — icons.tsx
// Brand tokens (colour, radius, spacing, type) are CSS custom properties in styles.css.
export { Button, ButtonAnchor, ButtonLink, buttonClass, type ButtonVariant } from './Button.tsx';
export { Card } from './Card.tsx';
export { Notice, type NoticeTone } from './Notice.tsx';
export { LoadingStatus, Skeleton, SkeletonText } from './Skeleton.tsx';
export { documentTitle, Page, PageHeading, PageShell, PageSkeleton, usePageTitle } from './Page.tsx';
export { Field } from './Field.tsx';
export { Spinner } from './Spinner.tsx';
export { BrandMark } from './BrandMark.tsx';
export { Icon, type IconName } from './icons.tsx';
export { NARROW_SCREEN, useMediaQuery } from './useMediaQuery.ts';

