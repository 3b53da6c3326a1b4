// Brings the users of the apps this project replaces into Supabase: accounts (bcrypt password
// hashes kept, legacy plaintext passwords bcrypt-hashed, so nobody resets a password), their
// Google / Apple identities, profiles, app data (username, XP, coins), Stripe customers and App
// Store purchases — and, when store credentials are given, refreshes each subscription from the stores.
//
//   npx tsx scripts/import-users.ts --input export.json [--format generic|mainusers] [--mapping mapping.json]
//                                   [--trust-emails] [--report import-report.json]
//
// Env: SUPABASE_DB_URL (required); optional STRIPE_SECRET_KEY (refresh Stripe subscriptions) and the
// APPLE_* + APP_STORE_SERVER_API_* variables (refresh App Store subscriptions).
// The export formats (JSON, JSON Lines, MongoDB Extended JSON), the mapping file and the flags are
// documented in docs/import-users.md.
// Idempotent: a second run changes nothing. Conflicts and skips go to the report.
import { readFile, writeFile } from 'node:fs/promises';
import postgres, { type Sql, type TransactionSql } from 'postgres';
import { stringArg } from './lib/args.ts';
import { resolveDuplicates } from './lib/import-duplicates.ts';
import { parseExport } from './lib/import-input.ts';
import { MAINUSERS_MAPPING } from './lib/import-mainusers.ts';
import { preparePassword, type PasswordSource } from './lib/import-passwords.ts';

export interface ImportRecord {
  legacyId: string;
  email: string;
  /** Confirmed only when the export says so explicitly (or with --trust-emails): see emailConfirmed. */
  emailVerified: boolean;
  /** Must be a bcrypt hash; another format imports the person without a password. */
  passwordHash?: string;
  /** A bcrypt hash or the legacy plaintext password (hashed on import); taken exactly as exported. */
  password?: string;
  name?: string;
  googleId?: string;
  appleId?: string;
  /** The provider the person signed up with in the old app ('google', 'apple', …). */
  oauthProvider?: string;
  stripeCustomerId?: string;
  stripeLivemode?: boolean;
  appleOriginalTransactionIds: string[];
  username?: string;
  xp?: number;
  coins?: number;
  createdAt?: string;
}

/** Canonical field → where to find it in an export record (dotted path). */
export type Mapping = Partial<Record<keyof ImportRecord, string>>;

// `password` is left out on purpose: whatever it names is hashed as a plaintext password when it is
// not bcrypt, so it is read only when a mapping (or --format mainusers) says which field holds one —
// an old md5 column named `password` must not become everyone's password.
export const DEFAULT_MAPPING: Mapping = {
  legacyId: 'id', email: 'email', emailVerified: 'emailVerified', passwordHash: 'passwordHash', name: 'name',
  googleId: 'googleId', appleId: 'appleId', oauthProvider: 'oauthProvider', stripeCustomerId: 'stripeCustomerId', stripeLivemode: 'stripeLivemode',
  appleOriginalTransactionIds: 'appleOriginalTransactionIds', username: 'username', xp: 'xp', coins: 'coins', createdAt: 'createdAt',
};

/** `--format`: the ready mappings. A --mapping file is merged over the chosen one. */
export const FORMATS: Record<string, Mapping> = { generic: DEFAULT_MAPPING, mainusers: MAINUSERS_MAPPING };

export interface ImportOptions {
  /** --trust-emails: confirm every email the export does not explicitly mark unverified. */
  trustEmails?: boolean;
  progress?: (line: string) => void;
}

export interface Problem {
  legacyId: string;
  email?: string;
  reason: string;
}

export interface ImportReport {
  total: number;
  created: number;
  unchanged: number;
  /** Accounts created by this run, by what they sign in with. */
  passwords: { bcrypt: number; hashedFromPlaintext: number; none: number };
  /** Accounts created by this run, by email confirmation state. */
  emails: { confirmed: number; unconfirmed: number };
  skipped: Problem[];
  conflicts: Problem[];
  warnings: Problem[];
  refreshed: { stripe: number; appStore: number };
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function at(record: unknown, path: string | undefined): unknown {
  if (!path) return undefined;
  return path.split('.').reduce<unknown>((node, key) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined), record);
}

