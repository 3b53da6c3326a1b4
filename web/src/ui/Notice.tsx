// A message in the flow of the page. Errors interrupt (role=alert); the rest are polite (role=status).
// Pass `focusOnMount` for an error the person must act on (a declined card): focus moves there, so
// keyboard and screen-reader users land on it and the page scrolls it into view.
import { forwardRef, useEffect, useImperativeHandle, useRef, type ReactNode } from 'react';
import { Icon } from './icons.tsx';

export type NoticeTone = 'info' | 'warning' | 'error' | 'success';

export const Notice = forwardRef<HTMLDivElement | null, {
  tone?: NoticeTone;
  title?: ReactNode;
  children?: ReactNode;
  /** Buttons or links: the next step. */
  actions?: ReactNode;
  focusOnMount?: boolean;
  className?: string;
  id?: string;
}>(function Notice({ tone = 'info', title, children, actions, focusOnMount = false, className, id }, ref) {
  const node = useRef<HTMLDivElement>(null);
  useImperativeHandle(ref, () => node.current!, []);
  useEffect(() => {
    if (focusOnMount) node.current?.focus({ preventScroll: false });
  }, [focusOnMount]);
  return (
    <div
      ref={node}
      id={id}
      className={['notice', `notice--${tone}`, className].filter(Boolean).join(' ')}
      role={tone === 'error' ? 'alert' : 'status'}
      tabIndex={focusOnMount ? -1 : undefined}
    >
      <Icon name={tone} className="notice__icon" />
      <div className="notice__body">
        {title && <p className="notice__title">{title}</p>}
        {children && <div className="notice__text">{children}</div>}
        {actions && <div className="notice__actions">{actions}</div>}
      </div>
    </div>
  );
});
