// Which record of an export is imported when several describe the same person.
//
// Supabase Auth stores emails lower-cased and unique, so records whose emails differ only in letter
// case (`Ada@x.test`, `ada@x.test`) are one account: exactly one of them can be imported. The
// choice must not depend on the order of the export (mongoexport's order is not stable), so a
// re-run with a fresh export keeps the same person:
//
//   1. the record that owns billing data (a Stripe customer or App Store purchases) — the person
//      who pays is the real owner of the address, and dropping billing data loses a subscription;
//   2. then the account created first (`createdAt`; records without a valid date come last);
//   3. then the smallest legacy id (plain string order; for MongoDB ObjectIds that is also
//      creation order, their first 4 bytes being a timestamp).
//
// Every other record is reported with the reason. When both own billing data, the dropped
// record's billing data is named in the reason, to be merged by hand.
import type { ImportRecord, Problem } from '../import-users.ts';

export function ownsBilling(r: ImportRecord): boolean {
  return Boolean(r.stripeCustomerId) || r.appleOriginalTransactionIds.length > 0;
}

function createdAtMs(r: ImportRecord): number {
  const ms = r.createdAt ? Date.parse(r.createdAt) : Number.NaN;
  return Number.isNaN(ms) ? Number.POSITIVE_INFINITY : ms;
}

/** Sort order of the rule above: the record to keep first. */
export function keepFirst(a: ImportRecord, b: ImportRecord): number {
  const billing = Number(ownsBilling(b)) - Number(ownsBilling(a));
  if (billing !== 0) return billing;
  const [ta, tb] = [createdAtMs(a), createdAtMs(b)];
  if (ta !== tb) return ta < tb ? -1 : 1;
  return a.legacyId < b.legacyId ? -1 : a.legacyId > b.legacyId ? 1 : 0;
}

function billingOf(r: ImportRecord): string {
  return [
    r.stripeCustomerId && `Stripe customer ${r.stripeCustomerId}`,
    r.appleOriginalTransactionIds.length > 0 && `App Store purchase(s) ${r.appleOriginalTransactionIds.join(', ')}`,
  ].filter(Boolean).join(' and ');
}

function whyKept(kept: ImportRecord, dropped: ImportRecord): string {
  if (ownsBilling(kept) && !ownsBilling(dropped)) return 'it owns billing data and this record does not';
  const order = createdAtMs(kept) !== createdAtMs(dropped) ? 'it was created first' : 'it has the smaller legacy id';
  if (ownsBilling(kept)) return `both own billing data and ${order}; this record's ${billingOf(dropped)} was NOT imported: merge it by hand`;
  return `neither owns billing data and ${order}`;
}

/**
 * Pure: the records to import (in export order) and the ones left out, with the reason. A legacy id
 * that appears twice keeps its first record; emails are compared lower-cased (mapRecord lower-cases them).
 */
export function resolveDuplicates(records: ImportRecord[]): { keep: Set<ImportRecord>; dropped: Problem[] } {
  const dropped: Problem[] = [];
  const byLegacyId = new Map<string, ImportRecord>();
  for (const r of records) {
    if (byLegacyId.has(r.legacyId)) {
      dropped.push({ legacyId: r.legacyId, email: r.email, reason: 'legacy id appears more than once in the export: only its first record is imported' });
    } else {
      byLegacyId.set(r.legacyId, r);
    }
  }
  const byEmail = new Map<string, ImportRecord[]>();
  for (const r of byLegacyId.values()) {
    const key = r.email.toLowerCase();
    byEmail.set(key, [...(byEmail.get(key) ?? []), r]);
  }
  const keep = new Set<ImportRecord>();
  for (const group of byEmail.values()) {
    const [kept, ...others] = [...group].sort(keepFirst);
    keep.add(kept);
    for (const r of others) {
      dropped.push({ legacyId: r.legacyId, email: r.email, reason: `same email (ignoring letter case) as legacy id ${kept.legacyId}, which is imported instead: ${whyKept(kept, r)}` });
    }
  }
  return { keep, dropped };
}
