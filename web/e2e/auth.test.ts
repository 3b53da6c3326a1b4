// The sign-in pages in a real browser (Debian's Chromium), built as for production, at 390 px and
// 1280 px: sign-up confirmed with the 6-digit code without leaving the flow (straight back to
// checkout), the email link, resend with Supabase Auth's rate limit, fixing a mistyped address, the
// password rule, the Apple and Google buttons, sign-in errors, password reset. Supabase Auth is the
// FAKE GoTrue (web/e2e/fakes/fake-supabase.ts: its endpoints and JSON, users in the real auth
// tables); every state is scanned with axe-core, its tap targets measured, and photographed.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startWebStack, type Size, type WebPage, type WebStack } from './web-stack.ts';
import { checkState } from './page-checks.ts';

const PASSWORD = 'correct-horse-42';
const SIZES: Size[] = ['phone', 'desktop'];

describe('auth pages in Chromium', { timeout: 600_000 }, () => {
  let s: WebStack;
  before(async () => {
    s = await startWebStack();
  });
  after(async () => s?.stop());

  const email = (tag = 'auth') => `${tag}-${randomBytes(4).toString('hex')}@example.test`;

  /** A page that fails its test on any console error except HTTP errors the test provokes. */
  async function withPage(size: Size, run: (p: WebPage) => Promise<void>, expectedHttpErrors: number[] = []) {
    const p = await s.open(size);
    try {
      await run(p);
      const expected = expectedHttpErrors.map((status) => `Failed to load resource: the server responded with a status of ${status} `);
      assert.deepEqual(p.consoleErrors.filter((e) => !expected.some((prefix) => e.startsWith(prefix))), [], 'no console errors');
    } finally {
      await p.close();
    }
  }

  async function fillSignUp(p: WebPage, address: string, password = PASSWORD) {
    await p.page.getByLabel('Email').fill(address);
    await p.page.getByLabel('Password', { exact: true }).fill(password);
    await p.page.getByRole('button', { name: 'Create account' }).click();
  }

  const codeField = (p: WebPage) => p.page.getByLabel('Confirmation code');

  for (const size of SIZES) {
    test(`sign up from checkout, confirm with the code, and land back on checkout (${size})`, async () => {
      await withPage(size, async (p) => {
        const address = email('checkout');
        await p.page.goto(`${s.origin}/sign-up?next=%2Fsubscribe`);
        await p.page.getByRole('heading', { name: 'Create your account' }).waitFor();
        await p.page.getByText('Then you go straight on to checkout.').waitFor();
        assert.equal(await p.page.title(), 'Create your account · CertGames');
        await checkState(p, 'auth-sign-up');

        // The rule the server enforces, checked as it is typed.
        const rules = p.page.getByRole('list', { name: 'Your password needs' });
        await p.page.getByLabel('Password', { exact: true }).fill('abc');
        assert.deepEqual((await rules.getByRole('listitem').allTextContents()).map((t) => t.trim()), ['At least 8 characters (not yet)', 'A letter (done)', 'A number (not yet)']);
        assert.equal(await rules.locator('.password-rules__rule--met').count(), 1);
        await p.page.getByLabel('Email').fill(address);
        await p.page.getByRole('button', { name: 'Create account' }).click();
        const password = p.page.getByLabel('Password', { exact: true });
        assert.equal(await password.getAttribute('aria-invalid'), 'true');
        const describedBy = (await password.getAttribute('aria-describedby'))!.split(' ');
        assert.ok(describedBy.includes('field-password-error') && describedBy.includes('field-password-rules'), describedBy.join(' '));
        assert.equal(await p.page.locator('#field-password-error').innerText(), 'Your password needs at least 8 characters and a number.');
        assert.equal(await p.page.evaluate(() => document.activeElement?.id), 'field-password');
        await checkState(p, 'auth-sign-up-invalid');
        await password.fill(PASSWORD);
        assert.equal(await rules.locator('.password-rules__rule--met').count(), 3);
        assert.equal(await password.getAttribute('aria-invalid'), null);
        await p.page.getByRole('button', { name: 'Create account' }).click();

        // "Check your email": the code, the spam hint, the wait before another email.
        await p.page.getByRole('heading', { name: 'Check your email' }).waitFor();
        await p.page.getByText(`Enter the 6-digit code we sent to ${address}.`).waitFor();
        await p.page.getByText('Look in your spam or promotions folder').waitFor();
        const wait = p.page.getByRole('button', { name: /^Send a new code in 0:5\d$/ });
        assert.equal(await wait.isDisabled(), true);
        assert.equal(await codeField(p).getAttribute('autocomplete'), 'one-time-code');
        assert.equal(await codeField(p).getAttribute('inputmode'), 'numeric');
        await checkState(p, 'auth-confirm-code');

        // A wrong code: said next to the field, which is marked invalid and keeps focus.
        const code = s.supabase.lastCode(address);
        const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
        await codeField(p).fill(wrong);
        await p.page.getByRole('alert').filter({ hasText: 'That code is not right, or it has expired.' }).waitFor();
        assert.equal(await codeField(p).getAttribute('aria-invalid'), 'true');
        assert.match((await codeField(p).getAttribute('aria-describedby'))!, /field-code-error/);
        assert.equal(await p.page.evaluate(() => document.activeElement?.id), 'field-code');
        await checkState(p, 'auth-confirm-code-wrong');

        // The right code, typed as people paste it: confirmed, signed in, back on checkout.
        await codeField(p).fill(`${code.slice(0, 3)} ${code.slice(3)}`);
        await p.page.waitForURL(`${s.origin}/subscribe`);
        // The checkout itself, signed in (wallets first on a phone, the card form on a desktop).
        await p.page.getByRole('button', { name: /^(Google Pay|Pay with card|Subscribe · .*)$/ }).first().waitFor();
        const [user] = await s.db.owner`select email_confirmed_at is not null as confirmed from auth.users where email = ${address}`;
        assert.equal(user.confirmed, true);
      }, [403]);
    });
  }

  test('the link in the email still works, and the tab waiting for the code moves on by itself', async () => {
    await withPage('desktop', async (p) => {
      const address = email('link');
      await p.page.goto(`${s.origin}/sign-up?next=%2Faccount`);
      await fillSignUp(p, address);
      await codeField(p).waitFor();
      // The person opens the email's link in a new tab of the same browser.
      const other = await p.context.newPage();
      await other.goto(s.supabase.lastLink(address, 'confirmation'));
      await other.waitForURL(`${s.origin}/account`);
      await p.page.waitForURL(`${s.origin}/account`);
      await other.close();
    });
  });

  test('resend: Supabase Auth\'s 429 sets the wait, a new code replaces the old one', async () => {
    await withPage('phone', async (p) => {
      const address = email('resend');
      // GoTrue's max_frequency, shortened so the wait runs out within the test.
      s.supabase.authSettings.emailMaxFrequencyMs = 8_000;
      try {
        await p.page.goto(`${s.origin}/sign-up`);
        await fillSignUp(p, address);
        await codeField(p).waitFor();
        const first = s.supabase.lastCode(address);

        // Later, from sign-in (no countdown on this page yet): the server refuses with 429.
        await p.page.goto(`${s.origin}/sign-in`);
        await p.page.getByLabel('Email').fill(address);
        await p.page.getByLabel('Password', { exact: true }).fill(PASSWORD);
        await p.page.getByRole('button', { name: 'Sign in', exact: true }).click();
        await p.page.getByRole('alert').filter({ hasText: 'Please confirm your email first' }).waitFor();
        await checkState(p, 'auth-sign-in-unconfirmed');
        await p.page.getByRole('button', { name: 'Email me a code' }).click();
        await p.page.getByRole('heading', { name: 'Check your email' }).waitFor();
        await p.page.getByRole('status').filter({ hasText: /Emails to one address are limited\. You can ask for a new code in 0:0\d; the last one still works\./ }).waitFor();
        assert.equal(await p.page.getByRole('button', { name: /^Send a new code in 0:0\d$/ }).isDisabled(), true);
        await checkState(p, 'auth-confirm-code-rate-limited');

        // When the wait is over: a new code, and only the new one works.
        await p.page.getByRole('button', { name: 'Send a new code', exact: true }).click({ timeout: 15_000 });
        await p.page.getByRole('status').filter({ hasText: `We sent a new code to ${address}. It replaces the one before.` }).waitFor();
        const second = s.supabase.lastCode(address);
        assert.notEqual(second, first);
        await codeField(p).fill(first);
        await p.page.getByRole('alert').filter({ hasText: 'That code is not right' }).waitFor();
        await codeField(p).fill(second);
        await p.page.waitForURL(`${s.origin}/account`);
      } finally {
        s.supabase.authSettings.emailMaxFrequencyMs = 60_000;
      }
    }, [400, 403, 429]);
  });

  test('a mistyped address is fixed in one edit, keeping the rest of the form', async () => {
    await withPage('desktop', async (p) => {
      const right = email('typo');
      const wrong = right.replace('@example.test', '@exmaple.test');
      await p.page.goto(`${s.origin}/sign-up?next=%2Faccount`);
      await p.page.getByLabel('Name (optional)').fill('Ada Lovelace');
      await fillSignUp(p, wrong);
      await p.page.getByText(`we sent to ${wrong}`).waitFor();
      await p.page.getByRole('button', { name: 'Change it' }).click();
      await p.page.getByRole('heading', { name: 'Create your account' }).waitFor();
      // Focus on the address, selected: typing replaces it.
      assert.equal(await p.page.evaluate(() => document.activeElement?.id), 'field-email');
      assert.equal(await p.page.getByLabel('Name (optional)').inputValue(), 'Ada Lovelace');
      assert.equal(await p.page.getByLabel('Password', { exact: true }).inputValue(), PASSWORD);
      await p.page.keyboard.type(right);
      await p.page.getByRole('button', { name: 'Create account' }).click();
      await p.page.getByText(`we sent to ${right}`).waitFor();
      await codeField(p).fill(s.supabase.lastCode(right));
      await p.page.waitForURL(`${s.origin}/account`);
      const [user] = await s.db.owner`select raw_user_meta_data->>'full_name' as name from auth.users where email = ${right}`;
      assert.equal(user.name, 'Ada Lovelace');
    });
  });

  for (const size of SIZES) {
    test(`sign in: centred card, Apple and Google buttons by their rules, errors announced (${size})`, async () => {
      await withPage(size, async (p) => {
        const address = email('signin');
        await s.supabase.createUser(address, PASSWORD);
        await p.page.goto(`${s.origin}/sign-in`);
        await p.page.getByRole('heading', { name: 'Sign in' }).waitFor();
        assert.equal(await p.page.title(), 'Sign in · CertGames');

        // A card of reading width, centred; edge to edge on a phone.
        const card = await p.page.locator('.auth-card').boundingBox();
        const viewport = p.page.viewportSize()!;
        if (size === 'desktop') {
          assert.ok(card!.width >= 380 && card!.width <= 448, `card width ${card!.width}`);
          assert.ok(Math.abs(card!.x + card!.width / 2 - viewport.width / 2) <= 8, 'centred');
        } else {
          assert.equal(Math.round(card!.width), viewport.width);
        }

        // Apple and Google: their logos on the left, their words, the same size, white (lighter than the primary action).
        const apple = p.page.getByRole('button', { name: 'Continue with Apple' });
        const google = p.page.getByRole('button', { name: 'Continue with Google' });
        const primary = p.page.getByRole('button', { name: 'Sign in', exact: true });
        const look = (b: typeof apple) => b.evaluate((el) => {
          const box = el.getBoundingClientRect();
          const logo = el.querySelector('svg')!.getBoundingClientRect();
          const style = getComputedStyle(el);
          return { width: box.width, height: box.height, left: box.left, logoLeft: logo.left, logoSize: logo.width, background: style.backgroundColor, paths: el.querySelectorAll('svg path').length, fills: [...el.querySelectorAll('svg path')].map((path) => path.getAttribute('fill')) };
        });
        const [a, g, main] = [await look(apple), await look(google), await primary.evaluate((el) => ({ height: el.getBoundingClientRect().height, background: getComputedStyle(el).backgroundColor }))];
        assert.ok(a.height >= 44 && g.height >= 44, `heights ${a.height} ${g.height}`);
        assert.deepEqual([a.width, a.height], [g.width, g.height], 'equal prominence');
        assert.ok(a.logoLeft - a.left <= 20 && g.logoLeft - g.left <= 20, 'logo on the left');
        assert.equal(a.logoSize, 18);
        assert.deepEqual(g.fills, ['#EA4335', '#4285F4', '#FBBC05', '#34A853']);
        assert.equal(a.background, 'rgb(255, 255, 255)');
        assert.equal(g.background, 'rgb(255, 255, 255)');
        assert.notEqual(main.background, 'rgb(255, 255, 255)');
        await checkState(p, 'auth-sign-in');

        // A wrong password: announced (role=alert), with what to do.
        await p.page.getByLabel('Email').fill(address);
        await p.page.getByLabel('Password', { exact: true }).fill('wrong-password-1');
        await primary.click();
        await p.page.getByRole('alert').filter({ hasText: 'That email and password do not match' }).waitFor();
        await checkState(p, 'auth-sign-in-error');

        // Show the password, then sign in.
        await p.page.getByRole('button', { name: 'Show password' }).click();
        assert.equal(await p.page.getByLabel('Password', { exact: true }).getAttribute('type'), 'text');
        await p.page.getByLabel('Password', { exact: true }).fill(PASSWORD);
        await primary.click();
        await p.page.waitForURL(`${s.origin}/account`);
      }, [400]);
    });
  }

  test('signing up with an address that has an account says so, and offers sign-in', async () => {
    await withPage('desktop', async (p) => {
      const address = email('exists');
      await s.supabase.createUser(address, PASSWORD);
      await p.page.goto(`${s.origin}/sign-up`);
      await fillSignUp(p, address);
      await p.page.getByRole('alert').filter({ hasText: 'An account with this email already exists' }).waitFor();
      await p.page.getByRole('link', { name: 'Sign in instead' }).waitFor();
    });
  });

  for (const size of SIZES) {
    test(`forgot password → email link → new password checked against the rule (${size})`, async () => {
      await withPage(size, async (p) => {
        const address = email('reset');
        await s.supabase.createUser(address, 'old-password-1');
        await p.page.goto(`${s.origin}/forgot-password`);
        await p.page.getByRole('heading', { name: 'Reset your password' }).waitFor();
        assert.equal(await p.page.title(), 'Reset your password · CertGames');
        await checkState(p, 'auth-forgot-password');
        await p.page.getByLabel('Email').fill(address);
        await p.page.getByRole('button', { name: 'Send reset link' }).click();
        await p.page.getByText(`If an account exists for ${address}`).waitFor();
        assert.equal(await p.page.getByRole('button', { name: /^Send again in 0:\d\d$/ }).isDisabled(), true);
        await checkState(p, 'auth-forgot-password-sent');

        await p.page.goto(s.supabase.lastLink(address, 'recovery'));
        await p.page.getByRole('heading', { name: 'Choose a new password' }).waitFor();
        await p.page.getByLabel('New password').fill('short');
        await p.page.getByRole('button', { name: 'Save password' }).click();
        await p.page.locator('#field-password-error').filter({ hasText: 'Your password needs at least 8 characters and a number.' }).waitFor();
        await checkState(p, 'auth-reset-password');
        await p.page.getByLabel('New password').fill(PASSWORD);
        await p.page.getByRole('button', { name: 'Save password' }).click();
        await p.page.waitForURL(`${s.origin}/account?password=updated`);
      });
    });
  }

  test('an expired email link explains itself on the callback page', async () => {
    for (const size of SIZES) {
      await withPage(size, async (p) => {
        await p.page.goto(`${s.origin}/auth/callback?error=access_denied&error_code=otp_expired&error_description=Email+link+is+invalid+or+has+expired`);
        await p.page.getByRole('heading', { name: 'We could not sign you in' }).waitFor();
        await p.page.getByRole('alert').filter({ hasText: 'This link has expired or was already used.' }).waitFor();
        await checkState(p, 'auth-callback-error');
      });
    }
  });
});
