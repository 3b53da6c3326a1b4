// The iOS app's contract with the backend, as JSON: real answers of the REST API (the caller's
// `subscriptions` rows, serialized by Postgres exactly as PostgREST does) and of every function a
// signed-in client calls, produced here from the real schema and the real functions under Deno.
// The Swift tests decode these files; this test fails when the backend's answers no longer match
// them, so neither side can change alone. Regenerate: UPDATE_IOS_FIXTURES=1 npm test -- ios-contract
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startAppStoreStack, TEST_APP_APPLE_ID, type AppStoreStack } from '../helpers/app-store-stack.ts';
import { startStripeStack, WEB_ORIGIN, type StripeStack } from '../helpers/stripe-stack.ts';
import { FakeAppStore, generateTestChain } from '../fakes/fake-app-store.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.ts';
import { callFunction, startEdgeFunction, type CallResult } from '../helpers/edge-function.ts';
import { ABOUT, contractDifferences, FIXTURES_DIR, normalize, readCommittedFixtures, type Fixture } from './contract-fixtures.ts';
import { startWebCheckoutStack, type WebCheckoutStack } from '../web-checkout-link/stack.ts';

const generatedAt = Date.now();
const produced = new Map<string, Fixture>();

function record(name: string, request: string, status: number, body: unknown): void {
  assert.ok(!produced.has(`${name}.json`), `fixture ${name} produced twice`);
  produced.set(`${name}.json`, { _about: ABOUT, request, status, body: normalize(body, generatedAt) });
}

function recordCall(name: string, request: string, res: CallResult, expectedStatus: number): void {
  assert.equal(res.status, expectedStatus, `${request}: ${JSON.stringify(res.body)}`);
  record(name, request, res.status, res.body);
}

/** `GET /rest/v1/subscriptions` as the user: PostgREST's own query shape, so Postgres's JSON. */
async function restSubscriptions(db: TestDatabase, userId: string): Promise<unknown> {
  const [{ body }] = await db.asUser(userId, async (tx) => {
    await tx`set local timezone to 'UTC'`; // Supabase's databases run in UTC
    return tx`select coalesce(json_agg(_postgrest_t), '[]')::text as body
              from (select "public"."subscriptions".* from "public"."subscriptions") _postgrest_t`;
  });
  return JSON.parse(body);
}

/** One exam's first page of `practice_questions` as the app reads it (PostgREST's JSON); null user: anon. */
async function restPracticeQuestions(db: TestDatabase, userId: string | null): Promise<unknown> {
  const read = async (tx: Parameters<Parameters<TestDatabase['asAnon']>[0]>[0]) => {
    const [{ body }] = await tx`select coalesce(json_agg(_postgrest_t), '[]')::text as body
      from (select "public"."practice_questions".* from "public"."practice_questions"
            where exam_code = 'security-plus' and position > 0 order by position limit 20) _postgrest_t`;
    return JSON.parse(body);
  };
  return userId ? db.asUser(userId, read) : db.asAnon(read);
}