const text = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim() : v === undefined || v === null ? undefined : String(v));
const count = (v: unknown) => (v === undefined || v === null || v === '' ? undefined : Number(v));
// A password is kept exactly as typed (spaces included); old apps sometimes stored digits as numbers.
const secret = (v: unknown) => (typeof v === 'string' && v !== '' ? v : typeof v === 'number' || typeof v === 'bigint' ? String(v) : undefined);

const EXPLICIT_NO = /^(false|0|no|off)$/i;

/**
 * Whether to import the email as confirmed. Only an explicit boolean `true` confirms: a missing,
 * null, "false", 0 or "true"-as-text flag does not, because a confirmed address with the legacy
 * password is an account whoever typed that address once controls — and Supabase Auth links the
 * real owner's later Google / Apple sign-in into it. `--trust-emails` (the old app verified every
 * address) confirms everything except an explicit no (false, 0, "false", "no", "off").
 */
export function emailConfirmed(flag: unknown, trustEmails = false): boolean {
  if (flag === true) return true;
  if (!trustEmails) return false;
  return !(flag === false || flag === 0 || (typeof flag === 'string' && EXPLICIT_NO.test(flag.trim())));
}

/** Pure: one export record → a canonical record, or the reason it cannot be imported. */
export function mapRecord(raw: unknown, mapping: Mapping, options: Pick<ImportOptions, 'trustEmails'> = {}): { record?: ImportRecord; problem?: string } {
  const legacyId = text(at(raw, mapping.legacyId));
  const email = text(at(raw, mapping.email))?.toLowerCase();
  if (!legacyId) return { problem: 'missing legacy id' };
  if (!email || !EMAIL.test(email)) return { problem: `missing or invalid email "${email ?? ''}"` };
  const xp = count(at(raw, mapping.xp));
  const coins = count(at(raw, mapping.coins));
  if ((xp !== undefined && (!Number.isInteger(xp) || xp < 0)) || (coins !== undefined && (!Number.isInteger(coins) || coins < 0))) {
    return { problem: 'xp and coins must be whole numbers ≥ 0' };
  }
  const transactions = at(raw, mapping.appleOriginalTransactionIds);
  return {
    record: {
      legacyId,
      email,
      emailVerified: emailConfirmed(at(raw, mapping.emailVerified), options.trustEmails),
      passwordHash: text(at(raw, mapping.passwordHash)),
      password: secret(at(raw, mapping.password)),
      name: text(at(raw, mapping.name)),
      googleId: text(at(raw, mapping.googleId)),
      appleId: text(at(raw, mapping.appleId)),
      oauthProvider: text(at(raw, mapping.oauthProvider))?.toLowerCase(),
      stripeCustomerId: text(at(raw, mapping.stripeCustomerId)),
      stripeLivemode: at(raw, mapping.stripeLivemode) === true,
      appleOriginalTransactionIds: (Array.isArray(transactions) ? transactions : transactions ? [transactions] : []).map(String),
      username: text(at(raw, mapping.username)),
      xp,
      coins,
      createdAt: text(at(raw, mapping.createdAt)),
    },
  };
}

interface Outcome {
  result: 'created' | 'unchanged' | 'conflict';
  userId?: string;
  /** Set when this run created the account. */
  account?: { password: PasswordSource; confirmed: boolean };
}

/**
 * One person, in one transaction. The account is found by legacy id first — `app_metadata.legacy_id`,
 * written when it was created — so a person whose email changed since (in the old app, or in
 * Supabase) is still the same account; only a legacy id never imported is looked up by email.
 */
