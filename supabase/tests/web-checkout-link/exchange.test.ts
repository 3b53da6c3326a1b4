// web-checkout-exchange: the web page redeems a link from the app, once, for a Supabase Auth
// sign-in token. The REAL functions under Deno and the REAL database; Supabase Auth (GoTrue) is the
// FAKE in web/e2e/fakes/fake-supabase.ts (admin/generate_link and verify, on the real auth.users).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeJwt } from 'jose';
import { callFunction, startEdgeFunction } from '../helpers/edge-function.ts';
import { createServer, type AddressInfo } from 'node:net';
import { codeOf, startWebCheckoutStack, WEB_ORIGIN, type WebCheckoutStack } from './stack.ts';

describe('web-checkout-exchange', () => {
  let s: WebCheckoutStack;
  before(async () => {
    s = await startWebCheckoutStack();
  });
  after(async () => s?.stop());

  async function linkFor(user: { token: string }): Promise<string> {
    const res = await s.createLink(user.token);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return codeOf(res.body.url);
  }

  test('a link signs its own person in, once: the token redeems for a session of that user', async () => {
    const user = await s.signedUser();
    const code = await linkFor(user);
    const res = await s.redeem(code);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.status, 'sign_in');
    assert.equal(res.body.type, 'magiclink');
    assert.equal(res.headers.get('access-control-allow-origin'), WEB_ORIGIN);
    assert.equal(res.headers.get('cache-control'), 'no-store');

    const session = await s.verifyOtp(res.body.token_hash);
    assert.equal(session.status, 200, JSON.stringify(session.body));
    assert.equal(session.body.user.id, user.id);
    assert.equal(decodeJwt(session.body.access_token).sub, user.id);
    assert.ok(session.body.refresh_token, 'a real session, with a refresh token');
    assert.deepEqual(await s.links(user.id), [{ storefront: 'USA', consumed: true, live: true }]);

    // Single use, at both layers.
    const again = await s.redeem(code);
    assert.equal(again.status, 410);
    assert.equal(again.body.error.code, 'link_expired');
    assert.equal((await s.verifyOtp(res.body.token_hash)).status, 403, 'Auth\'s token is single-use too');
  });

  test('racing exchanges of one link: exactly one wins', async () => {
    const user = await s.signedUser();
    const code = await linkFor(user);
    const answers = await Promise.all(Array.from({ length: 6 }, () => s.redeem(code)));
    assert.deepEqual(answers.map((a) => a.status).sort(), [200, 410, 410, 410, 410, 410]);
  });

  test('an expired link (five minutes by the database clock) is refused and signs nobody in', async () => {
    const user = await s.signedUser();
    const code = await linkFor(user);
    await s.db.owner`update private.web_checkout_links
      set created_at = now() - interval '6 minutes', expires_at = now() - interval '1 minute' where user_id = ${user.id}`;
    const res = await s.redeem(code);
    assert.equal(res.status, 410);
    assert.equal(res.body.error.code, 'link_expired');
    const [u] = await s.db.owner`select coalesce(recovery_token, '') as recovery_token from auth.users where id = ${user.id}`;
    assert.equal(u.recovery_token, '', 'no Auth token was minted');
  });

  test('an unknown code: the same 410 as a used or expired one', async () => {
    const res = await s.redeem(`wcl_${'A'.repeat(43)}`);
    assert.equal(res.status, 410);
    assert.equal(res.body.error.code, 'link_expired');
  });

  test('another person signed in in the browser: 409, the link NOT consumed; signed out, it works for its owner', async () => {
    const owner = await s.signedUser();
    const stranger = await s.signedUser();
    const code = await linkFor(owner);
    const refused = await s.redeem(code, { token: stranger.token });
    assert.equal(refused.status, 409);
    assert.equal(refused.body.error.code, 'signed_in_as_another_account');
    assert.deepEqual(await s.links(owner.id), [{ storefront: 'USA', consumed: false, live: true }]);

    const res = await s.redeem(code);
    assert.equal(res.status, 200);
    const session = await s.verifyOtp(res.body.token_hash);
    assert.equal(session.body.user.id, owner.id, 'never the stranger');
  });

  test('the same person already signed in: consumed, no new sign-in token', async () => {
    const user = await s.signedUser();
    const code = await linkFor(user);
    const res = await s.redeem(code, { token: user.token });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { status: 'already_signed_in' });
    const [u] = await s.db.owner`select coalesce(recovery_token, '') as recovery_token from auth.users where id = ${user.id}`;
    assert.equal(u.recovery_token, '');
    assert.equal((await s.redeem(code)).status, 410);
  });

  test('an invalid or expired session token in the browser counts as signed out', async () => {
    const user = await s.signedUser();
    const code = await linkFor(user);
    const res = await s.redeem(code, { token: await s.signer.token(user.id, { expiresInSeconds: -60 }) });
    assert.equal(res.status, 200);
    assert.equal(res.body.status, 'sign_in');
  });

  test('bad input: 400, nothing consumed', async () => {
    const user = await s.signedUser();
    const code = await linkFor(user);
    for (const bad of [undefined, '', 42, code.slice(0, -1), `${code}x`, code.replace('wcl_', 'abc_'), [code]]) {
      const res = await s.redeem(bad);
      assert.equal(res.status, 400, JSON.stringify(bad));
      assert.equal(res.body.error.code, 'invalid_request');
    }
    const garbage = await callFunction(s.exchange, { origin: WEB_ORIGIN, rawBody: 'code=' + code, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    assert.equal(garbage.status, 400);
    assert.equal(garbage.body.error.code, 'invalid_json');
    assert.equal((await callFunction(s.exchange, { method: 'GET' })).status, 405);
    assert.deepEqual(await s.links(user.id), [{ storefront: 'USA', consumed: false, live: true }]);
  });

  test('another web origin cannot redeem links', async () => {
    const user = await s.signedUser();
    const code = await linkFor(user);
    const res = await s.redeem(code, { origin: 'https://evil.example' });
    assert.equal(res.status, 403);
    assert.equal(res.body.error.code, 'origin_not_allowed');
    assert.deepEqual(await s.links(user.id), [{ storefront: 'USA', consumed: false, live: true }]);
  });

  test('Supabase Auth unreachable: 503 auth_unavailable and the link still works afterwards', async () => {
    const user = await s.signedUser();
    const code = await linkFor(user);
    // Auth "unreachable": a port that drops every connection (a merely free port may be taken by
    // another test's server meanwhile, when test files run in parallel).
    const dropper = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => dropper.listen(0, '127.0.0.1', resolve));
    const authDown = await startEdgeFunction('web-checkout-exchange', { ...s.env, SUPABASE_URL: `http://127.0.0.1:${(dropper.address() as AddressInfo).port}` });
    try {
      const res = await s.redeem(code, { fn: authDown });
      assert.equal(res.status, 503);
      assert.equal(res.body.error.code, 'auth_unavailable');
    } finally {
      await authDown.stop();
      dropper.close();
    }
    assert.deepEqual(await s.links(user.id), [{ storefront: 'USA', consumed: false, live: true }], 'rolled back');
    const res = await s.redeem(code);
    assert.equal(res.status, 200);
    assert.equal((await s.verifyOtp(res.body.token_hash)).body.user.id, user.id);
  });

  test('a wrong secret key: 500 config_error (never 2xx), the link still works', async () => {
    const user = await s.signedUser();
    const code = await linkFor(user);
    const wrongKey = await startEdgeFunction('web-checkout-exchange', { ...s.env, SUPABASE_SECRET_KEY: 'sb_secret_not_this_project' });
    const publishable = await startEdgeFunction('web-checkout-exchange', { ...s.env, SUPABASE_SECRET_KEY: 'sb_publishable_oops' });
    try {
      const refused = await s.redeem(code, { fn: wrongKey });
      assert.equal(refused.status, 500);
      assert.equal(refused.body.error.code, 'config_error');
      const misconfigured = await s.redeem(code, { fn: publishable });
      assert.equal(misconfigured.status, 500);
      assert.match(misconfigured.body.error.message, /secret/);
    } finally {
      await Promise.all([wrongKey.stop(), publishable.stop()]);
    }
    assert.equal((await s.redeem(code)).status, 200);
  });

  test('the database down: 503 database_unavailable, the link still works afterwards', async () => {
    const user = await s.signedUser();
    const code = await linkFor(user);
    s.proxy.cut();
    try {
      const res = await s.redeem(code);
      assert.equal(res.status, 503);
      assert.equal(res.body.error.code, 'database_unavailable');
    } finally {
      s.proxy.resume();
    }
    assert.equal((await s.redeem(code)).status, 200);
  });

  test('the code and the token never reach the functions\' logs', async () => {
    const user = await s.signedUser();
    const code = await linkFor(user);
    const res = await s.redeem(code);
    await s.redeem(code);
    for (const logs of [s.link.logs(), s.exchange.logs()]) {
      assert.ok(!logs.includes(code), 'code logged');
      assert.ok(!logs.includes(res.body.token_hash), 'token logged');
    }
  });
});
