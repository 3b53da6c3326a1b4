// Small accessible building blocks.
import type { ReactNode } from 'react';

export function Spinner({ label }: { label: string }) {
  return (
    <div className="spinner" role="status" aria-live="polite">
      <span className="spinner__wheel" aria-hidden="true" />
      <span>{label}</span>
    </div>
  );
}

export function Alert({ tone = 'bad', children }: { tone?: 'bad' | 'good' | 'warning' | 'neutral'; children: ReactNode }) {
  return (
    <div className={`alert alert--${tone}`} role={tone === 'bad' ? 'alert' : 'status'}>
      {children}
    </div>
  );
}

export function Field(props: { label: string; name: string; type?: string; autoComplete?: string; value: string; onChange: (value: string) => void; required?: boolean; minLength?: number }) {
  const id = `field-${props.name}`;
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      <input
        id={id}
        name={props.name}
        type={props.type ?? 'text'}
        autoComplete={props.autoComplete}
        value={props.value}
        required={props.required}
        minLength={props.minLength}
        onChange={(e) => props.onChange(e.target.value)}
      />
    </div>
  );
}

export function Page({ title, children }: { title: string; children: ReactNode }) {
  return (
    <main className="page" id="main">
      <h1>{title}</h1>
      {children}
    </main>
  );
}
