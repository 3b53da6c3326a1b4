// The code step loads only when needed (most visits to /sign-in never show it): its chunk is
// fetched when the form is submitted, so it is there by the time Supabase Auth answers.
import { lazy, Suspense, type ComponentProps } from 'react';
import { PageSkeleton } from '../ui/Page.tsx';
import type { ConfirmEmailStep as Step } from './ConfirmEmailStep.tsx';

export const preloadConfirmEmailStep = () => import('./ConfirmEmailStep.tsx');

const Lazy = lazy(() => preloadConfirmEmailStep().then((m) => ({ default: m.ConfirmEmailStep })));

export function ConfirmEmailStep(props: ComponentProps<typeof Step>) {
  return (
    <Suspense fallback={<PageSkeleton width="narrow" />}>
      <Lazy {...props} />
    </Suspense>
  );
}
