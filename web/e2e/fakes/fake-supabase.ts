// FAKE Supabase API gateway, for browser tests only (Supabase's own servers need Docker). One
// server plays the parts the web app talks to, speaking their wire formats:
//   /auth/v1/*      a small GoTrue: sign-up with email confirmation (the email carries a link and
//                   a 6-digit code, as the Confirm signup template with {{ .Token }}; POST /verify
//                   takes the code, /resend sends a new one, both limited as GoTrue limits them),
//                   password and PKCE sessions, OAuth redirects (the provider's consent is
//                   simulated), identity linking, recovery, user updates — users live in the REAL
//                   auth.users / auth.identities tables of the test database, and access tokens are
//                   signed with the test key the real edge functions trust;
//   /rest/v1/*      a small PostgREST for the tables the app reads, running each request in
//                   the REAL database as PostgREST does (role + request.jwt.claims, so RLS applies);
//   /functions/v1/* a proxy to the REAL edge functions running under Deno (as Kong does).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createHash, randomBytes, randomInt, randomUUID } from 'node:crypto';
import { jwtVerify, createLocalJWKSet } from 'jose';
import type { TestDatabase } from '../../../supabase/tests/helpers/test-database.ts';
import type { TestSigner } from '../../../supabase/tests/helpers/access-tokens.ts';
import type { AccessTokenIssuer, AuthenticationMethod } from '../../../supabase/tests/helpers/access-token-hook.ts';
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

export interface Mail {
  to: string;
  kind: 'confirmation' | 'recovery';
  link: string;
  /** The one-time code ({{ .Token }}), for confirmation emails. */
  code?: string;
}

/** GoTrue's defaults (config.toml [auth.email]): otp_length 6, otp_expiry 3600 s, max_frequency 60 s when unset. */
export interface FakeAuthSettings {
  otpLength: number;
  otpExpirySeconds: number;
  /** Minimum time between two confirmation emails to one user (GOTRUE_SMTP_MAX_FREQUENCY). */
  emailMaxFrequencyMs: number;
}

/** GoTrue's token hash: hex SHA-224 of the address and the code (crypto.GenerateTokenHash). */
function tokenHash(email: string, otp: string): string {
  return createHash('sha224').update(email.toLowerCase() + otp).digest('hex');
}

export class FakeSupabase {
  private server?: Server;
  private readonly codes = new Map<string, PendingCode>();
  private readonly refreshTokens = new Map<string, string>();
  /** PKCE challenges of pending email sign-ups (GoTrue's flow_state), by user id. */
  private readonly signupChallenges = new Map<string, string | null>();
  /** The "emails" GoTrue sent: confirmation (link + code) and recovery, by address. */
  readonly mailbox: Mail[] = [];
  /** Called for each email sent (npm run dev prints them). */
  onMail?: (mail: Mail) => void;
  readonly authSettings: FakeAuthSettings = { otpLength: 6, otpExpirySeconds: 3600, emailMaxFrequencyMs: 60_000 };
  /** The account the next OAuth consent screen "returns". */
  nextOAuthIdentity?: OAuthIdentity;
  /**
   * The custom access token hook config.toml enables, run in the REAL database as GoTrue runs it
   * (access-token-hook.ts) for every token issued: set by whoever can connect as its superuser.
   */
  accessTokens?: AccessTokenIssuer;
  readonly requests: string[] = [];
  /**
   * The project's secret API key (`sb_secret_…`), which the gateway accepts for Auth's admin API
   * (as it does for supabase-js's `auth.admin.*`); a service_role JWT from the test signer works too.
   */
  readonly secretKey = `sb_secret_fake_${randomBytes(16).toString('hex')}`;
  url = '';

  constructor(
    private readonly db: Pick<TestDatabase, 'owner' | 'asApi'>,
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
    return this.lastMail(to, kind).link;
  }

  /** The 6-digit code of the latest confirmation email to an address. */
  lastCode(to: string): string {
    return this.lastMail(to, 'confirmation').code!;
  }

  private lastMail(to: string, kind: Mail['kind']): Mail {
    const mail = [...this.mailbox].reverse().find((m) => m.to.toLowerCase() === to.toLowerCase() && m.kind === kind);
    if (!mail) throw new Error(`no ${kind} email to ${to}`);
    return mail;
  }

  private deliver(mail: Mail) {
    this.mailbox.push(mail);
    this.onMail?.(mail);
  }

