// Calls to our edge functions with the signed-in user's access token. Errors carry the stable
// codes the functions return ({ error: { code, message } }).
import type { SupabaseClient } from './supabase.ts';
import type { WebConfig } from '../config.ts';

export class FunctionError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly details: Record<string, unknown> = {}) {
    super(message);
  }
}

export async function callFunction<T>(
  config: WebConfig,
  supabase: SupabaseClient,
  name: string,
  init: { method?: 'GET' | 'POST'; body?: unknown; authenticated?: boolean } = {},
): Promise<T> {
  let accessToken: string | undefined;
  if (init.authenticated !== false) {
    const { data } = await supabase.auth.getSession();
    if (!data.session) throw new FunctionError(401, 'unauthorized', 'Please sign in first.');
    accessToken = data.session.access_token;
  }
  return requestFunction<T>(config, name, { method: init.method, body: init.body, accessToken });
}

/** One request to an edge function, as the person whose access token is given (if any). */
export async function requestFunction<T>(
  config: Pick<WebConfig, 'supabaseUrl' | 'supabasePublishableKey'>,
  name: string,
  init: { method?: 'GET' | 'POST'; body?: unknown; accessToken?: string } = {},
): Promise<T> {
  const headers: Record<string, string> = { apikey: config.supabasePublishableKey };
  if (init.accessToken) headers.authorization = `Bearer ${init.accessToken}`;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(`${config.supabaseUrl}/functions/v1/${name}`, {
      method: init.method ?? 'POST',
      headers,
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
  } catch {
    throw new FunctionError(0, 'network', 'We cannot reach the server. Check your connection and try again.');
  }
  const body = await response.json().catch(() => null);
  if (!response.ok) {
    const error = body?.error ?? {};
    throw new FunctionError(response.status, error.code ?? 'internal_error', error.message ?? 'Something went wrong. Please try again.', error);
  }
  return body as T;
}

export interface SubscribeResult {
  subscriptionId: string;
  intentType: 'payment' | 'setup';
  clientSecret: string;
  status: string;
  amount: number;
  currency: string;
  interval: string;
}
