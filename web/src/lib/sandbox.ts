// The local sandbox (`npm run dev`, or a `supabase start` stack): a build whose Supabase URL is this
// machine. Every page then says so, so test data is never mistaken for the real service.
import type { WebConfig } from '../config.ts';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

export function isLocalSandbox(config: Pick<WebConfig, 'supabaseUrl'>): boolean {
  try {
    return LOOPBACK.has(new URL(config.supabaseUrl).hostname);
  } catch {
    return false;
  }
}
