// A local webhook receiver for the tests and `npm run simulate`: it verifies every request the way
// a receiver should, with the Standard Webhooks reference library (`standardwebhooks`
// Webhook.verify: HMAC over id, timestamp and body, five-minute tolerance), records it, and answers
// as told, so a test can play a receiver that fails, hangs or is slow.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { Webhook } from 'standardwebhooks';

export interface ReceivedWebhook {
  /** webhook-id */
  id: string;
  timestamp: number;
  signature: string;
  contentType: string | undefined;
  body: string;
  /** Webhook.verify accepted it (otherwise the receiver answered 400). */
  verified: boolean;
  verifyError?: string;
  /** The parsed, verified body. */
  payload?: { type: string; timestamp: string; data: { user_id: string; sequence: number; subscription: Record<string, unknown> | null; cause: Record<string, unknown> } };
  /** What the receiver answered ('hang': nothing, until the sender gave up). */
  answer: number | 'hang';
  /** When it arrived (ms since epoch, the receiver's clock). */
  at: number;
}

export type Answer = number | 'hang' | { status: number; delayMs: number };

export interface Receiver {
  url: string;
  received: ReceivedWebhook[];
  /** Decides each answer; default 204. Called after verification (never for a forged request). */
  answer: (request: ReceivedWebhook) => Answer;
  /** Successful (2xx) receipts of each webhook-id. */
  successes(): Map<string, number>;
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startReceiver(secret: string, options: { port?: number; path?: string } = {}): Promise<Receiver> {
  const webhook = new Webhook(secret);
  const path = options.path ?? '/webhooks/entitlements';
  const receiver: Receiver = {
    url: '',
    received: [],
    answer: () => 204,
    successes() {
      const counts = new Map<string, number>();
      for (const r of receiver.received) {
        if (typeof r.answer === 'number' && r.answer >= 200 && r.answer < 300) counts.set(r.id, (counts.get(r.id) ?? 0) + 1);
      }
      return counts;
    },
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
  const server: Server = createServer(async (req, res) => {
    const body = await readBody(req);
    if (req.method !== 'POST' || req.url !== path) {
      res.writeHead(404).end();
      return;
    }
    const header = (name: string) => (typeof req.headers[name] === 'string' ? (req.headers[name] as string) : '');
    const record: ReceivedWebhook = {
      id: header('webhook-id'),
      timestamp: Number(header('webhook-timestamp')),
      signature: header('webhook-signature'),
      contentType: req.headers['content-type'],
      body,
      verified: false,
      answer: 400,
      at: Date.now(),
    };
    receiver.received.push(record);
    try {
      record.payload = webhook.verify(body, {
        'webhook-id': record.id,
        'webhook-timestamp': header('webhook-timestamp'),
        'webhook-signature': record.signature,
      }) as ReceivedWebhook['payload'];
      record.verified = true;
    } catch (error) {
      record.verifyError = (error as Error).message;
      res.writeHead(400, { 'content-type': 'text/plain' }).end(`signature verification failed: ${record.verifyError}`);
      return;
    }
    const answer = receiver.answer(record);
    if (answer === 'hang') {
      record.answer = 'hang';
      return; // never answered; the sender's timeout ends it
    }
    const { status, delayMs } = typeof answer === 'number' ? { status: answer, delayMs: 0 } : answer;
    if (delayMs) await new Promise((resolve) => setTimeout(resolve, delayMs));
    record.answer = status;
    res.writeHead(status, { 'content-type': 'text/plain' }).end(status >= 300 ? `receiver says no (${status})` : '');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  receiver.url = `http://127.0.0.1:${(server.address() as { port: number }).port}${path}`;
  return receiver;
}
