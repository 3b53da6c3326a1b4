// Brings the users of the apps this project replaces into Supabase: accounts (bcrypt password
// hashes kept, so nobody resets a password), their Google / Apple identities, profiles, app data
// (username, XP, coins), Stripe customers and App Store purchases — and, when store credentials are
// given, refreshes each subscription from the stores.
//
//   npx tsx scripts/import-users.ts --input export.json [--mapping mapping.json] [--report import-report.json]
//
// Env: SUPABASE_DB_URL (required); optional STRIPE_SECRET_KEY (refresh Stripe subscriptions) and the
// APPLE_* + APP_STORE_SERVER_API_* variables (refresh App Store subscriptions).
// The export format and the mapping file are documented in docs/import-users.md.
// Idempotent: a second run changes nothing. Conflicts and skips go to the report.
import { readFile, writeFile } from 'node:fs/promises';
import postgres, { type Sql, type TransactionSql } from 'postgres';
import { stringArg } from './lib/args.ts';

export interface ImportRecord {
  legacyId: string;
  email: string;
  emailVerified: boolean;
  passwordHash?: string;
  name?: string;
  googleId?: string;
  appleId?: string;
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

export const DEFAULT_MAPPING: Mapping = {
  legacyId: 'id', email: 'email', emailVerified: 'emailVerified', passwordHash: 'passwordHash', name: 'name',
  googleId: 'googleId', appleId: 'appleId', stripeCustomerId: 'stripeCustomerId', stripeLivemode: 'stripeLivemode',
  appleOriginalTransactionIds: 'appleOriginalTransactionIds', username: 'username', xp: 'xp', coins: 'coins', createdAt: 'createdAt',
};

export interface Problem {
  legacyId: string;
  email?: string;
  reason: string;
}

export interface ImportReport {
  total: number;
  created: number;
  unchanged: number;
  skipped: Problem[];
  conflicts: Problem[];
  warnings: Problem[];
  refreshed: { stripe: number; appStore: number };
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const BCRYPT = /^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$/;

function at(record: unknown, path: string | undefined): unknown {
  if (!path) return undefined;
  return path.split('.').reduce<unknown>((node, key) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined), record);
}

const text = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim() : v === undefined || v === null ? undefined : String(v));
const count = (v: unknown) => (v === undefined || v === null || v === '' ? undefined : Number(v));

