// Supabase Auth and the Data API for `npm run dev` without Docker: the stand-in the browser tests
// use (web/e2e/fakes/fake-supabase.ts — GoTrue's endpoints and JSON, users in the real auth tables
// of the dev database, Data API requests run in that database under the caller's role, so RLS
// applies), reached through the dev gateway at /auth/v1 and /rest/v1 as on `supabase start`.
// Access tokens are signed with the local key the edge functions trust, and carry the claims of the
// configured custom access token hook. Emails are not sent: `onMail` gets them (the code and link).
import postgres from 'postgres';
import { FakeSupabase, type Mail } from '../../web/e2e/fakes/fake-supabase.ts';
import { asApiRole } from '../../supabase/tests/helpers/test-database.ts';
import { accessTokenIssuer } from '../../supabase/tests/helpers/access-token-hook.ts';
import type { TestSigner } from '../../supabase/tests/helpers/access-tokens.ts';
import { freePort } from './local-postgres.ts';

export interface LocalAuth {
  /** Where the stand-in listens (the gateway proxies to it). */
  url: string;
  stop(): Promise<void>;
}

export async function startLocalAuth(options: {
  /** As `postgres` (the stand-in writes auth.users as GoTrue's own role would). */
  dbUrl: string;
  /** As `authenticator`, the role PostgREST connects as. */
  authenticatorUrl: string;
  /** A superuser URL, to run the custom access token hook as GoTrue's supabase_auth_admin does. */
  superuserUrl: string;
  signer: TestSigner;
  /** The public URL (the gateway): links in emails point there. */
  publicUrl: string;
  onMail: (mail: Mail) => void;
}): Promise<LocalAuth> {
  const owner = postgres(options.dbUrl, { max: 4, onnotice: () => {} });
  const api = postgres(options.authenticatorUrl, { max: 4, onnotice: () => {} });
  const db = { owner, asApi: <T>(role: Parameters<typeof asApiRole>[1], claims: Record<string, unknown>, fn: Parameters<typeof asApiRole<T>>[3]) => asApiRole(api, role, claims, fn) };
  const supabase = await new FakeSupabase(db, options.signer, {}, await freePort()).start();
  const internalUrl = supabase.url;
  supabase.url = options.publicUrl;
  supabase.onMail = options.onMail;
  supabase.accessTokens = await accessTokenIssuer(options.superuserUrl);
  return {
    url: internalUrl,
    async stop() {
      await supabase.stop();
      await supabase.accessTokens?.end();
      await owner.end();
      await api.end();
    },
  };
}

/** One line per email, with what a person needs from it. */
export function describeMail(mail: Mail): string {
  return mail.kind === 'confirmation'
    ? `Email to ${mail.to} (confirm sign-up): code ${mail.code} — or open ${mail.link}`
    : `Email to ${mail.to} (reset password): open ${mail.link}`;
}
