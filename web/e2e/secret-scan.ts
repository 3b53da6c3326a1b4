// Finds secrets in built files: anything here must never reach a browser.
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';

export const SECRET_PATTERNS: [string, RegExp][] = [
  ['Stripe secret key', /\bsk_(test|live)_[A-Za-z0-9]{8,}/],
  ['Stripe restricted key', /\brk_(test|live)_[A-Za-z0-9]{8,}/],
  ['Stripe webhook secret', /\bwhsec_[A-Za-z0-9]{8,}/],
  ['Supabase secret key', /\bsb_secret_[A-Za-z0-9_-]{8,}/],
  ['service_role JWT or name', /service_role/],
  ['private key', /-----BEGIN (EC |RSA )?PRIVATE KEY-----/],
  ['App Store Server API key id variable', /APP_STORE_SERVER_API_PRIVATE_KEY/],
  ['database URL with password', /postgres(ql)?:\/\/[^:\s"'`]+:[^@\s"'`]+@/],
];

export async function scanForSecrets(dir: string): Promise<{ file: string; kind: string; match: string }[]> {
  const found: { file: string; kind: string; match: string }[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    const text = await readFile(path, 'latin1');
    for (const [kind, pattern] of SECRET_PATTERNS) {
      const match = pattern.exec(text);
      if (match) found.push({ file: relative(dir, path), kind, match: match[0].slice(0, 40) });
    }
  }
  return found;
}
