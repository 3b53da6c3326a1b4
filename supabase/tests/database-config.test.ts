// Which database URLs get prepared statements (one round trip a query instead of two): all but a
// transaction-mode pooler, where consecutive statements may run on different server connections.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, preparedStatementsAllowed } from '../functions/_shared/config.ts';

test('prepared statements everywhere but through a transaction-mode pooler (port 6543)', () => {
  assert.equal(preparedStatementsAllowed('postgresql://postgres:postgres@127.0.0.1:54322/postgres'), true);
  assert.equal(preparedStatementsAllowed('postgresql://postgres:pw@db.abcdefghijklmnop.supabase.co:5432/postgres'), true);
  assert.equal(preparedStatementsAllowed('postgres://postgres.ref:pw@aws-0-eu-central-1.pooler.supabase.com:5432/postgres'), true); // session mode
  assert.equal(preparedStatementsAllowed('postgres://postgres.ref:pw@aws-0-eu-central-1.pooler.supabase.com:6543/postgres'), false);
  assert.throws(() => preparedStatementsAllowed('not a url'), ConfigError);
});
