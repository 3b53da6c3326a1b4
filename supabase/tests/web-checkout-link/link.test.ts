// web-checkout-link: the iOS app asks for a single-use link to the web checkout. The REAL function
// under Deno, the REAL database; Supabase Auth is not involved until the exchange (exchange.test.ts).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { startEdgeFunction, callFunction } from '../helpers/edge-function.ts';
import { codeOf, startWebCheckoutStack, WEB_ORIGIN, type WebCheckoutStack } from './stack.ts';

describe('web-checkout-link', () => {
  let s: WebCheckoutStack;
  before(async () => {
    s = await startWebCheckoutStack();
  });
  after(async () => s?.stop());

  test('GET: where the app may show the button (default USA), public and cacheable', async () => {
    const res = await callFunction(s.link, { method: 'GET' });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { storefronts: ['USA'] });
    assert.match(res.headers.get('cache-control') ?? '', /public, max-age=\d+/);
  });

  test('POST: a link to our web origin, the code only in the fragment, five minutes, stored hashed', async () => {
    const user = await s.signedUser();
    const before = Date.now();
    const res = await s.createLink(user.token);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(Object.keys(res.body).sort(), ['expires_at', 'url']);
    const url = new URL(res.body.url);
    assert.equal(url.origin, WEB_ORIGIN);
    assert.equal(url.pathname, '/continue');
    assert.equal(url.search, '', 'nothing in the query: a query reaches servers, logs and Referer headers');
    assert.match(codeOf(res.body.url), /^wcl_[A-Za-z0-9_-]{43}$/);
    const ttl = Date.parse(res.body.expires_at) - before;
    assert.ok(ttl > 290_000 && ttl <= 305_000, `expires in ${ttl} ms`);
    assert.equal(res.headers.get('cache-control'), 'no-store');

    const [row] = await s.db.owner`select code_hash, storefront, consumed_at from private.web_checkout_links where user_id = ${user.id}`;
    assert.equal(row.storefront, 'USA');
    assert.equal(row.consumed_at, null);
    // Only the code's SHA-256 is kept: the database never holds what opens a session.
    assert.equal(Buffer.from(row.code_hash).toString('hex'), createHash('sha256').update(codeOf(res.body.url)).digest('hex'));

    const again = await s.createLink(user.token);
    assert.notEqual(codeOf(again.body.url), codeOf(res.body.url), 'every link is new');
  });

  test('the destination is ours: a caller cannot choose where the link points', async () => {
    const user = await s.signedUser();
    for (const body of [{ storefront: 'USA', url: 'https://evil.example' }, { storefront: 'USA', redirectTo: 'https://evil.example' }]) {
      const res = await s.createLink(user.token, body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(res.body.error.code, 'invalid_request');
    }
    assert.deepEqual(await s.links(user.id), []);
  });

  test('signed out, anon, expired or foreign tokens: 401, nothing written', async () => {
    const user = await s.signedUser();
    const tokens = [
      undefined,
      await s.signer.token(user.id, { role: 'anon' }),
      await s.signer.token(user.id, { expiresInSeconds: -60 }),
      await s.signer.token(user.id, { foreignKey: true }),
      'not-a-jwt',
    ];
    for (const token of tokens) {
      const res = await s.createLink(token);
      assert.equal(res.status, 401, String(token));
      assert.equal(res.body.error.code, 'unauthorized');
    }
    assert.deepEqual(await s.links(user.id), []);
  });

  test('bad input: 400 and nothing written', async () => {
    const user = await s.signedUser();
    const bodies: unknown[] = [{}, { storefront: 'usa' }, { storefront: 'US' }, { storefront: 'USAA' }, { storefront: 840 }, { storefront: null }, ['USA'], 'USA'];
    for (const body of bodies) {
      const res = await s.createLink(user.token, body);
      assert.equal(res.status, 400, `${JSON.stringify(body)}: ${JSON.stringify(res.body)}`);
      assert.ok(['invalid_request', 'invalid_json'].includes(res.body.error.code));
    }
    const garbage = await callFunction(s.link, { token: user.token, rawBody: '{"storefront":', headers: { 'content-type': 'application/json' } });
    assert.equal(garbage.status, 400);
    assert.equal(garbage.body.error.code, 'invalid_json');
    const huge = await s.createLink(user.token, { storefront: 'USA', padding: 'x'.repeat(10_000) });
    assert.equal(huge.status, 413);
    assert.deepEqual(await s.links(user.id), []);
  });

  test('a storefront that is not on the allow-list: 403 storefront_not_eligible, nothing written', async () => {
    const user = await s.signedUser();
    for (const storefront of ['CAN', 'GBR', 'FRA']) {
      const res = await s.createLink(user.token, { storefront });
      assert.equal(res.status, 403);
      assert.equal(res.body.error.code, 'storefront_not_eligible');
    }
    assert.deepEqual(await s.links(user.id), []);
  });

  test('someone already entitled, in either store: 409 already_subscribed (where and who manages it), nothing written', async () => {
    for (const [store, manageWith] of [['app_store', 'app_store'], ['stripe', 'stripe_customer_portal']] as const) {
      const user = await s.signedUser();
      await s.entitle(user.id, store);
      const res = await s.createLink(user.token);
      assert.equal(res.status, 409, JSON.stringify(res.body));
      assert.equal(res.body.error.code, 'already_subscribed');
      assert.equal(res.body.error.store, store);
      assert.equal(res.body.error.manageWith, manageWith);
      assert.deepEqual(await s.links(user.id), []);
    }
  });

  test('a lapsed subscription does not block the link', async () => {
    const user = await s.signedUser();
    await s.db.owner`select * from billing.apply_subscription_update('app_store', ${'lapsed-' + user.id}, 'EXPIRED.VOLUNTARY',
      now(), ${String(2_100_000_000_000_000 + Math.floor(Math.random() * 1e9))}, ${user.id}, 'com.certgames.app.monthly_premium', 'expired',
      now() - interval '1 day', false, null, true)`;
    assert.equal((await s.createLink(user.token)).status, 200);
  });

  test('an account without an email address cannot be signed in on the web: 409 no_email_address', async () => {
    const user = await s.signedUser();
    await s.db.owner`update auth.users set email = null where id = ${user.id}`;
    const res = await s.createLink(user.token);
    assert.equal(res.status, 409);
    assert.equal(res.body.error.code, 'no_email_address');
    assert.deepEqual(await s.links(user.id), []);
  });

  test('bounded per person: at most 3 live links (429 with Retry-After), then again once they are used', async () => {
    const user = await s.signedUser();
    const codes: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await s.createLink(user.token);
      assert.equal(res.status, 200);
      codes.push(codeOf(res.body.url));
    }
    const refused = await s.createLink(user.token);
    assert.equal(refused.status, 429);
    assert.equal(refused.body.error.code, 'too_many_links');
    const retryAfter = Number(refused.headers.get('retry-after'));
    assert.ok(retryAfter > 0 && retryAfter <= 300, `Retry-After ${retryAfter}`);
    assert.equal((await s.links(user.id)).length, 3, 'the refused call wrote nothing');
    // Another person is not affected.
    const other = await s.signedUser();
    assert.equal((await s.createLink(other.token)).status, 200);
    // A used link is no longer live.
    await s.db.owner`update private.web_checkout_links set consumed_at = now() where user_id = ${user.id} and created_at = (select min(created_at) from private.web_checkout_links where user_id = ${user.id})`;
    assert.equal((await s.createLink(user.token)).status, 200);
  });

  test('bounded per person: at most 10 links an hour, even when each is used at once', async () => {
    const user = await s.signedUser();
    for (let i = 0; i < 10; i++) {
      const res = await s.createLink(user.token);
      assert.equal(res.status, 200, `link ${i + 1}`);
      await s.db.owner`update private.web_checkout_links set consumed_at = now() where user_id = ${user.id} and consumed_at is null`;
    }
    const refused = await s.createLink(user.token);
    assert.equal(refused.status, 429);
    const retryAfter = Number(refused.headers.get('retry-after'));
    assert.ok(retryAfter > 3000 && retryAfter <= 3600, `Retry-After ${retryAfter}`);
  });

  test('concurrent taps cannot get past the bound', async () => {
    const user = await s.signedUser();
    const answers = await Promise.all(Array.from({ length: 8 }, () => s.createLink(user.token)));
    assert.deepEqual(answers.map((a) => a.status).sort(), [200, 200, 200, 429, 429, 429, 429, 429]);
    assert.equal((await s.links(user.id)).length, 3);
  });

  test('only GET and POST; CORS answers our web origins only (the app sends no Origin)', async () => {
    const put = await callFunction(s.link, { method: 'PUT', body: {} });
    assert.equal(put.status, 405);
    const preflight = await fetch(s.link.url, { method: 'OPTIONS', headers: { origin: WEB_ORIGIN } });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get('access-control-allow-origin'), WEB_ORIGIN);
    const user = await s.signedUser();
    const foreign = await s.createLink(user.token, { storefront: 'USA' }, { origin: 'https://evil.example' });
    assert.equal(foreign.status, 403);
    assert.equal(foreign.body.error.code, 'origin_not_allowed');
    assert.deepEqual(await s.links(user.id), []);
  });

  test('the database down: 503 database_unavailable, then it works again', async () => {
    const user = await s.signedUser();
    s.proxy.cut();
    try {
      const res = await s.createLink(user.token);
      assert.equal(res.status, 503);
      assert.equal(res.body.error.code, 'database_unavailable');
    } finally {
      s.proxy.resume();
    }
    assert.equal((await s.createLink(user.token)).status, 200);
  });

  test('WEB_CHECKOUT_STOREFRONTS: a configured list, "none", and a malformed value (500 config_error)', async () => {
    const several = await startEdgeFunction('web-checkout-link', { ...s.env, WEB_CHECKOUT_STOREFRONTS: 'USA, CAN' });
    const none = await startEdgeFunction('web-checkout-link', { ...s.env, WEB_CHECKOUT_STOREFRONTS: 'none' });
    const broken = await startEdgeFunction('web-checkout-link', { ...s.env, WEB_CHECKOUT_STOREFRONTS: 'usa' });
    try {
      const user = await s.signedUser();
      assert.deepEqual((await callFunction(several, { method: 'GET' })).body, { storefronts: ['USA', 'CAN'] });
      assert.equal((await callFunction(several, { token: user.token, body: { storefront: 'CAN' } })).status, 200);
      assert.deepEqual((await callFunction(none, { method: 'GET' })).body, { storefronts: [] });
      const off = await callFunction(none, { token: user.token, body: { storefront: 'USA' } });
      assert.equal(off.status, 403);
      assert.equal(off.body.error.code, 'storefront_not_eligible');
      const misconfigured = await callFunction(broken, { method: 'GET' });
      assert.equal(misconfigured.status, 500);
      assert.equal(misconfigured.body.error.code, 'config_error');
      assert.match(misconfigured.body.error.message, /WEB_CHECKOUT_STOREFRONTS/);
    } finally {
      await Promise.all([several.stop(), none.stop(), broken.stop()]);
    }
  });

  test('a deleted account takes its links with it', async () => {
    const user = await s.signedUser();
    assert.equal((await s.createLink(user.token)).status, 200);
    await s.db.owner`delete from auth.users where id = ${user.id}`;
    assert.deepEqual(await s.links(user.id), []);
    const res = await s.createLink(user.token);
    assert.equal(res.status, 404);
    assert.equal(res.body.error.code, 'account_not_found');
  });
});