  /**
   * GoTrue's sendConfirmation: refused with 429 over_email_send_rate_limit within max_frequency of
   * the last one; else a new code replaces the old (its token hash in auth.users.confirmation_token,
   * `pkce_`-prefixed for the PKCE flow), and the email carries both the code and the link.
   */
  private async sendConfirmation(res: ServerResponse, userId: string, email: string, challenge: string | null, redirectTo: string): Promise<boolean> {
    const [u] = await this.db.owner`select confirmation_sent_at from auth.users where id = ${userId}`;
    const sentAt = u?.confirmation_sent_at ? new Date(u.confirmation_sent_at).getTime() : null;
    if (sentAt !== null && sentAt + this.authSettings.emailMaxFrequencyMs > Date.now()) {
      const left = Math.floor((sentAt + this.authSettings.emailMaxFrequencyMs - Date.now()) / 1000);
      this.error(res, 429, 'over_email_send_rate_limit', `For security purposes, you can only request this after ${left} seconds.`);
      return false;
    }
    const otp = String(randomInt(0, 10 ** this.authSettings.otpLength)).padStart(this.authSettings.otpLength, '0');
    const token = `${challenge ? 'pkce_' : ''}${tokenHash(email, otp)}`;
    await this.db.owner`update auth.users set confirmation_token = ${token}, confirmation_sent_at = now() where id = ${userId}`;
    this.signupChallenges.set(userId, challenge);
    this.deliver({ to: email, kind: 'confirmation', code: otp, link: `${this.url}/auth/v1/verify?token=${token}&type=signup&redirect_to=${encodeURIComponent(redirectTo)}` });
    return true;
  }

  /** The unconfirmed user whose current confirmation token this is, within otp_expiry. */
  private async userForConfirmationToken(token: string): Promise<{ id: string; email: string } | null> {
    if (!token) return null;
    const [u] = await this.db.owner`
      select id, email from auth.users
      where confirmation_token in (${token}, ${`pkce_${token}`}) and email_confirmed_at is null
        and confirmation_sent_at > now() - make_interval(secs => ${this.authSettings.otpExpirySeconds})`;
    return u ? { id: u.id, email: u.email } : null;
  }

