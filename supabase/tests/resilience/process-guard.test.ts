// The edge functions' process guard (_shared/process-guard.ts), in a real Deno process: a node:net
// connect that fails after its socket lost every listener — what postgres.js leaves behind while it
// reconnects to a database that is down — ends the process without the guard and is dropped with
// it; any other uncaught error, a look-alike included, still ends the process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { denoBin } from '../helpers/edge-function.ts';
import { repoRoot } from '../../../scripts/lib/supabase-compat.ts';

const guardUrl = pathToFileURL(join(repoRoot, 'supabase', 'functions', '_shared', 'process-guard.ts')).href;

// Port 1 on loopback: nothing listens there, so a connect is refused at once.
const script = `
import { guardPostgresWriteAfterClose } from '${guardUrl}';
const net = await import('node:' + 'net');
const want = new Set(Deno.args);
if (want.has('guard')) guardPostgresWriteAfterClose();
if (want.has('abandoned-connect')) {
  const socket = new net.Socket();
  socket.on('error', () => {});
  socket.connect(1, '127.0.0.1');
  socket.removeAllListeners();
}
if (want.has('abandoned-connect-in-promise')) {
  // The same error, surfacing as a rejected promise (how CI saw it: "Uncaught (in promise)").
  const socket = new net.Socket();
  socket.on('error', (error) => { Promise.reject(error); });
  socket.connect(1, '127.0.0.1');
}
if (want.has('other-error')) setTimeout(() => { throw new Error('something else went wrong'); }, 10);
if (want.has('look-alike')) {
  // Right code and syscall, but not thrown by node:net's connect callback.
  Promise.reject(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED', syscall: 'connect' }));
}
await new Promise((resolve) => setTimeout(resolve, 300));
console.log('still alive');
`;

async function run(...args: string[]) {
  const dir = await mkdtemp(join(tmpdir(), 'process-guard-'));
  try {
    const file = join(dir, 'main.ts');
    await writeFile(file, script);
    const r = spawnSync(denoBin, ['run', '--allow-net', '--allow-read', '--no-prompt', '--no-config', file, ...args], {
      encoding: 'utf8', env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' }, timeout: 60_000,
    });
    return { code: r.status, out: `${r.stdout}${r.stderr}` };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('without the guard, a connect failure nobody listens to ends the process (the failure mode is real)', async () => {
  for (const how of ['abandoned-connect', 'abandoned-connect-in-promise']) {
    const r = await run(how);
    assert.notEqual(r.code, 0, `${how}: ${r.out}`);
    assert.match(r.out, /Uncaught.*ECONNREFUSED/s, how);
    assert.doesNotMatch(r.out, /still alive/, how);
  }
});

test('with the guard, it is dropped with a warning and the process lives', async () => {
  for (const how of ['abandoned-connect', 'abandoned-connect-in-promise']) {
    const r = await run('guard', how);
    assert.equal(r.code, 0, `${how}: ${r.out}`);
    assert.match(r.out, /still alive/, how);
    assert.match(r.out, /connect attempt failed after its connection was given up \(ECONNREFUSED\)/, how);
  }
});

test('with the guard, any other uncaught error still ends the process', async () => {
  for (const other of ['other-error', 'look-alike']) {
    const r = await run('guard', other);
    assert.notEqual(r.code, 0, `${other}: ${r.out}`);
    assert.doesNotMatch(r.out, /still alive/, other);
  }
});