/** Pure: one export record → a canonical record, or the reason it cannot be imported. */
export function mapRecord(raw: unknown, mapping: Mapping): { record?: ImportRecord; problem?: string } {
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
      emailVerified: at(raw, mapping.emailVerified) !== false,
      passwordHash: text(at(raw, mapping.passwordHash)),
      name: text(at(raw, mapping.name)),
      googleId: text(at(raw, mapping.googleId)),
      appleId: text(at(raw, mapping.appleId)),
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

async function importOne(tx: TransactionSql, r: ImportRecord, report: ImportReport): Promise<'created' | 'unchanged' | 'conflict'> {
  const conflict = (reason: string) => {
    report.conflicts.push({ legacyId: r.legacyId, email: r.email, reason });
    return 'conflict' as const;
  };
  const [existing] = await tx<{ id: string; legacy_id: string | null }[]>`
    select id, raw_app_meta_data ->> 'legacy_id' as legacy_id from auth.users where lower(email) = ${r.email}`;
  if (existing && existing.legacy_id !== r.legacyId) {
    return conflict(existing.legacy_id ? `email already imported for legacy id ${existing.legacy_id}` : 'email already belongs to a Supabase account');
  }
  let userId = existing?.id;
  let created = false;
  if (!userId) {
    let hash = r.passwordHash ?? '';
    if (hash && !BCRYPT.test(hash)) {
      report.warnings.push({ legacyId: r.legacyId, email: r.email, reason: 'password hash is not bcrypt: imported without a password (reset or OAuth)' });
      hash = '';
    }
    // $2y$ (PHP) and $2b$ (OpenBSD) are the same algorithm as $2a$ for passwords under 256 bytes;
    // $2a$ is the prefix both Supabase Auth (Go) and pgcrypto accept.
    hash = hash.replace(/^\$2[by]\$/, '$2a$');
    const providers = ['email', r.googleId && 'google', r.appleId && 'apple'].filter(Boolean) as string[];
    const [user] = await tx<{ id: string }[]>`
      insert into auth.users (instance_id, id, aud, role, email, encrypted_password, email_confirmed_at, raw_app_meta_data,
        raw_user_meta_data, created_at, updated_at, confirmation_token, recovery_token, email_change_token_new, email_change)
      values ('00000000-0000-0000-0000-000000000000', gen_random_uuid(), 'authenticated', 'authenticated', ${r.email}, ${hash},
        ${r.emailVerified ? new Date() : null},
        ${tx.json({ provider: providers[0], providers, legacy_id: r.legacyId })},
        ${tx.json(r.name ? { full_name: r.name } : {})}, ${r.createdAt ? new Date(r.createdAt) : new Date()}, now(), '', '', '', '')
      returning id`;
    userId = user.id;
    created = true;
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
  return created ? 'created' : 'unchanged';
}

/** Refreshes imported subscriptions from the stores (only with credentials), through the same apply paths as the webhooks. */
async function refreshFromStores(sql: Sql, records: ImportRecord[], report: ImportReport) {
  const env = process.env;
  if (env.STRIPE_SECRET_KEY) {
    const { stripe } = await import('../supabase/functions/_shared/stripe-client.ts');
    const { syncStripeSubscription } = await import('../supabase/functions/_shared/stripe-sync.ts');
    for (const r of records.filter((x) => x.stripeCustomerId)) {
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
  const appleIds = records.flatMap((r) => r.appleOriginalTransactionIds.map((id) => ({ id, email: r.email })));
  if (env.APP_STORE_SERVER_API_KEY_ID && appleIds.length) {
    const { refreshSubscription } = await import('../supabase/functions/_shared/app-store-reconcile.ts');
    const { appleConfig } = await import('../supabase/functions/_shared/config.ts');
    for (const { id, email } of appleIds) {
      const [user] = await sql<{ id: string }[]>`select id from auth.users where lower(email) = ${email}`;
      if (!user) continue; // the person was not imported (conflict): nothing to link to
      try {
        await refreshSubscription(id, appleConfig().environment);
      } catch (error) {
        report.warnings.push({ legacyId: id, email, reason: `App Store refresh failed: ${error instanceof Error ? error.message : error}` });
        continue;
      }
      const [claim] = await sql<{ outcome: string }[]>`select outcome from billing.claim_subscription('app_store', ${id}, ${user.id}, false, 'import')`;
      if (claim.outcome === 'owned_by_other') report.conflicts.push({ legacyId: id, email, reason: `App Store purchase ${id} already belongs to another user` });
      else report.refreshed.appStore += 1;
    }
  } else if (appleIds.length) {
    report.warnings.push({ legacyId: '*', reason: `${appleIds.length} App Store purchase(s) not linked yet: give App Store Server API credentials, or the app's restore links them on first launch` });
  }
}

export async function importUsers(sql: Sql, exported: unknown[], mapping: Mapping, progress = (_: string) => {}): Promise<ImportReport> {
  const report: ImportReport = { total: exported.length, created: 0, unchanged: 0, skipped: [], conflicts: [], warnings: [], refreshed: { stripe: 0, appStore: 0 } };
  const seen = new Map<string, string>();
  const imported: ImportRecord[] = [];
  for (const [i, raw] of exported.entries()) {
    const { record, problem } = mapRecord(raw, mapping);
    if (!record) {
      report.skipped.push({ legacyId: String(at(raw, mapping.legacyId) ?? `#${i}`), reason: problem! });
      continue;
    }
    const first = seen.get(record.email);
    if (first && first !== record.legacyId) {
      report.conflicts.push({ legacyId: record.legacyId, email: record.email, reason: `same email as legacy id ${first} earlier in the export` });
      continue;
    }
    seen.set(record.email, record.legacyId);
    // One transaction per person: a conflict leaves nothing half-imported.
    const outcome = await sql.begin(async (tx) => {
      const result = await importOne(tx, record, report);
      if (result === 'conflict') throw Object.assign(new Error('conflict'), { conflict: true });
      return result;
    }).catch((error) => {
      if ((error as { conflict?: boolean }).conflict) return 'conflict' as const;
      throw error;
    });
    if (outcome === 'created') report.created += 1;
    if (outcome === 'unchanged') report.unchanged += 1;
    if (outcome !== 'conflict') imported.push(record);
    if ((i + 1) % 500 === 0) progress(`${i + 1}/${exported.length} processed (${report.created} created, ${report.unchanged} unchanged, ${report.conflicts.length} conflicts)`);
  }
  await refreshFromStores(sql, imported, report);
  return report;
}

async function main(): Promise<number> {
  const input = stringArg('input');
  if (!input || !process.env.SUPABASE_DB_URL) {
    console.error('Usage: SUPABASE_DB_URL=… import-users.ts --input export.json [--mapping mapping.json] [--report import-report.json]');
    return 2;
  }
  const parsed = JSON.parse(await readFile(input, 'utf8'));
  const exported: unknown[] = Array.isArray(parsed) ? parsed : parsed.users;
  if (!Array.isArray(exported)) throw new Error('The export must be a JSON array of users, or { "users": [...] }');
  const mappingFile = stringArg('mapping');
  const mapping: Mapping = mappingFile ? { ...DEFAULT_MAPPING, ...JSON.parse(await readFile(mappingFile, 'utf8')) } : DEFAULT_MAPPING;
  const sql = postgres(process.env.SUPABASE_DB_URL, { max: 2, onnotice: () => {}, prepare: false });
  try {
    console.log(`Importing ${exported.length} user(s) from ${input}`);
    const report = await importUsers(sql, exported, mapping, (line) => console.log(`  ${line}`));
    const reportFile = stringArg('report') ?? 'import-report.json';
    await writeFile(reportFile, JSON.stringify(report, null, 2));
    console.log(`Done: ${report.created} created, ${report.unchanged} unchanged, ${report.skipped.length} skipped, ${report.conflicts.length} conflicts, ${report.warnings.length} warnings; refreshed ${report.refreshed.stripe} Stripe and ${report.refreshed.appStore} App Store subscription(s). Report: ${reportFile}`);
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
