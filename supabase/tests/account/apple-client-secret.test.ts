// scripts/apple-client-secret.ts: a JWT Apple accepts as a client secret, at most six months long.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { decodeProtectedHeader, jwtVerify } from 'jose';
import { repoRoot } from '../../../scripts/lib/supabase-compat.ts';

const run = promisify(execFile);

test('the client secret is an ES256 JWT from the team, for the Services ID, valid for six months at most', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'siwa-'));
  try {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const keyFile = join(dir, 'AuthKey_KEY1234567.p8');
    await writeFile(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const args = ['--import', 'tsx', 'scripts/apple-client-secret.ts', '--team-id', 'TEAM123456', '--key-id', 'KEY1234567', '--client-id', 'com.certgames.web', '--key', keyFile];
    const { stdout, stderr } = await run(process.execPath, args, { cwd: repoRoot });
    const jwt = stdout.trim();
    assert.deepEqual(decodeProtectedHeader(jwt), { alg: 'ES256', kid: 'KEY1234567' });
    const { payload } = await jwtVerify(jwt, publicKey, { issuer: 'TEAM123456', subject: 'com.certgames.web', audience: 'https://appleid.apple.com' });
    assert.ok(payload.exp! - payload.iat! <= 15_777_000);
    assert.ok(payload.exp! - payload.iat! >= 179 * 86_400);
    assert.match(stderr, /Expires \d{4}-\d\d-\d\dT/);
    const tooLong = await run(process.execPath, [...args, '--days', '200'], { cwd: repoRoot }).catch((e) => e);
    assert.equal(tooLong.code, 2);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
