// A password field with a show/hide switch and, for a new password, the server's rule as a live
// checklist (domain/password-rules.ts) tied to the input with aria-describedby.
import { useState } from 'react';
import { passwordRules } from '../domain/password-rules.ts';
import { Icon } from '../ui/icons.tsx';

export function PasswordField({ label, name = 'password', value, onChange, isNew, error, autoFocus }: {
  label: string;
  name?: string;
  value: string;
  onChange: (value: string) => void;
  /** A new password: autocomplete new-password and the rule checklist. */
  isNew?: boolean;
  error?: string;
  autoFocus?: boolean;
}) {
  const [visible, setVisible] = useState(false);
  const id = `field-${name}`;
  const rules = isNew ? passwordRules(value) : [];
  const described = [isNew && `${id}-rules`, error && `${id}-error`].filter(Boolean).join(' ') || undefined;
  return (
    <div className={error ? 'field field--invalid' : 'field'}>
      <label htmlFor={id}>{label}</label>
      <div className="password-input">
        <input
          id={id}
          name={name}
          type={visible ? 'text' : 'password'}
          autoComplete={isNew ? 'new-password' : 'current-password'}
          value={value}
          onChange={(e) => onChange(e.target.value)}
          required
          aria-invalid={error ? true : undefined}
          aria-describedby={described}
          autoFocus={autoFocus}
        />
        <button type="button" className="password-input__toggle" onClick={() => setVisible((v) => !v)} aria-pressed={visible} aria-controls={id}>
          {visible ? 'Hide' : 'Show'}<span className="visually-hidden"> password</span>
        </button>
      </div>
      {isNew && (
        <ul className="password-rules" id={`${id}-rules`} aria-label="Your password needs">
          {rules.map((rule) => (
            <li key={rule.id} className={rule.met ? 'password-rules__rule password-rules__rule--met' : 'password-rules__rule'}>
              <span className="password-rules__mark" aria-hidden="true">{rule.met ? <Icon name="check" size={12} /> : null}</span>
              {rule.label}
              <span className="visually-hidden">{rule.met ? ' (done)' : ' (not yet)'}</span>
            </li>
          ))}
        </ul>
      )}
      {error && <p className="field__error" id={`${id}-error`}>{error}</p>}
    </div>
  );
}
