// The confirmation email is what the web app's sign-up asks for: a code of the length the page
// expects ({{ .Token }}, config.toml otp_length) and the link ({{ .ConfirmationURL }}).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'smol-toml';
import { repoRoot } from '../../scripts/lib/supabase-compat.ts';
import { CODE_LENGTH } from '../../web/src/domain/email-code.ts';

test('the Confirm signup template carries the code and the link, and the code has the length the page asks for', async () => {
  const config = parse(await readFile(join(repoRoot, 'supabase', 'config.toml'), 'utf8')) as {
    auth: { email: { otp_length: number; enable_confirmations: boolean; template: { confirmation: { subject: string; content_path: string } } } };
  };
  const { email } = config.auth;
  assert.equal(email.enable_confirmations, true);
  assert.equal(email.otp_length, CODE_LENGTH);
  const template = await readFile(join(repoRoot, email.template.confirmation.content_path), 'utf8');
  assert.match(template, /\{\{ \.Token \}\}/);
  assert.match(template, /href="\{\{ \.ConfirmationURL \}\}"/);
  assert.match(email.template.confirmation.subject, /\{\{ \.Token \}\}/);
});