  private async confirm(userId: string) {
    await this.db.owner`update auth.users set email_confirmed_at = coalesce(email_confirmed_at, now()), confirmation_token = '' where id = ${userId}`;
    await this.db.owner`update auth.identities set identity_data = identity_data || '{"email_verified": true}' where user_id = ${userId} and provider = 'email'`;
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

  private async session(userId: string, method: AuthenticationMethod = 'password'): Promise<Json> {
    const user = await this.userJson(userId);
    await this.db.owner`update auth.users set last_sign_in_at = now() where id = ${userId}`;
    const refreshToken = randomBytes(16).toString('hex');
    this.refreshTokens.set(refreshToken, userId);
    const expiresIn = 3600;
    return {
      access_token: await this.signer.token(userId, { email: user.email, customize: this.accessTokens?.customize(userId, method) }),
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

    if (path.startsWith('/admin/')) return this.admin(req, res, path, body);
    // verifyOtp({ token_hash, type }): a link's token hash (magic link, recovery), no email.
    if (req.method === 'POST' && path === '/verify' && body.token_hash !== undefined) return this.verifyTokenHash(res, body);

    if (req.method === 'POST' && path === '/signup') {
      const [existing] = await this.db.owner`select id, email_confirmed_at from auth.users where lower(email) = lower(${body.email})`;
      if (existing?.email_confirmed_at) {
        // GoTrue with confirmations on: an obfuscated user with no identities, so emails cannot be probed.
        return this.send(res, 200, { id: randomUUID(), aud: 'authenticated', role: '', email: body.email, identities: [], user_metadata: {}, app_metadata: {} });
      }
      if (existing) {
        // Not confirmed yet: GoTrue leaves the user as it is and sends the confirmation again (rate-limited).
        if (!(await this.sendConfirmation(res, existing.id, body.email, body.code_challenge ?? null, redirectTo))) return;
        return this.send(res, 200, { ...(await this.userJson(existing.id)), confirmation_sent_at: new Date().toISOString() });
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
      if (!(await this.sendConfirmation(res, id, body.email, body.code_challenge ?? null, redirectTo))) return;
      return this.send(res, 200, { ...(await this.userJson(id)), confirmation_sent_at: new Date().toISOString() });
    }

    // The link in the confirmation email: confirms, then back to redirect_to with a PKCE auth code.
    if (req.method === 'GET' && path === '/verify' && url.searchParams.get('type') === 'signup') {
      const user = await this.userForConfirmationToken((url.searchParams.get('token') ?? '').replace(/^pkce_/, ''));
      if (!user) return this.redirect(res, this.withParams(redirectTo, { error: 'access_denied', error_code: 'otp_expired', error_description: 'Email link is invalid or has expired' }));
      await this.confirm(user.id);
      return this.redirect(res, this.withParams(redirectTo, { code: this.newCode(user.id, this.signupChallenges.get(user.id) ?? null) }));
    }

    // The code typed in the app: verifyOtp({ email, token, type: 'email' }) → a session, as GoTrue
    // answers (type `email` checks the confirmation code; `signup` is its older name).
    if (req.method === 'POST' && path === '/verify') {
      if (!['email', 'signup'].includes(body.type)) return this.error(res, 400, 'validation_failed', 'Unsupported verification type');
      if (typeof body.email !== 'string' || typeof body.token !== 'string') return this.error(res, 400, 'validation_failed', 'Verify requires either a token or a token hash');
      const user = await this.userForConfirmationToken(tokenHash(body.email, body.token.trim()));
      if (!user || user.email.toLowerCase() !== body.email.toLowerCase()) return this.error(res, 403, 'otp_expired', 'Token has expired or is invalid');
      await this.confirm(user.id);
      return this.send(res, 200, await this.session(user.id, 'otp'));
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
      return this.send(res, 200, await this.session(userId, 'token_refresh'));
    }

    if (req.method === 'POST' && path === '/recover') {
      const [u] = await this.db.owner`select id from auth.users where lower(email) = lower(${body.email ?? ''})`;
      if (u) {
        const code = this.newCode(u.id, body.code_challenge ?? null);
        this.mailbox.push({ to: body.email, kind: 'recovery', link: `${this.url}/auth/v1/verify?token=${code}&type=recovery&redirect_to=${encodeURIComponent(redirectTo)}` });
      }
      return this.send(res, 200, {});
    }

    // GoTrue's /resend: 200 with nothing sent for an unknown or already confirmed address (no
    // probing), else a new confirmation within the same limit as any other.
    if (req.method === 'POST' && path === '/resend') {
      if (body.type !== 'signup') return this.error(res, 400, 'validation_failed', 'Missing one of these types: signup, email_change, sms, phone_change');
      const [u] = await this.db.owner`select id, email, email_confirmed_at from auth.users where lower(email) = lower(${body.email ?? ''})`;
      if (!u || u.email_confirmed_at) return this.send(res, 200, {});
      if (!(await this.sendConfirmation(res, u.id, u.email, body.code_challenge ?? null, redirectTo))) return;
      return this.send(res, 200, {});
    }

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

  /**
   * GoTrue's admin API, the one endpoint the functions call: POST /admin/generate_link (GoTrue's
   * adminGenerateLink) for type `magiclink` and an existing user — a new OTP whose token hash
   * becomes the user's recovery_token (recovery_sent_at = now), answered as the user object plus
   * action_link, email_otp, hashed_token, verification_type and redirect_to. Nothing is mailed.
   * Admin only: the secret key or a service_role JWT, as GoTrue's requireAdmin (behind the gateway).
   */
  private async admin(req: IncomingMessage, res: ServerResponse, path: string, body: Json) {
    const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    if (!bearer) return this.error(res, 401, 'no_authorization', 'This endpoint requires a valid Bearer token');
    let role: unknown = bearer === this.secretKey ? 'service_role' : undefined;
    if (role === undefined) {
      try {
        role = (await jwtVerify(bearer, createLocalJWKSet(JSON.parse(this.signer.jwks)))).payload.role;
      } catch {
        return this.error(res, 401, 'bad_jwt', 'invalid JWT: unable to parse or verify signature');
      }
    }
    if (role !== 'service_role') return this.error(res, 403, 'not_admin', 'User not allowed');
    if (req.method !== 'POST' || path !== '/admin/generate_link') return this.error(res, 404, 'not_found', `${req.method} /admin${path} is not served by the fake`);

    const email = typeof body.email === 'string' ? body.email.trim() : '';
    if (!email) return this.error(res, 400, 'validation_failed', 'An email address is required');
    if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) return this.error(res, 400, 'validation_failed', 'Unable to validate email address: invalid format');
    if (body.type !== 'magiclink') return this.error(res, 400, 'validation_failed', `Invalid email action link type requested: ${body.type} (the fake serves magiclink only)`);
    const [u] = await this.db.owner`select id, email from auth.users where lower(email) = lower(${email}) and aud = 'authenticated' and not is_sso_user`;
    // GoTrue signs a new user up here; nothing in this project asks it to.
    if (!u) return this.error(res, 501, 'not_implemented', 'FAKE: generate_link for an unknown email (GoTrue would sign the address up) is not served');
    const otp = String(randomInt(0, 10 ** this.authSettings.otpLength)).padStart(this.authSettings.otpLength, '0');
    const hashed = tokenHash(email, otp);
    await this.db.owner`update auth.users set recovery_token = ${hashed}, recovery_sent_at = now() where id = ${u.id}`;
    const redirectTo = typeof body.redirect_to === 'string' && body.redirect_to ? body.redirect_to : this.url;
    return this.send(res, 200, {
      ...(await this.userJson(u.id)),
      action_link: `${this.url}/auth/v1/verify?token=${hashed}&type=magiclink&redirect_to=${encodeURIComponent(redirectTo)}`,
      email_otp: otp, hashed_token: hashed, verification_type: 'magiclink', redirect_to: redirectTo,
    });
  }

  /**
   * POST /verify with { token_hash, type } (GoTrue's verifyTokenHash + recoverVerify) for magic-link
   * and recovery tokens: the user whose recovery_token it is, sent within otp_expiry, else 403
   * otp_expired; redeeming clears the token (single use) and confirms the email; answers a session.
   */
  private async verifyTokenHash(res: ServerResponse, body: Json) {
    if (!body.type) return this.error(res, 400, 'validation_failed', 'Verify requires a verification type');
    if (typeof body.token_hash !== 'string' || body.token_hash === '' || body.token) return this.error(res, 400, 'validation_failed', 'Verify requires either a token or a token hash');
    if (body.email || body.phone || body.redirect_to) return this.error(res, 400, 'validation_failed', 'Only the token_hash and type should be provided');
    if (!['magiclink', 'recovery'].includes(body.type)) return this.error(res, 400, 'validation_failed', `FAKE: verify with token_hash and type ${body.type} is not served`);
    const [u] = await this.db.owner`
      update auth.users set recovery_token = '', email_confirmed_at = coalesce(email_confirmed_at, now())
      where recovery_token = ${body.token_hash} and recovery_sent_at > now() - make_interval(secs => ${this.authSettings.otpExpirySeconds})
      returning id`;
    if (!u) return this.error(res, 403, 'otp_expired', 'Email link is invalid or has expired');
    return this.send(res, 200, await this.session(u.id, 'otp'));
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
    if (!['subscriptions', 'profiles', 'practice_questions'].includes(table)) return this.send(res, 404, { code: 'PGRST205', message: `Could not find the table 'public.${table}' in the schema cache` });
    const userId = await this.bearerUser(req);
    const role = userId ? 'authenticated' : 'anon';
    const claims = userId ? { sub: userId, role, aud: 'authenticated' } : { role };
    const columns = (url.searchParams.get('select') ?? '*').split(',').map((c) => c.trim());
    if (!columns.every((c) => c === '*' || /^[a-z_]+$/.test(c))) return this.send(res, 400, { code: 'PGRST100', message: 'bad select' });
    const filters: string[] = [];
    const values: unknown[] = [];
    for (const [key, value] of url.searchParams) {
      if (key === 'select' || key === 'order' || key === 'limit' || !/^[a-z_]+$/.test(key)) continue;
      const filter = /^(eq|gt)\.(.*)$/.exec(value);
      if (!filter) return this.send(res, 400, { code: 'PGRST100', message: `unsupported filter ${key}=${value}` });
      values.push(filter[2]);
      filters.push(`${key} ${filter[1] === 'eq' ? '=' : '>'} $${values.length}`);
    }
    const where = filters.length ? ` where ${filters.join(' and ')}` : '';
    // `order=a.asc,b.desc` and `limit=n`, as postgrest-js sends .order() and .limit().
    const order = (url.searchParams.get('order') ?? '').split(',').filter(Boolean).map((term) => /^([a-z_]+)\.(asc|desc)$/.exec(term));
    const limit = url.searchParams.get('limit');
    if (order.some((m) => !m) || (limit !== null && !/^\d+$/.test(limit))) return this.send(res, 400, { code: 'PGRST100', message: 'unsupported order or limit' });
    const tail = `${order.length ? ` order by ${order.map((m) => `${m![1]} ${m![2]}`).join(', ')}` : ''}${limit !== null ? ` limit ${limit}` : ''}`;
    try {
      const rows = await this.db.asApi(role, claims, async (tx) => {
        if (req.method === 'GET') return tx.unsafe(`select ${columns.join(', ')} from public.${table}${where}${tail}`, values as never[]);
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
