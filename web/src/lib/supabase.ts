// The browser Supabase client (cookies-based session from @supabase/ssr, PKCE for OAuth and email links).
import { createBrowserClient } from '@supabase/ssr';
import type { SupabaseClient } from '@supabase/supabase-js';
import type { WebConfig } from '../config.ts';

let client: SupabaseClient | undefined;

export function supabaseFor(config: WebConfig): SupabaseClient {
  client ??= createBrowserClient(config.supabaseUrl, config.supabasePublishableKey);
  return client;
}
