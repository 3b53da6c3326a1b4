// Apple's root certificates: the pinned fingerprints, the download script (against a local stand-in
// for Apple's site), and the function refusing a test chain once only Apple's roots are trusted.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { APPLE_ROOT_CERTIFICATES } from '../../functions/_shared/apple-root-pins.ts';
import { repoRoot } from '../../../scripts/lib/supabase-compat.ts';
import { startAppStoreStack, type AppStoreStack } from '../helpers/app-store-stack.ts';

const run = promisify(execFile);
const fixtures = join(repoRoot, 'supabase', 'tests', 'fixtures', 'apple-root-certificates');
let server: Server;
let base: string;
let tamper = false;

before(async () => {
  server = createServer(async (req, res) => {
    const file = req.url?.split('/').pop() ?? '';
    try {
      let body = await readFile(join(fixtures, file));
      if (tamper && file === 'AppleRootCA-G2.cer') body = Buffer.concat([body.subarray(0, body.length - 1), Buffer.from([body[body.length - 1] ^ 1])]);
      res.writeHead(200, { 'content-type': 'application/pkix-cert' }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

test('the pinned fingerprints are those of Apple’s roots (G3 signs App Store data)', async () => {
  for (const root of APPLE_ROOT_CERTIFICATES) {
    const der = await readFile(join(fixtures, root.file));
    assert.equal(createHash('sha256').update(der).digest('hex').toUpperCase(), root.sha256, root.file);
    const cert = new X509Certificate(der);
    assert.match(cert.subject, /O=Apple Inc\./, root.file);
    assert.equal(cert.checkIssued(cert), true, `${root.file} is self-signed`);
  }
  assert.match(new X509Certificate(await readFile(join(fixtures, 'AppleRootCA-G3.cer'))).subject, /CN=Apple Root CA - G3/);
});

async function download(out: string) {
  return run(process.execPath, ['--import', 'tsx', 'scripts/apple-root-certificates.ts', '--out', out], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH, APPLE_PKI_BASE_URL: base },
  }).then((r) => ({ code: 0, output: r.stdout + r.stderr }), (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, output: e.stdout + e.stderr }));
}

test('the download script writes the three roots after checking each fingerprint', async () => {
  const out = await mkdtemp(join(tmpdir(), 'apple-roots-out-'));
  try {
    const { code, output } = await download(out);
    assert.equal(code, 0, output);
    assert.deepEqual((await readdir(out)).sort(), APPLE_ROOT_CERTIFICATES.map((r) => r.file).sort());
    assert.match(output, /Wrote 3 verified Apple root certificates/);
  } finally {
    await rm(out, { recursive: true, force: true });
  }
});

test('one file that does not match its pin: nothing is written', async () => {
  const out = await mkdtemp(join(tmpdir(), 'apple-roots-out-'));
  tamper = true;
  try {
    const { code, output } = await download(join(out, 'roots'));
    assert.equal(code, 1);
    assert.match(output, /AppleRootCA-G2\.cer .* does not match the pinned/);
    assert.deepEqual(await readdir(out), []);
  } finally {
    tamper = false;
    await rm(out, { recursive: true, force: true });
  }
});

test('with only Apple’s roots trusted, data signed by any other chain is refused', async () => {
  let s: AppStoreStack | undefined;
  try {
    s = await startAppStoreStack({ functions: [] });
    const fn = await s.start('app-store-notifications', {
      APPLE_ROOT_CERTIFICATES: APPLE_ROOT_CERTIFICATES.map((r) => join(fixtures, r.file)).join(','),
      APPLE_TRUST_UNPINNED_ROOTS: 'false',
    });
    const res = await s.notify(await s.sandbox.test(), fn);
    assert.deepEqual([res.status, res.body.error.code], [400, 'invalid_signature']);
  } finally {
    await s?.stop();
  }
});

