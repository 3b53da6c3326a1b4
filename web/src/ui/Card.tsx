// A surface that groups one topic. `title` renders an h2 the section is labelled by.
import { useId, type ReactNode } from 'react';

export function Card({ title, titleAs: Heading = 'h2', description, actions, tone, className, children, as: Tag = 'section', ...rest }: {
  title?: ReactNode;
  titleAs?: 'h2' | 'h3';
  /** A muted line under the title. */
  description?: ReactNode;
  /** Buttons in the card's footer row. */
  actions?: ReactNode;
  /** A coloured edge for a state that needs attention (never the only signal: the text says it too). */
  tone?: 'warning' | 'error' | 'success';
  className?: string;
  children?: ReactNode;
  as?: 'section' | 'div';
  id?: string;
  'data-testid'?: string;
}) {
  const titleId = useId();
  return (
    <Tag className={['card', tone && `card--${tone}`, className].filter(Boolean).join(' ')} aria-labelledby={title && Tag === 'section' ? titleId : undefined} {...rest}>
      {title && <Heading id={titleId} className="card__title">{title}</Heading>}
      {description && <p className="card__description">{description}</p>}
      {children}
      {actions && <div className="card__actions">{actions}</div>}
    </Tag>
  );
}
