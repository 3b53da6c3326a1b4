// FAKE Supabase API gateway, for browser tests only (Supabase's own servers need Docker). One
// server plays the parts the web app talks to, speaking their wire formats:
//   /auth/v1/*      a small GoTrue: sign-up with email confirmation, password and PKCE sessions,
//                   OAuth redirects (the provider's consent is simulated), identity linking,
//                   recovery, user updates — users live in the REAL auth.users / auth.identities
//                   tables of the test database, and access tokens are signed with the test key
//                   the real edge functions trust;
//   /rest/v1/*      a small PostgREST for the two tables the app reads, running each request in
//                   the REAL database as PostgREST does (role + request.jwt.claims, so RLS applies);
//   /functions/v1/* a proxy to the REAL edge functions running under Deno (as Kong does).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { jwtVerify, createLocalJWKSet } from 'jose';
import type { TestDatabase } from '../../../supabase/tests/helpers/test-database.ts';
import type { TestSigner } from '../../../supabase/tests/helpers/access-tokens.ts';
import { proxyToFunction } from '../../../scripts/lib/edge-functions.ts';

type Json = Record<string, any>; // deno-lint-ignore no-explicit-any

interface PendingCode {
  userId: string;
  challenge: string | null;
}

export interface OAuthIdentity {
  provider: 'google' | 'apple';
  email: string;
  name?: string;
  /** The provider's stable account id (Google `sub`, Apple `sub`). */
  sub?: string;
}

export class FakeSupabase {
  private server?: Server;
  private readonly codes = new Map<string, PendingCode>();
  private readonly refreshTokens = new Map<string, string>();
  /** Links from the "emails" GoTrue sent: confirmation and recovery, by address. */
  readonly mailbox: { to: string; kind: 'confirmation' | 'recovery'; link: string }[] = [];
  /** The account the next OAuth consent screen "returns". */
  nextOAuthIdentity?: OAuthIdentity;
  readonly requests: string[] = [];
  url = '';

