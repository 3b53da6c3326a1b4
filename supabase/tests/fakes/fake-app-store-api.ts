// FAKE App Store Server API (api.storekit.apple.com), for tests only: serves the two endpoints the
// reconciliation uses — Get All Subscription Statuses and Get Notification History (paginated) —
// with data signed by the fake Apple chain, and checks the bearer JWT the way Apple specifies it
// (ES256 with the key id, issuer, audience appstoreconnect-v1 and the bundle id claim).
import { createServer, type Server } from 'node:http';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { jwtVerify } from 'jose';
import { signJws, type FakeSubscription, type SignedNotification } from './fake-app-store.ts';

export class FakeAppStoreServerApi {
  readonly keyId = 'TESTKEY123';
  readonly issuerId = '57246542-96fe-1a63-e053-0824d011072a';
  readonly privateKeyPem: string;
  private readonly publicKey: KeyObject;
  private readonly subscriptions = new Map<string, FakeSubscription>();
  readonly history: SignedNotification[] = [];
  readonly requests: string[] = [];
  pageSize = 2;
  private server?: Server;
  url = '';

  constructor(readonly bundleId = 'com.certgames.app') {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    this.privateKeyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    this.publicKey = publicKey;
  }

  env(): Record<string, string> {
    return {
      APP_STORE_SERVER_API_KEY_ID: this.keyId,
      APP_STORE_SERVER_API_ISSUER_ID: this.issuerId,
      APP_STORE_SERVER_API_PRIVATE_KEY: this.privateKeyPem,
      APP_STORE_SERVER_API_BASE_URL: this.url,
    };
  }

  add(sub: FakeSubscription): void {
    this.subscriptions.set(sub.originalTransactionId, sub);
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => void this.handle(req.method ?? 'GET', new URL(req.url ?? '/', 'http://x'), req.headers.authorization, body)
        .then(({ status, json }) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(json))));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as { port: number }).port}`;
    return this;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async handle(method: string, fullUrl: URL, authorization: string | undefined, body: string): Promise<{ status: number; json: unknown }> {
    // Apple's two hosts: api.storekit.apple.com and api.storekit-sandbox.apple.com.
    const environment = fullUrl.pathname.startsWith('/sandbox/') ? 'Sandbox' : 'Production';
    const url = new URL(fullUrl.pathname.replace(/^\/sandbox/, '') + fullUrl.search, 'http://x');
    this.requests.push(`${method} ${url.pathname}`);
    try {
      const { payload, protectedHeader } = await jwtVerify((authorization ?? '').replace(/^Bearer /, ''), this.publicKey, {
        issuer: this.issuerId, audience: 'appstoreconnect-v1', algorithms: ['ES256'],
      });
      if (protectedHeader.kid !== this.keyId || payload.bid !== this.bundleId) throw new Error('wrong kid or bid');
    } catch {
      return { status: 401, json: { errorCode: 4010000, errorMessage: 'Unauthenticated' } };
    }
    const statusMatch = /^\/inApps\/v1\/subscriptions\/(\d+)$/.exec(url.pathname);
    if (method === 'GET' && statusMatch) {
      const sub = this.subscriptions.get(statusMatch[1]);
      if (!sub || sub.store.environment !== environment) return { status: 404, json: { errorCode: 4040005, errorMessage: 'Original transaction id not found.' } };
      return { status: 200, json: await this.statuses(sub) };
    }
    if (method === 'POST' && url.pathname === '/inApps/v1/notifications/history') {
      const request = JSON.parse(body) as { startDate: number; endDate: number };
      const matching = this.history.filter((n) => {
        const payload = JSON.parse(Buffer.from(n.body.signedPayload.split('.')[1], 'base64url').toString());
        return payload.data?.environment === environment && payload.signedDate >= request.startDate && payload.signedDate <= request.endDate;
      });
      const offset = Number(url.searchParams.get('paginationToken') ?? 0);
      const page = matching.slice(offset, offset + this.pageSize);
      const hasMore = offset + this.pageSize < matching.length;
      return {
        status: 200,
        json: {
          notificationHistory: page.map((n) => ({ signedPayload: n.body.signedPayload, sendAttempts: [{ attemptDate: Date.now(), sendAttemptResult: 'TIMED_OUT' }] })),
          hasMore,
          ...(hasMore ? { paginationToken: String(offset + this.pageSize) } : {}),
        },
      };
    }
    return { status: 404, json: { errorCode: 4040000, errorMessage: 'Not found' } };
  }

  private async statuses(sub: FakeSubscription) {
    const now = Date.now();
    const transaction = sub.transactionPayload(now);
    const status = transaction.revocationDate ? 5 : (transaction.expiresDate as number) > now ? 1
      : sub.billingRetry ? (sub.graceEnd && sub.graceEnd > now ? 4 : 3) : 2;
    return {
      environment: sub.store.environment,
      bundleId: this.bundleId,
      appAppleId: sub.store.appAppleId,
      data: [{
        subscriptionGroupIdentifier: '21482456',
        lastTransactions: [{
          status,
          originalTransactionId: sub.originalTransactionId,
          signedTransactionInfo: await signJws(transaction, sub.store.chain),
          signedRenewalInfo: await signJws(sub.renewalPayload(now), sub.store.chain),
        }],
      }],
    };
  }
}
