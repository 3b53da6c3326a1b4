// What each imported person signs in with: the legacy bcrypt hash as is, a bcrypt hash made now
// from a legacy plaintext password, or no password (another hash format: "forgot password" or a
// social sign-in).
//
// Supabase Auth verifies passwords with Go's golang.org/x/crypto/bcrypt, which accepts the $2a$,
// $2b$ and $2y$ prefixes. They are the same algorithm for passwords under 256 bytes (bcrypt reads at
// most 72), so every hash is stored as $2a$ — the prefix Go and Postgres's pgcrypto both verify.
import bcrypt from 'bcryptjs';

export const BCRYPT = /^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$/;

/** Cost 10: Supabase Auth's own (bcrypt.DefaultCost), so imported and new hashes cost the same to check. */
export const BCRYPT_COST = 10;

export type PasswordSource = 'bcrypt' | 'plaintext' | 'none';

export interface PasswordInput {
  /** A field that must hold a bcrypt hash (anything else is an unknown hash format). */
  passwordHash?: string;
  /** A field that holds either a bcrypt hash or the legacy plaintext password. */
  password?: string;
}

export interface PreparedPassword {
  /** What goes into auth.users.encrypted_password ('' = no password). */
  hash: string;
  source: PasswordSource;
  /** Why the person has no usable password, or what to know about it (never the password itself). */
  warning?: string;
}

const asA = (hash: string) => hash.replace(/^\$2[by]\$/, '$2a$');

/** Pure: which of the fields the person signs in with, without hashing anything yet. */
export function classifyPassword(input: PasswordInput): { source: PasswordSource; value?: string; warning?: string } {
  const hash = input.passwordHash?.trim();
  if (hash && BCRYPT.test(hash)) return { source: 'bcrypt', value: hash };
  const password = input.password;
  if (password && BCRYPT.test(password.trim())) return { source: 'bcrypt', value: password.trim() };
  // A plaintext password is taken exactly as typed: surrounding spaces are part of it.
  if (password) {
    return {
      source: 'plaintext',
      value: password,
      warning: bcrypt.truncates(password) ? 'legacy password is longer than 72 bytes: bcrypt (and so Supabase Auth) only checks the first 72' : undefined,
    };
  }
  if (hash) return { source: 'none', warning: 'password hash is not bcrypt: imported without a password (reset or OAuth)' };
  return { source: 'none' };
}

/** The hash to store. Hashes a plaintext password (slow on purpose: call it only for accounts being created). */
export async function preparePassword(input: PasswordInput): Promise<PreparedPassword> {
  const { source, value, warning } = classifyPassword(input);
  if (source === 'bcrypt') return { hash: asA(value!), source, warning };
  if (source === 'plaintext') return { hash: asA(await bcrypt.hash(value!, BCRYPT_COST)), source, warning };
  return { hash: '', source, warning };
}
