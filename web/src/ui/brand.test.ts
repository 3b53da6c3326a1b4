import { expect, test } from 'vitest';
import { applyBrand, contrastRatio, INK, readableInk, withAlpha } from './brand.ts';
import { DEFAULT_BRAND, readBrand } from '../config.ts';

test('contrast ratios as WCAG defines them', () => {
  expect(contrastRatio('#000000', '#ffffff')).toBeCloseTo(21, 5);
  expect(contrastRatio('#ffffff', '#ffffff')).toBe(1);
  expect(contrastRatio('#4f46e5', '#ffffff')).toBeGreaterThan(4.5);
});

test('text on the brand colour stays readable, whatever the colour', () => {
  expect(readableInk('#4f46e5')).toBe('#ffffff');
  expect(readableInk('#fde047')).toBe(INK); // a light yellow brand gets dark text
  for (const color of ['#4f46e5', '#fde047', '#10b981', '#0ea5e9', '#111827', '#f472b6']) {
    expect(contrastRatio(color, readableInk(color))).toBeGreaterThanOrEqual(4.5);
  }
});

test('the brand from VITE_ variables, with CertGames defaults and unsafe values refused', () => {
  expect(readBrand({})).toEqual(DEFAULT_BRAND);
  const custom = readBrand({ VITE_BRAND_NAME: 'Acme', VITE_BRAND_COLOR: '#0A7C4B', VITE_TERMS_URL: 'https://acme.test/terms', VITE_BRAND_LOGO_URL: '/acme.svg' });
  expect(custom).toMatchObject({ name: 'Acme', color: '#0a7c4b', termsUrl: 'https://acme.test/terms', logoUrl: '/acme.svg' });
  expect(readBrand({ VITE_BRAND_COLOR: 'red' }).color).toBe(DEFAULT_BRAND.color);
  expect(readBrand({ VITE_PRIVACY_URL: 'javascript:alert(1)' }).privacyUrl).toBe(DEFAULT_BRAND.privacyUrl);
});

test('applyBrand sets the colour, a readable ink and the theme colour', () => {
  const meta = document.createElement('meta');
  meta.name = 'theme-color';
  document.head.appendChild(meta);
  applyBrand({ ...DEFAULT_BRAND, color: '#fde047' });
  expect(document.documentElement.style.getPropertyValue('--brand')).toBe('#fde047');
  expect(document.documentElement.style.getPropertyValue('--brand-ink')).toBe(INK);
  expect(meta.getAttribute('content')).toBe('#fde047');
});

test('a brand colour at an opacity, for Stripe’s Appearance API', () => {
  expect(withAlpha('#4f46e5', 0.35)).toBe('rgba(79, 70, 229, 0.35)');
});
