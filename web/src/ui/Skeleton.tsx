// Placeholders with the shape of what is loading, so nothing jumps when it arrives. Hidden from
// assistive technology: pair them with one `LoadingStatus` that says what is loading.
export function Skeleton({ width = '100%', height = 16, radius, className }: { width?: number | string; height?: number | string; radius?: number; className?: string }) {
  return <span className={`skeleton${className ? ` ${className}` : ''}`} aria-hidden="true" style={{ width, height, borderRadius: radius }} />;
}

/** A few lines of text, the last one shorter. */
export function SkeletonText({ lines = 3 }: { lines?: number }) {
  return (
    <span className="skeleton-text" aria-hidden="true">
      {Array.from({ length: lines }, (_, i) => <Skeleton key={i} width={i === lines - 1 && lines > 1 ? '60%' : '100%'} />)}
    </span>
  );
}

/** The one thing screen readers hear while skeletons show. */
export function LoadingStatus({ label }: { label: string }) {
  return <span className="visually-hidden" role="status">{label}</span>;
}
