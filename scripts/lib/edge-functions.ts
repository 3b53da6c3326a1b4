// Runs one real edge function (supabase/functions/<name>/index.ts) under Deno, with its own
// deno.json, resolving npm packages from the project's node_modules, on a free loopback port.
// Used by npm run dev, the tests and the benchmarks.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { readdir } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { freePort } from './local-postgres.ts';
import { repoRoot } from './supabase-compat.ts';

export interface RunningFunction {
  url: string;
  logs(): string;
  stop(): Promise<void>;
}

export const denoBin = join(repoRoot, 'node_modules', '.bin', 'deno');

export function denoRunArgs(name: string): string[] {
  const dir = join(repoRoot, 'supabase', 'functions', name);
  return ['run', '--config', join(dir, 'deno.json'), '--node-modules-dir=manual', '--allow-net', '--allow-env', '--allow-read', '--no-prompt', join(dir, 'index.ts')];
}

export async function startEdgeFunction(name: string, env: Record<string, string>): Promise<RunningFunction> {
  const port = await freePort();
  const child: ChildProcess = spawn(denoBin, denoRunArgs(name), {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', DENO_NO_UPDATE_CHECK: '1', ...env, DENO_SERVE_ADDRESS: `tcp:127.0.0.1:${port}` },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Never leave a Deno process behind, even when the parent crashes.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  child.once('exit', () => process.removeListener('exit', killOnExit));
  let output = '';
  child.stdout!.on('data', (c) => (output += c));
  child.stderr!.on('data', (c) => (output += c));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start:\n${output}`)), 30_000);
    const check = () => {
      if (output.includes('Listening on')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', check);
    child.stderr!.on('data', check);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code}:\n${output}`));
    });
  });
  return {
    url: `http://127.0.0.1:${port}`,
    logs: () => output,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.on('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

export interface CallInit {
  method?: string;
  token?: string;
  body?: unknown;
  rawBody?: string;
  origin?: string;
  headers?: Record<string, string>;
}

// deno-lint-ignore no-explicit-any
export type CallResult = { status: number; body: any; headers: Headers };

/** One HTTP request to a running function, as a client would send it; JSON in and out. */
export async function callFunction(fn: RunningFunction, init: CallInit = {}): Promise<CallResult> {
  const headers: Record<string, string> = { ...init.headers };
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  if (init.origin) headers.origin = init.origin;
  let body: string | undefined = init.rawBody;
  if (init.body !== undefined) {
    body = JSON.stringify(init.body);
    headers['content-type'] = 'application/json';
  }
  const res = await fetch(fn.url, { method: init.method ?? 'POST', headers, body });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
}

/** Every function in supabase/functions (folders not starting with `_`). */
export async function edgeFunctionNames(): Promise<string[]> {
  const entries = await readdir(join(repoRoot, 'supabase', 'functions'), { withFileTypes: true });
  return entries.filter((e) => e.isDirectory() && !e.name.startsWith('_')).map((e) => e.name).sort();
}

/** Forwards one request to a function, as Supabase's API gateway does for /functions/v1/<name>. */
export async function proxyToFunction(req: IncomingMessage, res: ServerResponse, target: string, search: string): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string' && k !== 'host' && k !== 'content-length') headers[k] = v;
  const hasBody = !['GET', 'HEAD', 'OPTIONS'].includes(req.method ?? 'GET');
  const upstream = await fetch(target + search, { method: req.method, headers, body: hasBody ? Buffer.concat(chunks) : undefined });
  const out: Record<string, string> = {};
  upstream.headers.forEach((v, k) => (out[k] = v));
  res.writeHead(upstream.status, out);
  res.end(Buffer.from(await upstream.arrayBuffer()));
}