async function importOne(tx: TransactionSql, r: ImportRecord, report: ImportReport, legacyUsers: Map<string, string>): Promise<Outcome> {
  const conflict = (reason: string): Outcome => {
    report.conflicts.push({ legacyId: r.legacyId, email: r.email, reason });
    return { result: 'conflict' };
  };
  const known = legacyUsers.get(r.legacyId);
  const [existing] = known ? await tx<{ id: string; email: string | null }[]>`select id, email from auth.users where id = ${known}` : [];
  let userId = existing?.id;
  let account: Outcome['account'];
  let created = false;
  if (existing && (existing.email ?? '').toLowerCase() !== r.email) {
    // The account's email is left alone: it may have been changed (and confirmed) in Supabase since.
    report.warnings.push({ legacyId: r.legacyId, email: r.email, reason: `already imported with another email (${existing.email}): matched by legacy id, the account's email is kept` });
  }
  if (!userId) {
    const [byEmail] = await tx<{ legacy_id: string | null }[]>`
      select raw_app_meta_data ->> 'legacy_id' as legacy_id from auth.users where lower(email) = ${r.email}`;
    if (byEmail) {
      return conflict(byEmail.legacy_id ? `email already imported for legacy id ${byEmail.legacy_id}` : 'email already belongs to a Supabase account');
    }
    // Hashing a plaintext password is slow on purpose, so it happens only for accounts being created.
    const password = await preparePassword(r);
    if (password.warning) report.warnings.push({ legacyId: r.legacyId, email: r.email, reason: password.warning });
    const hash = password.hash;
    const providers = ['email', r.googleId && 'google', r.appleId && 'apple'].filter(Boolean) as string[];
    // The provider the person signed up with, when their identity for it is imported too.
    const signUp = providers.includes(r.oauthProvider ?? '') && r.oauthProvider !== 'email' ? r.oauthProvider! : providers[0];
    if ((r.oauthProvider === 'google' || r.oauthProvider === 'apple') && !providers.includes(r.oauthProvider)) {
      report.warnings.push({ legacyId: r.legacyId, email: r.email, reason: `signed up with ${r.oauthProvider} but the export has no ${r.oauthProvider} account id: "Continue with ${r.oauthProvider === 'google' ? 'Google' : 'Apple'}" will not find this account until the person links it` });
    }
    const [user] = await tx<{ id: string }[]>`
      insert into auth.users (instance_id, id, aud, role, email, encrypted_password, email_confirmed_at, raw_app_meta_data,
        raw_user_meta_data, created_at, updated_at, confirmation_token, recovery_token, email_change_token_new, email_change)
      values ('00000000-0000-0000-0000-000000000000', gen_random_uuid(), 'authenticated', 'authenticated', ${r.email}, ${hash},
        ${r.emailVerified ? new Date() : null},
        ${tx.json({ provider: signUp, providers: [signUp, ...providers.filter((p) => p !== signUp)], legacy_id: r.legacyId })},
        ${tx.json(r.name ? { full_name: r.name } : {})}, ${r.createdAt ? new Date(r.createdAt) : new Date()}, now(), '', '', '', '')
      returning id`;
    userId = user.id;
    created = true;
    account = { password: password.source, confirmed: r.emailVerified };
    if (hash) {
      await tx`insert into auth.identities (provider_id, user_id, identity_data, provider, created_at, updated_at)
               values (${userId}, ${userId}, ${tx.json({ sub: userId, email: r.email, email_verified: r.emailVerified })}, 'email', now(), now())`;
    }
  }
  for (const [provider, sub] of [['google', r.googleId], ['apple', r.appleId]] as const) {
    if (!sub) continue;
    const [owner] = await tx<{ user_id: string }[]>`select user_id from auth.identities where provider = ${provider} and provider_id = ${sub}`;
    if (owner && owner.user_id !== userId) return conflict(`${provider} account ${sub} already belongs to another user`);
    if (!owner) {
      await tx`insert into auth.identities (provider_id, user_id, identity_data, provider, created_at, updated_at)
               values (${sub}, ${userId}, ${tx.json({ sub, email: r.email, email_verified: true })}, ${provider}, now(), now())`;
      created = true;
    }
  }
  if (r.username !== undefined || r.xp !== undefined || r.coins !== undefined) {
    if (r.username) {
      const [taken] = await tx`select 1 from public.player_stats where username = ${r.username} and user_id <> ${userId}`;
      if (taken) return conflict(`username ${r.username} is taken`);
    }
    const inserted = await tx`
      insert into public.player_stats (user_id, username, xp, coins) values (${userId}, ${r.username ?? null}, ${r.xp ?? 0}, ${r.coins ?? 0})
      on conflict (user_id) do nothing returning 1`;
    created ||= inserted.length > 0;
  }
  if (r.stripeCustomerId) {
    const [mapped] = await tx<{ user_id: string }[]>`select user_id from billing.stripe_customers where stripe_customer_id = ${r.stripeCustomerId}`;
    if (mapped && mapped.user_id !== userId) return conflict(`Stripe customer ${r.stripeCustomerId} is linked to another user`);
    if (!mapped) {
      const [mine] = await tx`select 1 from billing.stripe_customers where user_id = ${userId}`;
      if (mine) return conflict('the user already has another Stripe customer');
      await tx`select billing.link_stripe_customer(${userId}, ${r.stripeCustomerId}, ${r.stripeLivemode ?? false})`;
      created = true;
    }
  }
  return { result: created ? 'created' : 'unchanged', userId, account };
}

