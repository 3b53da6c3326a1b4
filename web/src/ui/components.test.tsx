import { afterEach, expect, test } from 'vitest';
import { cleanup, render, screen } from '@testing-library/react';
import { Button } from './Button.tsx';
import { Notice } from './Notice.tsx';
import { Field } from './Field.tsx';

afterEach(cleanup);

test('a busy button is disabled, says so, and shows what it is doing', () => {
  render(<Button variant="primary" busy busyLabel="Processing…">Subscribe · $9.99/month</Button>);
  const button = screen.getByRole('button', { name: 'Processing…' }) as HTMLButtonElement;
  expect(button.disabled).toBe(true);
  expect(button.getAttribute('aria-busy')).toBe('true');
  expect(button.className).toContain('button--primary');
});

test('an error notice interrupts (role=alert) and can take focus; others are polite', () => {
  render(<><Notice tone="error" title="Your card was declined." focusOnMount>Try another card.</Notice><Notice tone="warning">Heads up</Notice></>);
  const alert = screen.getByRole('alert');
  expect(alert.textContent).toContain('Your card was declined.');
  expect(document.activeElement).toBe(alert);
  expect(screen.getByRole('status').textContent).toContain('Heads up');
});

test('a field’s hint and error are read with it', () => {
  render(<Field label="Email" name="email" value="" onChange={() => {}} hint="We send the receipt here." error="Enter an email address." />);
  const input = screen.getByLabelText('Email');
  expect(input.getAttribute('aria-invalid')).toBe('true');
  expect(input.getAttribute('aria-describedby')).toBe('field-email-hint field-email-error');
});
