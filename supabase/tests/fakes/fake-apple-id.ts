// FAKE appleid.apple.com, for tests only: the token endpoint (authorization code → tokens) and the
// revoke endpoint, checking the client secret the way Apple does (ES256 JWT from the team's key:
// iss team id, sub client id, aud https://appleid.apple.com, kid = key id).
import { createServer, type Server } from 'node:http';
import { generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { jwtVerify } from 'jose';

export class FakeAppleId {
  readonly teamId = 'TEAM123456';
  readonly keyId = 'SIWAKEY123';
  readonly clientId = 'com.certgames.app';
  readonly privateKeyPem: string;
  private readonly publicKey: KeyObject;
  private readonly codes = new Set<string>();
  readonly refreshTokens = new Set<string>();
  readonly revoked: string[] = [];
  failWith?: number;
  private server?: Server;
  url = '';

  constructor() {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    this.privateKeyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    this.publicKey = publicKey;
  }

  /** An authorization code, as the iOS app gets from a fresh Sign in with Apple. */
  issueCode(): string {
    const code = `c${randomBytes(16).toString('hex')}.0.rrvw.${randomBytes(8).toString('hex')}`;
    this.codes.add(code);
    return code;
  }

  env(): Record<string, string> {
    return { APPLE_SIGN_IN_TEAM_ID: this.teamId, APPLE_SIGN_IN_KEY_ID: this.keyId, APPLE_SIGN_IN_PRIVATE_KEY: this.privateKeyPem, APPLE_SIGN_IN_CLIENT_ID: this.clientId, APPLE_ID_BASE_URL: this.url };
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => void this.handle(req.url ?? '', new URLSearchParams(body)).then(({ status, json }) =>
        res.writeHead(status, { 'content-type': 'application/json' }).end(json === undefined ? '' : JSON.stringify(json))));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as { port: number }).port}`;
    return this;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async handle(path: string, form: URLSearchParams): Promise<{ status: number; json?: unknown }> {
    if (this.failWith) return { status: this.failWith, json: { error: 'server_error' } };
    try {
      const { payload, protectedHeader } = await jwtVerify(form.get('client_secret') ?? '', this.publicKey, {
        issuer: this.teamId, subject: this.clientId, audience: 'https://appleid.apple.com', algorithms: ['ES256'],
      });
      if (protectedHeader.kid !== this.keyId || form.get('client_id') !== this.clientId || !payload.exp) throw new Error('bad client');
    } catch {
      return { status: 400, json: { error: 'invalid_client' } };
    }
    if (path === '/auth/token') {
      const code = form.get('code') ?? '';
      if (form.get('grant_type') !== 'authorization_code' || !this.codes.delete(code)) return { status: 400, json: { error: 'invalid_grant' } };
      const refresh = `r${randomBytes(16).toString('hex')}`;
      this.refreshTokens.add(refresh);
      return { status: 200, json: { access_token: `a${randomBytes(8).toString('hex')}`, token_type: 'Bearer', expires_in: 3600, refresh_token: refresh, id_token: 'eyJ.fake.idtoken' } };
    }
    if (path === '/auth/revoke') {
      const token = form.get('token') ?? '';
      if (this.refreshTokens.delete(token)) this.revoked.push(token);
      return { status: 200 };
    }
    return { status: 404, json: { error: 'not_found' } };
  }
}