/** Refreshes imported subscriptions from the stores (only with credentials), through the same apply paths as the webhooks. */
async function refreshFromStores(sql: Sql, imported: { record: ImportRecord; userId: string }[], report: ImportReport) {
  const env = process.env;
  if (env.STRIPE_SECRET_KEY) {
    const { stripe } = await import('../supabase/functions/_shared/stripe-client.ts');
    const { syncStripeSubscription } = await import('../supabase/functions/_shared/stripe-sync.ts');
    for (const { record: r } of imported.filter((x) => x.record.stripeCustomerId)) {
      const [link] = await sql<{ user_id: string }[]>`select user_id from billing.stripe_customers where stripe_customer_id = ${r.stripeCustomerId!}`;
      if (!link) continue;
      const subs = await stripe().subscriptions.list({ customer: r.stripeCustomerId!, status: 'all', limit: 100 });
      for (const sub of subs.data) {
        // The webhook's path: serialized with live webhooks, and a refunded period stays refunded.
        const eventAt = new Date();
        await syncStripeSubscription({ store: 'stripe', eventId: `import:${sub.id}:${eventAt.getTime()}`, eventType: 'import.refresh', eventAt }, sub.id, null);
        report.refreshed.stripe += 1;
      }
    }
  }
  // Linked to the account the person was matched to (by legacy id), whatever its email is now.
  const appleIds = imported.flatMap(({ record: r, userId }) => r.appleOriginalTransactionIds.map((id) => ({ id, email: r.email, userId })));
  if (env.APP_STORE_SERVER_API_KEY_ID && appleIds.length) {
    const { refreshSubscription } = await import('../supabase/functions/_shared/app-store-reconcile.ts');
    const { appleConfig } = await import('../supabase/functions/_shared/config.ts');
    for (const { id, email, userId } of appleIds) {
      try {
        await refreshSubscription(id, appleConfig().environment);
      } catch (error) {
        report.warnings.push({ legacyId: id, email, reason: `App Store refresh failed: ${error instanceof Error ? error.message : error}` });
        continue;
      }
      const [claim] = await sql<{ outcome: string }[]>`select outcome from billing.claim_subscription('app_store', ${id}, ${userId}, false, 'import')`;
      if (claim.outcome === 'owned_by_other') report.conflicts.push({ legacyId: id, email, reason: `App Store purchase ${id} already belongs to another user` });
      else report.refreshed.appStore += 1;
    }
  } else if (appleIds.length) {
    report.warnings.push({ legacyId: '*', reason: `${appleIds.length} App Store purchase(s) not linked yet: give App Store Server API credentials, or the app's restore links them on first launch` });
  }
}

