// Checks every browser test makes on every page state: no axe-core violation, tap targets of
// 44 px for anything that acts like a button, and a screenshot of the state for people to look at.
import assert from 'node:assert/strict';
import type { WebPage } from './web-stack.ts';
import { axeViolations, formatViolations } from './axe.ts';

/** Buttons, links styled as buttons, navigation links and the stand-alone links of the auth pages. */
const TAP_TARGETS = 'button:not([disabled]), a.button, .header nav a, .brand, .auth-footer__link, .auth-inline-link, .password-input__toggle';

export async function expectNoAxeViolations(p: WebPage, state: string): Promise<void> {
  const violations = await axeViolations(p.page);
  assert.deepEqual(violations.map((v) => v.id), [], `axe-core found violations on "${state}" (${p.size}):\n${formatViolations(violations)}`);
}

/** Everything that acts like a button is at least 44 × 44 CSS px (Apple HIG, WCAG 2.5.5). */
export async function expectTapTargets(p: WebPage, state: string): Promise<void> {
  const small = await p.page.evaluate((selector) => [...document.querySelectorAll<HTMLElement>(selector)]
    .filter((el) => el.offsetParent !== null)
    .map((el) => ({ el, box: el.getBoundingClientRect() }))
    .filter(({ box }) => box.height < 44 - 0.5 || box.width < 44 - 0.5)
    .map(({ el, box }) => `${el.tagName.toLowerCase()}.${el.className} "${el.textContent?.trim().slice(0, 40)}" ${Math.round(box.width)}×${Math.round(box.height)}`), TAP_TARGETS);
  assert.deepEqual(small, [], `tap targets under 44 px on "${state}" (${p.size})`);
}

/** axe + tap targets + a screenshot (test-artifacts/screenshots/<name>-<size>.png). */
export async function checkState(p: WebPage, name: string): Promise<void> {
  // Fonts and the last state change settle before anything is measured or photographed.
  await p.page.evaluate(() => document.fonts.ready.then(() => new Promise(requestAnimationFrame)));
  await expectNoAxeViolations(p, name);
  await expectTapTargets(p, name);
  await p.screenshot(name);
}
