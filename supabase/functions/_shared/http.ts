// HTTP plumbing shared by the edge functions: JSON responses with stable error codes, CORS limited
// to our web origins, bounded request bodies, and one error boundary per request.
import { ConfigError, webConfig } from './config.ts';
import { isDatabaseUnavailable, isStripeUnavailable } from './dependency-errors.ts';

/** Stable, documented error codes clients may switch on. */
export type ErrorCode =
  | 'method_not_allowed'
  | 'unauthorized'
  | 'origin_not_allowed'
  | 'invalid_json'
  | 'invalid_request'
  | 'payload_too_large'
  | 'invalid_signature'
  | 'invalid_event'
  | 'wrong_app'
  | 'wrong_environment'
  | 'sandbox_not_allowed'
  | 'verification_unavailable'
  | 'unknown_product'
  | 'owned_by_another_account'
  | 'account_not_found'
  | 'apple_unavailable'
  | 'already_subscribed'
  | 'price_changed'
  | 'no_billing_account'
  | 'invalid_return_url'
  // Buy on the web from the iOS app (web-checkout-link, web-checkout-exchange).
  | 'storefront_not_eligible'
  | 'no_email_address'
  | 'too_many_links'
  | 'link_expired'
  | 'signed_in_as_another_account'
  | 'auth_unavailable'
  | 'stripe_unavailable'
  | 'database_unavailable'
  | 'config_error'
  | 'internal_error';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

export function json(status: number, body: unknown, headers?: HeadersInit): Response {
  const h = new Headers(headers);
  h.set('content-type', 'application/json; charset=utf-8');
  h.set('cache-control', 'no-store');
  return new Response(JSON.stringify(body), { status, headers: h });
}

export function errorResponse(error: ApiError, headers?: HeadersInit): Response {
  return json(error.status, { error: { code: error.code, message: error.message, ...error.details } }, headers);
}

const CORS_ALLOW_HEADERS = 'authorization, x-client-info, apikey, content-type';

/**
 * CORS for browser callers from our own web origins only. Native apps and servers send no Origin
 * and are unaffected; a browser on another origin gets no CORS headers (and 403 on preflight).
 */
export function corsHeaders(req: Request, allowedOrigins: string[], methods: string): Headers {
  const headers = new Headers({ vary: 'Origin' });
  const origin = req.headers.get('origin');
  if (origin && allowedOrigins.includes(origin)) {
    headers.set('access-control-allow-origin', origin);
    headers.set('access-control-allow-headers', CORS_ALLOW_HEADERS);
    headers.set('access-control-allow-methods', methods);
    headers.set('access-control-max-age', '600');
  }
  return headers;
}

export function isOriginAllowed(req: Request, allowedOrigins: string[]): boolean {
  const origin = req.headers.get('origin');
  return origin === null || allowedOrigins.includes(origin);
}

/** Reads at most maxBytes of the body as text; larger bodies are refused without reading them all. */
export async function readBodyText(req: Request, maxBytes: number): Promise<string> {
  const declared = Number(req.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > maxBytes) {
    throw new ApiError(413, 'payload_too_large', `Request body exceeds ${maxBytes} bytes`);
  }
  if (!req.body) return '';
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw new ApiError(413, 'payload_too_large', `Request body exceeds ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return new TextDecoder().decode(bytes);
}

/** A JSON object body (an empty body is `{}`). */
export async function readJsonObject(req: Request, maxBytes: number): Promise<Record<string, unknown>> {
  const text = await readBodyText(req, maxBytes);
  if (text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ApiError(400, 'invalid_json', 'Request body is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ApiError(400, 'invalid_json', 'Request body must be a JSON object');
  }
  return value as Record<string, unknown>;
}

/**
 * `respond` for functions browsers call: CORS for our web origins on every answer, errors included
 * (a page cannot read an error response without them), 403 for other origins, preflight answered.
 */
export function respondWithCors(req: Request, methods: string, run: (headers: Headers) => Promise<Response>): Promise<Response> {
  let headers: Headers | undefined;
  return respond(async () => {
    const { allowedOrigins } = webConfig();
    headers = corsHeaders(req, allowedOrigins, methods);
    if (!isOriginAllowed(req, allowedOrigins)) throw new ApiError(403, 'origin_not_allowed', 'This origin may not call the API');
    if (req.method === 'OPTIONS') return new Response(null, { status: 204, headers });
    return await run(headers);
  }, () => headers);
}

/**
 * One error boundary: ApiError → its response; a dependency that a retry can get past → 503;
 * config errors → 500 naming the variable; else 500.
 */
export async function respond(run: () => Promise<Response>, errorHeaders: () => HeadersInit | undefined = () => undefined): Promise<Response> {
  try {
    return await run();
  } catch (error) {
    const headers = errorHeaders();
    if (error instanceof ApiError) return errorResponse(error, headers);
    if (isStripeUnavailable(error)) return errorResponse(new ApiError(503, 'stripe_unavailable', 'Stripe is unavailable right now; please retry'), headers);
    if (isDatabaseUnavailable(error)) return errorResponse(new ApiError(503, 'database_unavailable', 'The database is unavailable; please retry'), headers);
    if (error instanceof ConfigError) {
      console.error(error.message);
      return errorResponse(new ApiError(500, 'config_error', error.message), headers);
    }
    console.error('Unhandled error', error);
    return errorResponse(new ApiError(500, 'internal_error', 'Something went wrong on our side; please try again'), headers);
  }
}
