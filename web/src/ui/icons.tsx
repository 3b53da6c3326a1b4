// The few icons the pages use, inline (no icon font, no extra request). Decorative: hidden from
// assistive technology; the text beside them carries the meaning.
import type { ReactElement } from 'react';

const paths = {
  check: <path d="M4.5 10.5l3.5 3.5 7.5-8" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round" />,
  lock: (
    <>
      <rect x="4" y="9" width="12" height="8.5" rx="2" fill="none" stroke="currentColor" strokeWidth="1.7" />
      <path d="M7 9V6.5a3 3 0 016 0V9" fill="none" stroke="currentColor" strokeWidth="1.7" />
    </>
  ),
  info: (
    <>
      <circle cx="10" cy="10" r="7.5" fill="none" stroke="currentColor" strokeWidth="1.7" />
      <path d="M10 9v5M10 6.2v.1" stroke="currentColor" strokeWidth="1.9" strokeLinecap="round" />
    </>
  ),
  warning: (
    <>
      <path d="M10 3l7.5 13.5h-15z" fill="none" stroke="currentColor" strokeWidth="1.7" strokeLinejoin="round" />
      <path d="M10 8.5v3.5M10 14.3v.1" stroke="currentColor" strokeWidth="1.9" strokeLinecap="round" />
    </>
  ),
  error: (
    <>
      <circle cx="10" cy="10" r="7.5" fill="none" stroke="currentColor" strokeWidth="1.7" />
      <path d="M10 6v5M10 13.8v.1" stroke="currentColor" strokeWidth="1.9" strokeLinecap="round" />
    </>
  ),
  success: (
    <>
      <circle cx="10" cy="10" r="7.5" fill="none" stroke="currentColor" strokeWidth="1.7" />
      <path d="M6.8 10.2l2.2 2.2 4.2-4.6" fill="none" stroke="currentColor" strokeWidth="1.9" strokeLinecap="round" strokeLinejoin="round" />
    </>
  ),
  card: (
    <>
      <rect x="2.5" y="4.5" width="15" height="11" rx="2" fill="none" stroke="currentColor" strokeWidth="1.6" />
      <path d="M2.5 8h15" stroke="currentColor" strokeWidth="2.2" />
    </>
  ),
  receipt: (
    <>
      <path d="M5 2.8h10v14.5l-2-1.3-1.7 1.3L10 16l-1.3 1.3L7 16l-2 1.3z" fill="none" stroke="currentColor" strokeWidth="1.5" strokeLinejoin="round" />
      <path d="M7.5 7h5M7.5 10h5" stroke="currentColor" strokeWidth="1.5" strokeLinecap="round" />
    </>
  ),
  arrowLeft: <path d="M12 4.5L6.5 10l5.5 5.5" fill="none" stroke="currentColor" strokeWidth="1.9" strokeLinecap="round" strokeLinejoin="round" />,
  external: <path d="M8 4.5H4.5v11h11V12M11 4.5h4.5V9M15.5 4.5L9 11" fill="none" stroke="currentColor" strokeWidth="1.6" strokeLinecap="round" strokeLinejoin="round" />,
} satisfies Record<string, ReactElement>;

export type IconName = keyof typeof paths;

export function Icon({ name, size = 20, className }: { name: IconName; size?: number; className?: string }) {
  return (
    <svg className={`icon${className ? ` ${className}` : ''}`} width={size} height={size} viewBox="0 0 20 20" aria-hidden="true" focusable="false">
      {paths[name]}
    </svg>
  );
}
