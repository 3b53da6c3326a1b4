// The brand colour, applied once as CSS custom properties (styles.css derives hover, tint and
// focus ring from --brand with color-mix), and the text colour that stays readable on it.
import type { Brand } from '../config.ts';

function channel(hex: string, index: number): number {
  const value = parseInt(hex.slice(1 + index * 2, 3 + index * 2), 16) / 255;
  return value <= 0.03928 ? value / 12.92 : ((value + 0.055) / 1.055) ** 2.4;
}

/** WCAG 2 relative luminance of `#rrggbb`. */
export function luminance(hex: string): number {
  return 0.2126 * channel(hex, 0) + 0.7152 * channel(hex, 1) + 0.0722 * channel(hex, 2);
}

/** WCAG 2 contrast ratio of two `#rrggbb` colours (1 to 21). */
export function contrastRatio(a: string, b: string): number {
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (light + 0.05) / (dark + 0.05);
}

export const INK = '#1a1f36';

/** `#rrggbb` at an opacity, as `rgba()` (for places that take no color-mix(), like Stripe's Appearance API). */
export function withAlpha(hex: string, alpha: number): string {
  const [r, g, b] = [0, 1, 2].map((i) => parseInt(hex.slice(1 + i * 2, 3 + i * 2), 16));
  return `rgba(${r}, ${g}, ${b}, ${alpha})`;
}

/** White on a dark brand colour, our ink on a light one: whichever reads better (WCAG AA needs 4.5). */
export function readableInk(background: string): string {
  return contrastRatio(background, '#ffffff') >= contrastRatio(background, INK) ? '#ffffff' : INK;
}

/** Sets the brand's custom properties and the browser's theme colour. Idempotent. */
export function applyBrand(brand: Brand, doc: Document = document): void {
  const root = doc.documentElement.style;
  if (root.getPropertyValue('--brand') === brand.color) return;
  root.setProperty('--brand', brand.color);
  root.setProperty('--brand-ink', readableInk(brand.color));
  doc.querySelector('meta[name="theme-color"]')?.setAttribute('content', brand.color);
}
