// `npm run dev` as a child process, for the tests that use the local stack as a person would.
import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { freePort } from '../../../scripts/lib/local-postgres.ts';
import { repoRoot } from '../../../scripts/lib/supabase-compat.ts';

/** Environment for a dev stack on free ports, with its data in dataDir. */
export async function devEnv(dataDir: string): Promise<Record<string, string>> {
  return {
    DEV_DATA_DIR: dataDir,
    DEV_DB_PORT: String(await freePort()),
    DEV_API_PORT: String(await freePort()),
    DEV_STRIPE_PORT: String(await freePort()),
    DEV_WEBHOOK_RECEIVER_PORT: String(await freePort()),
    DEV_WEB_PORT: String(await freePort()),
  };
}

export function startDev(env: Record<string, string>): { child: ChildProcess; output: () => string; ready: Promise<void> } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/dev.ts'], { cwd: repoRoot, env: { ...process.env, ...env } });
  let out = '';
  const ready = new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('Ready.')) resolve();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => reject(new Error(`dev exited early (${code}):\n${out}`)));
  });
  return { child, output: () => out, ready };
}

export async function interrupt(child: ChildProcess): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  child.kill('SIGINT');
  return exited;
}

export function portIsClosed(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.on('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.on('error', () => resolve(true));
  });
}

