// One webhook request, as the Standard Webhooks specification defines it: the JSON body signed
// with HMAC-SHA256 over `<webhook-id>.<webhook-timestamp>.<body>` by the reference library
// (`standardwebhooks`), in the `webhook-id`, `webhook-timestamp` and `webhook-signature` headers.
// Signed at each attempt (receivers refuse timestamps older than five minutes); the id stays the
// event's, so a receiver that already handled it can tell.
import { Webhook } from 'standardwebhooks';

export interface SendResult {
  ok: boolean;
  /** The receiver's HTTP status; null when no answer came. */
  status: number | null;
  /** Why it failed (null when ok): the status and the start of the answer, or the network error. */
  error: string | null;
}

const USER_AGENT = 'entitlement-webhooks/1 (Standard Webhooks)';
/** How much of a failed answer is kept in last_error for the operator. */
const ERROR_BODY_CHARS = 300;

/** Signs with one secret; build once per run. */
export class WebhookSigner {
  readonly #webhook: Webhook;

  constructor(secret: string) {
    this.#webhook = new Webhook(secret);
  }

  headers(id: string, body: string, at: Date = new Date()): Record<string, string> {
    return {
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': this.#webhook.sign(id, at, body),
    };
  }
}

/**
 * POSTs one event. 2xx is success; anything else, a redirect (not followed: the endpoint is
 * configured exactly), a timeout or a network failure is a failed attempt. Never throws.
 */
export async function sendWebhook(endpoint: string, id: string, body: string, signer: WebhookSigner, timeoutMs: number): Promise<SendResult> {
  try {
    const res = await fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': USER_AGENT, ...signer.headers(id, body) },
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (res.status >= 200 && res.status < 300) {
      await res.body?.cancel();
      return { ok: true, status: res.status, error: null };
    }
    const text = await readStart(res, ERROR_BODY_CHARS);
    return { ok: false, status: res.status, error: `HTTP ${res.status}${text ? `: ${text}` : ''}` };
  } catch (error) {
    const name = (error as Error)?.name;
    if (name === 'TimeoutError' || name === 'AbortError') {
      return { ok: false, status: null, error: `no answer within ${timeoutMs / 1000} s` };
    }
    return { ok: false, status: null, error: `request failed: ${(error as Error)?.message ?? String(error)}`.slice(0, 1000) };
  }
}

/** The first `chars` characters of an answer, without reading the rest of it. */
async function readStart(res: Response, chars: number): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  try {
    while (text.length < chars) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
  } catch {
    // The answer broke off: what arrived is enough.
  } finally {
    await reader.cancel().catch(() => {});
  }
  return text.slice(0, chars).replace(/\s+/g, ' ').trim();
}
