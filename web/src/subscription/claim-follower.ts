// Keeps the session's access token in step with the subscription the app reads. Every access token
// carries an `entitlements` claim (Supabase Auth's custom access token hook: the person's row of
// public.subscriptions when the token was issued) that other backends check offline. When the app
// reads a row the claim no longer matches — a payment went through, the portal cancelled, a refund
// or an App Store purchase landed — it refreshes the session, so the claim follows within seconds
// instead of at the token's expiry.
//
// Never a loop: a refresh happens only when the token carries the claim (no hook, nothing to
// follow) and disagrees with the row, at most once per state of the row (if a fresh token still
// disagreed, asking again would not help), and bursts of reads are coalesced into one refresh.
import { claimFollowsRow, entitlementClaim } from '../../../supabase/functions/_shared/entitlement-claims.ts';
import type { SubscriptionRow } from '../domain/subscription.ts';

/** The payload of a JWT, unverified: only to compare with what the app just read, never to grant anything. */
export function tokenPayload(accessToken: string): Record<string, unknown> | null {
  const part = accessToken.split('.')[1];
  if (!part) return null;
  try {
    const base64 = part.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(part.length / 4) * 4, '=');
    const json = new TextDecoder().decode(Uint8Array.from(atob(base64), (c) => c.charCodeAt(0)));
    const payload: unknown = JSON.parse(json);
    return typeof payload === 'object' && payload !== null ? (payload as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** Does this access token need refreshing to say what the row says? */
export function tokenIsBehind(accessToken: string, row: SubscriptionRow | null, now: Date): boolean {
  const payload = tokenPayload(accessToken);
  const claim = payload ? entitlementClaim(payload) : null;
  return claim !== null && !claimFollowsRow(claim, row, now);
}

export interface ClaimFollower {
  /** After each read of the row: schedules a refresh when the token is behind it. */
  observe(accessToken: string | undefined, userId: string, row: SubscriptionRow | null): void;
  dispose(): void;
}

export function createClaimFollower(refreshSession: () => Promise<unknown>, options: { delayMs?: number; now?: () => Date } = {}): ClaimFollower {
  const delayMs = options.delayMs ?? 500;
  const now = options.now ?? (() => new Date());
  let timer: ReturnType<typeof setTimeout> | undefined;
  let refreshedFor: string | undefined;
  return {
    observe(accessToken, userId, row) {
      if (!accessToken || !tokenIsBehind(accessToken, row, now())) {
        clearTimeout(timer);
        timer = undefined;
        return;
      }
      const state = `${userId}:${JSON.stringify(row)}`;
      if (state === refreshedFor) return;
      clearTimeout(timer);
      timer = setTimeout(() => {
        timer = undefined;
        refreshedFor = state;
        void refreshSession().catch(() => {
          // Offline or Auth unreachable: the session refreshes itself before expiry anyway.
        });
      }, delayMs);
    },
    dispose() {
      clearTimeout(timer);
      timer = undefined;
    },
  };
}
