// The browser's Supabase client, built from the two pieces this app uses — Auth (@supabase/auth-js)
// and the Data API (@supabase/postgrest-js) — instead of the umbrella @supabase/supabase-js, whose
// Storage, Realtime and Functions clients we never call: 30 KB gzip instead of 65 KB (`npm run
// bench:web`). It is wired as supabase-js wires it: the same auth options (PKCE for OAuth and email
// links, session persisted and refreshed, `?code=` exchanged on load), the same storage key, and
// every Data API request carrying the API key and the signed-in user's access token.
// Typed end to end: `from()` knows the tables and views of the generated schema types.
import { AuthClient, type GoTrueClient } from '@supabase/auth-js';
import { PostgrestClient } from '@supabase/postgrest-js';
import type { Database } from '../../../supabase/functions/_shared/database.types.ts';
import type { WebConfig } from '../config.ts';

/** What the Data API exposes (config.toml [api] schemas): `billing` is private, read by functions only. */
export type PublicDatabase = Pick<Database, 'public'>;

/** A row of a table or view the Data API exposes, as generated. */
export type Row<Name extends keyof PublicDatabase['public']['Tables'] | keyof PublicDatabase['public']['Views']> =
  (PublicDatabase['public']['Tables'] & PublicDatabase['public']['Views'])[Name]['Row'];

export interface SupabaseClient {
  auth: GoTrueClient;
  from: PostgrestClient<PublicDatabase>['from'];
  rpc: PostgrestClient<PublicDatabase>['rpc'];
}

/** supabase-js's storage key (`sb-<project ref>-auth-token`), so sessions read the same under either client. */
export function storageKeyFor(supabaseUrl: string): string {
  return `sb-${new URL(supabaseUrl).hostname.split('.')[0]}-auth-token`;
}

export function createSupabaseClient(config: Pick<WebConfig, 'supabaseUrl' | 'supabasePublishableKey'>): SupabaseClient {
  const key = config.supabasePublishableKey;
  const auth = new AuthClient({
    url: `${config.supabaseUrl}/auth/v1`,
    headers: { Authorization: `Bearer ${key}`, apikey: key },
    storageKey: storageKeyFor(config.supabaseUrl),
    flowType: 'pkce',
    autoRefreshToken: true,
    persistSession: true,
    detectSessionInUrl: true,
  });
  // As supabase-js's fetchWithAuth: the user's access token when signed in, else the API key.
  const fetchWithAuth: typeof fetch = async (input, init) => {
    const { data } = await auth.getSession();
    const headers = new Headers(init?.headers);
    if (!headers.has('apikey')) headers.set('apikey', key);
    if (!headers.has('Authorization')) headers.set('Authorization', `Bearer ${data.session?.access_token ?? key}`);
    return fetch(input, { ...init, headers });
  };
  const rest = new PostgrestClient<PublicDatabase>(`${config.supabaseUrl}/rest/v1`, { fetch: fetchWithAuth });
  return { auth, from: rest.from.bind(rest), rpc: rest.rpc.bind(rest) as SupabaseClient['rpc'] };
}

let client: SupabaseClient | undefined;

/** One client per page: two would race each other refreshing the same session. */
export function supabaseFor(config: WebConfig): SupabaseClient {
  client ??= createSupabaseClient(config);
  return client;
}