  constructor(
    private readonly db: TestDatabase,
    private readonly signer: TestSigner,
    private readonly functions: Record<string, string>,
    readonly port: number,
  ) {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res).catch((error) => {
      console.error('fake supabase error', error);
      this.send(res, 500, { code: 500, error_code: 'unexpected_failure', msg: String(error) });
    }));
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${this.port}`;
    return this;
  }

  stop(): Promise<void> {
    this.server?.closeAllConnections?.();
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** A confirmed email + password account, as if signed up and confirmed earlier. */
  async createUser(email: string, password: string, name?: string): Promise<string> {
    const id = randomUUID();
    await this.db.owner.begin(async (tx) => {
      await tx`insert into auth.users (instance_id, id, aud, role, email, encrypted_password, email_confirmed_at, raw_app_meta_data, raw_user_meta_data, created_at, updated_at, confirmation_token, recovery_token, email_change_token_new, email_change)
        values ('00000000-0000-0000-0000-000000000000', ${id}, 'authenticated', 'authenticated', ${email}, extensions.crypt(${password}, extensions.gen_salt('bf')), now(),
                ${tx.json({ provider: 'email', providers: ['email'] })}, ${tx.json(name ? { full_name: name } : {})}, now(), now(), '', '', '', '')`;
      await tx`insert into auth.identities (provider_id, user_id, identity_data, provider, created_at, updated_at)
        values (${id}, ${id}, ${tx.json({ sub: id, email })}, 'email', now(), now())`;
    });
    return id;
  }

  lastLink(to: string, kind: 'confirmation' | 'recovery'): string {
    const mail = [...this.mailbox].reverse().find((m) => m.to === to && m.kind === kind);
    if (!mail) throw new Error(`no ${kind} email to ${to}`);
    return mail.link;
  }

  // ---- HTTP ------------------------------------------------------------------------------------

  private cors(res: ServerResponse) {
    res.setHeader('access-control-allow-origin', '*');
    res.setHeader('access-control-allow-headers', 'authorization, apikey, content-type, x-client-info, prefer, accept, accept-profile, content-profile, range, x-supabase-api-version');
    res.setHeader('access-control-allow-methods', 'GET, POST, PUT, PATCH, DELETE, OPTIONS');
    res.setHeader('access-control-expose-headers', 'content-range, x-supabase-api-version');
  }

  private send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
    if (res.headersSent) return;
    this.cors(res);
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(body === undefined ? undefined : JSON.stringify(body));
  }

  private redirect(res: ServerResponse, location: string) {
    this.cors(res);
    res.writeHead(303, { location });
    res.end();
  }

  private async handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', this.url);
    this.requests.push(`${req.method} ${url.pathname}`);
    if (url.pathname.startsWith('/functions/v1/')) return this.proxy(req, res, url);
    if (req.method === 'OPTIONS') return this.send(res, 204, undefined);
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString();
    const body: Json = raw ? JSON.parse(raw) : {};
    if (url.pathname.startsWith('/auth/v1/')) return this.auth(req, res, url, body);
    if (url.pathname.startsWith('/rest/v1/')) return this.rest(req, res, url, body);
    this.send(res, 404, { message: 'no route' });
  }

  private async proxy(req: IncomingMessage, res: ServerResponse, url: URL) {
    const name = url.pathname.split('/')[3];
    const target = this.functions[name];
    if (!target) return this.send(res, 404, { error: { code: 'not_found', message: `function ${name} is not running` } });
    await proxyToFunction(req, res, target, url.search);
  }

  // ---- GoTrue ----------------------------------------------------------------------------------

  private error(res: ServerResponse, status: number, errorCode: string, msg: string) {
    this.send(res, status, { code: status, error_code: errorCode, msg });
  }

  private async userJson(userId: string): Promise<Json> {
    const [u] = await this.db.owner`
      select id, email, email_confirmed_at, raw_app_meta_data, raw_user_meta_data, created_at, updated_at, last_sign_in_at,
             encrypted_password <> '' as has_password
      from auth.users where id = ${userId}`;
    const identities = await this.db.owner`
      select id as identity_id, provider_id as id, user_id, identity_data, provider, last_sign_in_at, created_at, updated_at, email
      from auth.identities where user_id = ${userId} order by created_at`;
    const providers = identities.map((i) => i.provider);
    return {
      id: u.id, aud: 'authenticated', role: 'authenticated', email: u.email, email_confirmed_at: u.email_confirmed_at,
      phone: '', confirmed_at: u.email_confirmed_at, last_sign_in_at: u.last_sign_in_at,
      app_metadata: { provider: providers[0] ?? 'email', providers },
      user_metadata: u.raw_user_meta_data ?? {},
      identities: identities.map((i) => ({ ...i })), created_at: u.created_at, updated_at: u.updated_at, is_anonymous: false,
    };
  }

  private async session(userId: string): Promise<Json> {
    const user = await this.userJson(userId);
    await this.db.owner`update auth.users set last_sign_in_at = now() where id = ${userId}`;
    const refreshToken = randomBytes(16).toString('hex');
    this.refreshTokens.set(refreshToken, userId);
    const expiresIn = 3600;
    return {
      access_token: await this.signer.token(userId, { email: user.email }),
      token_type: 'bearer', expires_in: expiresIn, expires_at: Math.floor(Date.now() / 1000) + expiresIn,
      refresh_token: refreshToken, user,
    };
  }

  private async bearerUser(req: IncomingMessage): Promise<string | null> {
    const token = (req.headers.authorization ?? '').replace(/^Bearer /i, '');
    try {
      const { payload } = await jwtVerify(token, createLocalJWKSet(JSON.parse(this.signer.jwks)));
      return payload.role === 'authenticated' ? String(payload.sub) : null;
    } catch {
      return null;
    }
  }

  private newCode(userId: string, challenge: string | null): string {
    const code = randomUUID();
    this.codes.set(code, { userId, challenge });
    return code;
  }

  private withParams(base: string, params: Record<string, string>): string {
    const url = new URL(base);
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    return url.toString();
  }

  private async auth(req: IncomingMessage, res: ServerResponse, url: URL, body: Json) {
    const path = url.pathname.replace('/auth/v1', '');
    const grant = url.searchParams.get('grant_type');
    const redirectTo = url.searchParams.get('redirect_to') ?? body.redirect_to ?? 'http://127.0.0.1/';

    if (req.method === 'POST' && path === '/signup') {
      const [existing] = await this.db.owner`select id from auth.users where lower(email) = lower(${body.email})`;
      if (existing) {
        // GoTrue with confirmations on: an obfuscated user with no identities, so emails cannot be probed.
        return this.send(res, 200, { id: randomUUID(), aud: 'authenticated', role: '', email: body.email, identities: [], user_metadata: {}, app_metadata: {} });
      }
      if (typeof body.password !== 'string' || body.password.length < 8 || !/\d/.test(body.password) || !/[a-z]/i.test(body.password)) {
        return this.error(res, 422, 'weak_password', 'Password should contain at least one character of each: letters, digits');
      }
      const id = randomUUID();
      await this.db.owner.begin(async (tx) => {
        await tx`insert into auth.users (instance_id, id, aud, role, email, encrypted_password, raw_app_meta_data, raw_user_meta_data, created_at, updated_at, confirmation_token, recovery_token, email_change_token_new, email_change)
          values ('00000000-0000-0000-0000-000000000000', ${id}, 'authenticated', 'authenticated', ${body.email}, extensions.crypt(${body.password}, extensions.gen_salt('bf')),
                  ${tx.json({ provider: 'email', providers: ['email'] })}, ${tx.json(body.data ?? {})}, now(), now(), '', '', '', '')`;
        await tx`insert into auth.identities (provider_id, user_id, identity_data, provider, created_at, updated_at)
          values (${id}, ${id}, ${tx.json({ sub: id, email: body.email, email_verified: false })}, 'email', now(), now())`;
      });
      const code = this.newCode(id, body.code_challenge ?? null);
      this.mailbox.push({ to: body.email, kind: 'confirmation', link: `${this.url}/auth/v1/verify?token=${code}&type=signup&redirect_to=${encodeURIComponent(redirectTo)}` });
      return this.send(res, 200, { ...(await this.userJson(id)), confirmation_sent_at: new Date().toISOString() });
    }

    if (req.method === 'GET' && path === '/verify') {
      const pending = this.codes.get(url.searchParams.get('token') ?? '');
      if (!pending) return this.redirect(res, this.withParams(redirectTo, { error: 'access_denied', error_code: 'otp_expired', error_description: 'Email link is invalid or has expired' }));
      await this.db.owner`update auth.users set email_confirmed_at = coalesce(email_confirmed_at, now()) where id = ${pending.userId}`;
      return this.redirect(res, this.withParams(redirectTo, { code: url.searchParams.get('token')! }));
    }

    if (req.method === 'POST' && path === '/token' && grant === 'password') {
      const [u] = await this.db.owner`
        select id, email_confirmed_at from auth.users
        where lower(email) = lower(${body.email ?? ''}) and encrypted_password <> '' and encrypted_password = extensions.crypt(${body.password ?? ''}, encrypted_password)`;
      if (!u) return this.error(res, 400, 'invalid_credentials', 'Invalid login credentials');
      if (!u.email_confirmed_at) return this.error(res, 400, 'email_not_confirmed', 'Email not confirmed');
      return this.send(res, 200, await this.session(u.id));
    }

    if (req.method === 'POST' && path === '/token' && grant === 'pkce') {
      const pending = this.codes.get(body.auth_code);
      if (!pending) return this.error(res, 404, 'flow_state_not_found', 'invalid flow state, no valid flow state found');
      this.codes.delete(body.auth_code);
      if (pending.challenge) {
        const computed = createHash('sha256').update(String(body.code_verifier ?? '')).digest('base64url');
        if (computed !== pending.challenge) return this.error(res, 400, 'bad_code_verifier', 'code challenge does not match previously saved code verifier');
      }
      return this.send(res, 200, await this.session(pending.userId));
    }

    if (req.method === 'POST' && path === '/token' && grant === 'refresh_token') {
      const userId = this.refreshTokens.get(body.refresh_token);
      if (!userId) return this.error(res, 400, 'refresh_token_not_found', 'Invalid Refresh Token: Refresh Token Not Found');
      this.refreshTokens.delete(body.refresh_token);
      return this.send(res, 200, await this.session(userId));
    }

    if (req.method === 'POST' && path === '/recover') {
      const [u] = await this.db.owner`select id from auth.users where lower(email) = lower(${body.email ?? ''})`;
      if (u) {
        const code = this.newCode(u.id, body.code_challenge ?? null);
        this.mailbox.push({ to: body.email, kind: 'recovery', link: `${this.url}/auth/v1/verify?token=${code}&type=recovery&redirect_to=${encodeURIComponent(redirectTo)}` });
      }
      return this.send(res, 200, {});
    }

    if (req.method === 'POST' && path === '/resend') return this.send(res, 200, {});

    if (req.method === 'GET' && path === '/authorize') return this.authorize(res, url);

    // Everything below needs a signed-in user.
    const userId = await this.bearerUser(req);
    if (path === '/logout') return this.send(res, 204, undefined);
    if (!userId) return this.error(res, 401, 'no_authorization', 'This endpoint requires a valid Bearer token');

    if (req.method === 'GET' && path === '/user') return this.send(res, 200, await this.userJson(userId));
    if (req.method === 'PUT' && path === '/user') {
      if (typeof body.password === 'string') {
        if (body.password.length < 8) return this.error(res, 422, 'weak_password', 'Password should be at least 8 characters.');
        await this.db.owner.begin(async (tx) => {
          const [u] = await tx`update auth.users set encrypted_password = extensions.crypt(${body.password}, extensions.gen_salt('bf')), updated_at = now()
                                where id = ${userId} returning email`;
          await tx`insert into auth.identities (provider_id, user_id, identity_data, provider, created_at, updated_at)
                   values (${userId}, ${userId}, ${tx.json({ sub: userId, email: u.email })}, 'email', now(), now())
                   on conflict (provider_id, provider) do nothing`;
        });
      }
      if (body.data) await this.db.owner`update auth.users set raw_user_meta_data = coalesce(raw_user_meta_data, '{}') || ${this.db.owner.json(body.data)} where id = ${userId}`;
      return this.send(res, 200, await this.userJson(userId));
    }
    if (req.method === 'GET' && path === '/user/identities/authorize') {
      const target = new URL(`${this.url}/auth/v1/authorize`);
      url.searchParams.forEach((v, k) => target.searchParams.set(k, v));
      target.searchParams.set('link_user', userId);
      return this.send(res, 200, { url: target.toString() });
    }
    const unlink = /^\/user\/identities\/([0-9a-f-]{36})$/.exec(path);
    if (req.method === 'DELETE' && unlink) {
      const identities = await this.db.owner`select id from auth.identities where user_id = ${userId}`;
      if (identities.length <= 1) return this.error(res, 422, 'single_identity_not_deletable', 'User must have at least 1 identity after unlinking');
      await this.db.owner`delete from auth.identities where id = ${unlink[1]} and user_id = ${userId}`;
      return this.send(res, 200, {});
    }
    this.error(res, 404, 'not_found', `${req.method} ${path} is not served by the fake`);
  }

  /** The provider's consent screen, answered at once with nextOAuthIdentity. */
  private async authorize(res: ServerResponse, url: URL) {
    const redirectTo = url.searchParams.get('redirect_to') ?? this.url;
    const provider = url.searchParams.get('provider') as OAuthIdentity['provider'];
    const identity = this.nextOAuthIdentity ?? { provider, email: `${provider}-user@example.test` };
    const sub = identity.sub ?? createHash('sha256').update(`${provider}:${identity.email}`).digest('hex').slice(0, 21);
    const linkUser = url.searchParams.get('link_user');
    const [owner] = await this.db.owner`select user_id from auth.identities where provider = ${provider} and provider_id = ${sub}`;
    let userId: string;
    if (linkUser) {
      if (owner && owner.user_id !== linkUser) {
        return this.redirect(res, this.withParams(redirectTo, { error: 'server_error', error_code: 'identity_already_exists', error_description: 'Identity is already linked to another user' }));
      }
      userId = linkUser;
    } else if (owner) {
      userId = owner.user_id;
    } else {
      const [byEmail] = await this.db.owner`select id from auth.users where lower(email) = lower(${identity.email}) and email_confirmed_at is not null`;
      userId = byEmail?.id ?? randomUUID();
      if (!byEmail) {
        await this.db.owner`insert into auth.users (instance_id, id, aud, role, email, encrypted_password, email_confirmed_at, raw_app_meta_data, raw_user_meta_data, created_at, updated_at, confirmation_token, recovery_token, email_change_token_new, email_change)
          values ('00000000-0000-0000-0000-000000000000', ${userId}, 'authenticated', 'authenticated', ${identity.email}, '', now(),
                  ${this.db.owner.json({ provider, providers: [provider] })}, ${this.db.owner.json({ full_name: identity.name ?? null, email: identity.email })}, now(), now(), '', '', '', '')`;
      }
    }
    await this.db.owner`insert into auth.identities (provider_id, user_id, identity_data, provider, created_at, updated_at, last_sign_in_at)
      values (${sub}, ${userId}, ${this.db.owner.json({ sub, email: identity.email, full_name: identity.name ?? null, iss: provider === 'google' ? 'https://accounts.google.com' : 'https://appleid.apple.com' })}, ${provider}, now(), now(), now())
      on conflict (provider_id, provider) do nothing`;
    this.redirect(res, this.withParams(redirectTo, { code: this.newCode(userId, url.searchParams.get('code_challenge')) }));
  }

  // ---- PostgREST -------------------------------------------------------------------------------

  private async rest(req: IncomingMessage, res: ServerResponse, url: URL, body: Json) {
    const table = url.pathname.replace('/rest/v1/', '');
    if (!['subscriptions', 'profiles'].includes(table)) return this.send(res, 404, { code: 'PGRST205', message: `Could not find the table 'public.${table}' in the schema cache` });
    const userId = await this.bearerUser(req);
    const role = userId ? 'authenticated' : 'anon';
    const claims = userId ? { sub: userId, role, aud: 'authenticated' } : { role };
    const columns = (url.searchParams.get('select') ?? '*').split(',').map((c) => c.trim());
    if (!columns.every((c) => c === '*' || /^[a-z_]+$/.test(c))) return this.send(res, 400, { code: 'PGRST100', message: 'bad select' });
    const filters: string[] = [];
    const values: unknown[] = [];
    for (const [key, value] of url.searchParams) {
      if (key === 'select' || !/^[a-z_]+$/.test(key)) continue;
      const eq = /^eq\.(.*)$/.exec(value);
      if (!eq) return this.send(res, 400, { code: 'PGRST100', message: `unsupported filter ${key}=${value}` });
      values.push(eq[1]);
      filters.push(`${key} = $${values.length}`);
    }
    const where = filters.length ? ` where ${filters.join(' and ')}` : '';
    try {
      const rows = await this.db.asApi(role, claims, async (tx) => {
        if (req.method === 'GET') return tx.unsafe(`select ${columns.join(', ')} from public.${table}${where}`, values as never[]);
        if (req.method === 'PATCH') {
          const sets = Object.keys(body).filter((k) => /^[a-z_]+$/.test(k));
          const setSql = sets.map((k, i) => `${k} = $${values.length + i + 1}`).join(', ');
          return tx.unsafe(`update public.${table} set ${setSql}${where} returning *`, [...values, ...sets.map((k) => body[k])] as never[]);
        }
        throw Object.assign(new Error('method'), { code: '405' });
      });
      const single = (req.headers.accept ?? '').includes('application/vnd.pgrst.object+json');
      if (single) {
        if (rows.length !== 1) return this.send(res, 406, { code: 'PGRST116', details: `The result contains ${rows.length} rows`, hint: null, message: 'JSON object requested, multiple (or no) rows returned' });
        return this.send(res, 200, rows[0]);
      }
      this.send(res, 200, [...rows], { 'content-range': `0-${rows.length - 1}/*` });
    } catch (error) {
      const e = error as { code?: string; message?: string };
      this.send(res, e.code === '42501' ? 403 : 400, { code: e.code, message: e.message, details: null, hint: null });
    }
  }
}