export async function importUsers(sql: Sql, exported: unknown[], mapping: Mapping, options: ImportOptions = {}): Promise<ImportReport> {
  const progress = options.progress ?? (() => {});
  const report: ImportReport = {
    total: exported.length, created: 0, unchanged: 0, passwords: { bcrypt: 0, hashedFromPlaintext: 0, none: 0 }, emails: { confirmed: 0, unconfirmed: 0 },
    skipped: [], conflicts: [], warnings: [], refreshed: { stripe: 0, appStore: 0 },
  };
  // Map everything first: which of several records of one person is imported depends on all of them.
  const mapped = exported.map((raw, i) => {
    const { record, problem } = mapRecord(raw, mapping, options);
    if (!record) report.skipped.push({ legacyId: String(at(raw, mapping.legacyId) ?? `#${i}`), reason: problem! });
    return record;
  });
  const { keep, dropped } = resolveDuplicates(mapped.filter((r): r is ImportRecord => r !== undefined));
  report.conflicts.push(...dropped);
  // Who was imported before, by legacy id: read once (auth.users has no index on app_metadata).
  const legacyUsers = new Map<string, string>();
  for (const row of await sql<{ legacy_id: string; id: string }[]>`
    select raw_app_meta_data ->> 'legacy_id' as legacy_id, id from auth.users where raw_app_meta_data ? 'legacy_id' order by created_at desc`) {
    legacyUsers.set(row.legacy_id, row.id); // oldest last, so the first account imported for an id wins
  }
  const imported: { record: ImportRecord; userId: string }[] = [];
  for (const [i, record] of mapped.entries()) {
    if (record && keep.has(record)) {
      // One transaction per person: a conflict leaves nothing half-imported.
      const outcome = await sql.begin(async (tx) => {
        const result = await importOne(tx, record, report, legacyUsers);
        if (result.result === 'conflict') throw Object.assign(new Error('conflict'), { conflict: true });
        return result;
      }).catch((error): Outcome => {
        if ((error as { conflict?: boolean }).conflict) return { result: 'conflict' };
        throw error;
      });
      if (outcome.result === 'created') report.created += 1;
      if (outcome.result === 'unchanged') report.unchanged += 1;
      if (outcome.account) {
        report.passwords[outcome.account.password === 'plaintext' ? 'hashedFromPlaintext' : outcome.account.password] += 1;
        report.emails[outcome.account.confirmed ? 'confirmed' : 'unconfirmed'] += 1;
      }
      if (outcome.userId) {
        legacyUsers.set(record.legacyId, outcome.userId);
        imported.push({ record, userId: outcome.userId });
      }
    }
    if ((i + 1) % 500 === 0) progress(`${i + 1}/${exported.length} processed (${report.created} created, ${report.unchanged} unchanged, ${report.conflicts.length} conflicts)`);
  }
  await refreshFromStores(sql, imported, report);
  return report;
}

const USAGE = 'Usage: SUPABASE_DB_URL=… import-users.ts --input export.json|export.jsonl [--format generic|mainusers] [--mapping mapping.json] [--trust-emails] [--report import-report.json]';

async function main(): Promise<number> {
  const input = stringArg('input');
  const format = stringArg('format') ?? 'generic';
  if (!input || !process.env.SUPABASE_DB_URL || !Object.hasOwn(FORMATS, format)) {
    if (!Object.hasOwn(FORMATS, format)) console.error(`Unknown --format ${format}: one of ${Object.keys(FORMATS).join(', ')}`);
    console.error(USAGE);
    return 2;
  }
  const exported = parseExport(await readFile(input, 'utf8'));
  const mappingFile = stringArg('mapping');
  const mapping: Mapping = { ...FORMATS[format], ...(mappingFile ? JSON.parse(await readFile(mappingFile, 'utf8')) : {}) };
  const trustEmails = process.argv.slice(2).includes('--trust-emails');
  const sql = postgres(process.env.SUPABASE_DB_URL, { max: 2, onnotice: () => {}, prepare: false });
  try {
    console.log(`Importing ${exported.length} user(s) from ${input} (format ${format}${trustEmails ? ', trusting every email the export does not mark unverified' : ''})`);
    const report = await importUsers(sql, exported, mapping, { trustEmails, progress: (line) => console.log(`  ${line}`) });
    const reportFile = stringArg('report') ?? 'import-report.json';
    await writeFile(reportFile, JSON.stringify(report, null, 2));
    console.log(`Done: ${report.created} created, ${report.unchanged} unchanged, ${report.skipped.length} skipped, ${report.conflicts.length} conflicts, ${report.warnings.length} warnings; `
      + `new accounts: ${report.passwords.bcrypt} bcrypt password(s) kept, ${report.passwords.hashedFromPlaintext} plaintext password(s) hashed, ${report.passwords.none} without a password, `
      + `${report.emails.unconfirmed} unconfirmed email(s); refreshed ${report.refreshed.stripe} Stripe and ${report.refreshed.appStore} App Store subscription(s). Report: ${reportFile}`);
    return 0;
  } finally {
    await sql.end();
    const { db } = await import('../supabase/functions/_shared/db.ts');
    if (process.env.STRIPE_SECRET_KEY || process.env.APP_STORE_SERVER_API_KEY_ID) await db().end().catch(() => {});
  }
}

if (process.argv[1]?.endsWith('import-users.ts')) {
  main().then((code) => process.exit(code), (error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