describe('iOS contract fixtures', () => {
  describe('App Store: REST rows and app-store-sync', () => {
    let s: AppStoreStack;
    before(async () => {
      s = await startAppStoreStack({ functions: ['app-store-sync', 'app-store-notifications'] });
    });
    after(async () => s?.stop());

    test('own purchase: 200 linked, and the row the app then reads', async () => {
      const buyer = await s.signedUser();
      const sub = s.sandbox.subscription({ appAccountToken: buyer.id });
      recordCall('app-store-sync.200-linked', 'POST /functions/v1/app-store-sync', await s.sync(buyer.token, await sub.signedTransaction()), 200);
      const rows = await restSubscriptions(s.db, buyer.id);
      assert.equal((rows as { is_active: boolean }[])[0]?.is_active, true);
      record('rest-subscriptions.app-store-active', 'GET /rest/v1/subscriptions?select=*', 200, rows);

      const other = await s.signedUser();
      recordCall('app-store-sync.409-owned-by-another-account', 'POST /functions/v1/app-store-sync',
        await s.sync(other.token, await sub.signedTransaction()), 409);
    });

    test('signed-out and forged calls', async () => {
      const jws = await s.sandbox.subscription().signedTransaction();
      recordCall('app-store-sync.401-unauthorized', 'POST /functions/v1/app-store-sync',
        await s.call('app-store-sync', { body: { signedTransaction: jws } }), 401);
      const user = await s.signedUser();
      const forger = new FakeAppStore({ chain: await generateTestChain(), environment: 'Sandbox', appAppleId: TEST_APP_APPLE_ID });
      recordCall('app-store-sync.400-invalid-signature', 'POST /functions/v1/app-store-sync',
        await s.sync(user.token, await forger.subscription({ appAccountToken: user.id }).signedTransaction()), 400);
    });

    test('billing grace period, from Apple’s notifications', async () => {
      const user = await s.signedUser();
      const sub = s.sandbox.subscription({ appAccountToken: user.id });
      assert.equal((await s.notify(await sub.subscribe())).status, 200);
      assert.equal((await s.notify(await sub.failToRenew(true))).status, 200);
      const rows = await restSubscriptions(s.db, user.id);
      assert.deepEqual(
        [(rows as { status: string; is_active: boolean }[])[0]?.status, (rows as { is_active: boolean }[])[0]?.is_active],
        ['in_grace_period', true]);
      record('rest-subscriptions.app-store-grace', 'GET /rest/v1/subscriptions?select=*', 200, rows);
    });

    test('never subscribed: no row', async () => {
      const user = await s.signedUser();
      record('rest-subscriptions.none', 'GET /rest/v1/subscriptions?select=*', 200, await restSubscriptions(s.db, user.id));
    });
  });

  describe('Stripe: subscribe and portal', () => {
    let s: StripeStack;
    before(async () => {
      s = await startStripeStack({ functions: ['subscribe', 'portal', 'stripe-webhook'] });
    });
    after(async () => s?.stop());

    const web = (token?: string, method = 'POST') => ({ token, origin: WEB_ORIGIN, method, ...(method === 'POST' ? { body: {} } : {}) });

    test('price, subscribe, paid row, portal', async () => {
      recordCall('subscribe.get-200', 'GET /functions/v1/subscribe', await s.call('subscribe', web(undefined, 'GET')), 200);
      const user = await s.signedUser();
      const started = await s.call('subscribe', web(user.token));
      recordCall('subscribe.post-200', 'POST /functions/v1/subscribe', started, 200);
      for (const event of s.stripe.payFirstInvoice(started.body.subscriptionId, 'succeeded')) {
        assert.equal((await s.deliver(event)).status, 200);
      }
      const rows = await restSubscriptions(s.db, user.id);
      assert.equal((rows as { is_active: boolean }[])[0]?.is_active, true);
      record('rest-subscriptions.stripe-active', 'GET /rest/v1/subscriptions?select=*', 200, rows);
      recordCall('portal.post-200', 'POST /functions/v1/portal', await s.call('portal', web(user.token)), 200);
    });

    test('account deletion: a web subscriber, an App Store subscriber, and a second call', async () => {
      const fn = await startEdgeFunction('delete-account', s.env);
      try {
        const deleteAs = (token: string) => callFunction(fn, { token, body: {} });
        const payer = await s.signedUser();
        const started = await s.call('subscribe', web(payer.token));
        for (const event of s.stripe.payFirstInvoice(started.body.subscriptionId, 'succeeded')) assert.equal((await s.deliver(event)).status, 200);
        recordCall('delete-account.post-200-web-subscriber', 'POST /functions/v1/delete-account', await deleteAs(payer.token), 200);
        recordCall('delete-account.post-404-account-not-found', 'POST /functions/v1/delete-account', await deleteAs(payer.token), 404);
        const iosSubscriber = await s.signedUser();
        await s.db.owner`select * from billing.apply_subscription_update('app_store', ${'fixture-' + randomUUID()}, 'app.transaction_sync',
          now(), ${String(2_000_000_000_000_000 + Date.now())}, ${iosSubscriber.id}, 'com.certgames.app.monthly_premium', 'active',
          now() + interval '30 days', true, null, true)`;
        recordCall('delete-account.post-200-app-store-subscriber', 'POST /functions/v1/delete-account', await deleteAs(iosSubscriber.token), 200);
      } finally {
        await fn.stop();
      }
    });

    test('refusals the app can meet: no web billing account, already subscribed in either store', async () => {
      const newcomer = await s.signedUser();
      recordCall('portal.post-404-no-billing-account', 'POST /functions/v1/portal', await s.call('portal', web(newcomer.token)), 404);

      const iosSubscriber = await s.signedUser();
      await s.db.owner`select * from billing.apply_subscription_update('app_store', ${'fixture-' + randomUUID()}, 'app.transaction_sync',
        now(), ${String(2_000_000_000_000_000 + Date.now())}, ${iosSubscriber.id}, 'com.certgames.app.monthly_premium', 'active',
        now() + interval '30 days', true, null, true)`;
      recordCall('subscribe.post-409-already-subscribed-app-store', 'POST /functions/v1/subscribe', await s.call('subscribe', web(iosSubscriber.token)), 409);

      // Paid in Stripe, webhook not delivered yet: Stripe's own status is reported.
      const payer = await s.signedUser();
      const started = await s.call('subscribe', web(payer.token));
      s.stripe.payFirstInvoice(started.body.subscriptionId, 'succeeded');
      recordCall('subscribe.post-409-already-subscribed-stripe', 'POST /functions/v1/subscribe', await s.call('subscribe', web(payer.token)), 409);
    });
  });

  describe('REST: practice questions behind RLS', () => {
    let db: TestDatabase;
    before(async () => {
      db = await createTestDatabase();
      await db.owner`insert into public.practice_questions (exam_code, position, question, choices, answer, explanation, is_premium)
        values ('security-plus', 1, 'Which principle grants each account only the permissions it needs?',
                '["Least privilege", "Separation of duties", "Defense in depth"]', 0, 'Least privilege limits the damage of a compromised account.', false),
               ('security-plus', 2, 'What does a hash provide when a file is downloaded?',
                '["Confidentiality", "Integrity", "Availability", "Non-repudiation"]', 1, 'A matching hash shows the file did not change.', true)`;
    });
    after(async () => db?.drop());

    test('a subscriber reads every question, anyone else the free ones', async () => {
      const subscriber = await db.createUser();
      await db.owner`select * from billing.apply_subscription_update('app_store', ${'fixture-' + randomUUID()}, 'SUBSCRIBED.INITIAL_BUY',
        now(), ${String(2_000_000_000_000_000 + Date.now())}, ${subscriber}, 'com.certgames.app.monthly_premium', 'active',
        now() + interval '30 days', true, null, true)`;
      const all = await restPracticeQuestions(db, subscriber) as { is_premium: boolean }[];
      assert.deepEqual(all.map((q) => q.is_premium), [false, true]);
      record('rest-practice-questions.subscriber', 'GET /rest/v1/practice_questions?select=*&exam_code=eq.security-plus&position=gt.0&order=position.asc&limit=20', 200, all);
      const free = await restPracticeQuestions(db, await db.createUser()) as { is_premium: boolean }[];
      assert.deepEqual(free.map((q) => q.is_premium), [false]);
      assert.deepEqual(await restPracticeQuestions(db, null), free, 'signed out reads the same free questions');
      record('rest-practice-questions.not-subscribed', 'GET /rest/v1/practice_questions?select=*&exam_code=eq.security-plus&position=gt.0&order=position.asc&limit=20', 200, free);
    });
  });

  describe('Buy on the web: web-checkout-link', () => {
    let s: WebCheckoutStack;
    before(async () => {
      s = await startWebCheckoutStack();
    });
    after(async () => s?.stop());

    test('where it is offered, a link, and every refusal the app can meet', async () => {
      recordCall('web-checkout-link.get-200', 'GET /functions/v1/web-checkout-link', await callFunction(s.link, { method: 'GET' }), 200);
      const user = await s.signedUser();
      recordCall('web-checkout-link.post-200', 'POST /functions/v1/web-checkout-link', await s.createLink(user.token), 200);
      recordCall('web-checkout-link.post-401-unauthorized', 'POST /functions/v1/web-checkout-link', await s.createLink(undefined), 401);
      recordCall('web-checkout-link.post-400-invalid-request', 'POST /functions/v1/web-checkout-link', await s.createLink(user.token, { storefront: 'usa' }), 400);
      recordCall('web-checkout-link.post-403-storefront-not-eligible', 'POST /functions/v1/web-checkout-link',
        await s.createLink(user.token, { storefront: 'CAN' }), 403);
      await s.createLink(user.token);
      await s.createLink(user.token);
      recordCall('web-checkout-link.post-429-too-many-links', 'POST /functions/v1/web-checkout-link', await s.createLink(user.token), 429);
      const subscriber = await s.signedUser();
      await s.entitle(subscriber.id, 'app_store');
      recordCall('web-checkout-link.post-409-already-subscribed', 'POST /functions/v1/web-checkout-link', await s.createLink(subscriber.token), 409);
      const noEmail = await s.signedUser();
      await s.db.owner`update auth.users set email = null where id = ${noEmail.id}`;
      recordCall('web-checkout-link.post-409-no-email-address', 'POST /functions/v1/web-checkout-link', await s.createLink(noEmail.token), 409);
    });
  });

  // Runs last (node:test runs a file's suites in order).
  test('the committed fixtures are what the backend answers', async () => {
    assert.ok(produced.size >= 17, `only ${produced.size} fixtures were produced: did a scenario fail?`);
    if (process.env.UPDATE_IOS_FIXTURES === '1') {
      for (const name of await readdir(FIXTURES_DIR)) {
        if (name.endsWith('.json') && !produced.has(name)) await rm(join(FIXTURES_DIR, name));
      }
      for (const [name, fixture] of produced) {
        await writeFile(join(FIXTURES_DIR, name), JSON.stringify(fixture, null, 2) + '\n');
      }
      return;
    }
    const committed = await readCommittedFixtures();
    const problems: string[] = [];
    for (const name of committed.keys()) if (!produced.has(name)) problems.push(`${name}: committed but no longer produced`);
    for (const [name, fixture] of produced) {
      const existing = committed.get(name);
      if (!existing) {
        problems.push(`${name}: produced but not committed`);
        continue;
      }
      if (existing.status !== fixture.status) problems.push(`${name}: status ${existing.status} became ${fixture.status}`);
      problems.push(...contractDifferences(existing.body, fixture.body, name));
    }
    assert.deepEqual(problems, [], 'The backend no longer answers what the iOS app expects. Update the Swift side, then ' +
      'UPDATE_IOS_FIXTURES=1 npm test -- ios-contract');
  });
});
