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
  /** The Deno process id. */
  readonly pid: number | undefined;
  /** null while the Deno process runs; how it ended once it has exited. */
  exitStatus(): ExitStatus | null;
  /** Resolves when the Deno process exits, however it ends. */
  readonly exited: Promise<ExitStatus>;
  stop(): Promise<void>;
}

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export const denoBin = join(repoRoot, 'node_modules', '.bin', 'deno');

export function denoRunArgs(name: string): string[] {
  const dir = join(repoRoot, 'supabase', 'functions', name);
  return ['run', '--config', join(dir, 'deno.json'), '--node-modules-dir=manual', '--allow-net', '--allow-env', '--allow-read', '--no-prompt', join(dir, 'index.ts')];
}

const liveChildren = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of liveChildren) child.kill('SIGKILL');
});

/** Log text kept per process: enough for any failure message, bounded for long `npm run dev` runs. */
const MAX_LOG_CHARS = 200_000;

export async function startEdgeFunction(name: string, env: Record<string, string>, options: { denoFlags?: string[] } = {}): Promise<RunningFunction> {
  const port = await freePort();
  const args = denoRunArgs(name);
  args.splice(1, 0, ...(options.denoFlags ?? []));
  const child: ChildProcess = spawn(denoBin, args, {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', DENO_NO_UPDATE_CHECK: '1', ...env, DENO_SERVE_ADDRESS: `tcp:127.0.0.1:${port}` },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Never leave a Deno process behind, even when the parent crashes (one exit listener for all).
  liveChildren.add(child);
  child.once('exit', () => liveChildren.delete(child));
  const exited = new Promise<ExitStatus>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  let output = '';
  const onData = (c: Buffer) => {
    output += c;
    if (output.length > MAX_LOG_CHARS) output = output.slice(-MAX_LOG_CHARS / 2);
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
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
    pid: child.pid,
    exited,
    exitStatus: () => (child.exitCode === null && child.signalCode === null ? null : { code: child.exitCode, signal: child.signalCode }),
    async stop() {
      // A process killed by a signal has no exit code, only a signal code: it has exited too.
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

export interface SupervisedFunction extends RunningFunction {
  /** How many times the process was restarted after it died. */
  restarts(): number;
}

export interface SuperviseOptions {
  /** Where restart notices go (npm run dev prints them). */
  log?: (line: string) => void;
  /** Delay before the first restart; doubles with each consecutive one, up to maxDelayMs. */
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** A process that ran at least this long before dying restarts after initialDelayMs again. */
  resetAfterMs?: number;
}

/**
 * An edge function that is started again, with backoff, whenever its Deno process dies (a crash, a
 * kill, an out-of-memory exit), as the hosted edge runtime does: `npm run dev` must not stay broken
 * until someone restarts it. `url` always names the running process (a restart gets a new port),
 * so read it per request. `stop()` stops it for good.
 */
export async function superviseEdgeFunction(name: string, env: Record<string, string>, options: SuperviseOptions = {}): Promise<SupervisedFunction> {
  const log = options.log ?? ((line: string) => console.log(line));
  const initialDelayMs = options.initialDelayMs ?? 500;
  const maxDelayMs = options.maxDelayMs ?? 30_000;
  const resetAfterMs = options.resetAfterMs ?? 60_000;
  let running = await startEdgeFunction(name, env);
  let startedAt = Date.now();
  let restarts = 0;
  let consecutive = 0;
  let stopped = false;
  let wake: (() => void) | undefined;
  const sleep = (ms: number) => new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    wake = () => (clearTimeout(timer), resolve());
  });

  let starting: Promise<unknown> = Promise.resolve();

  const watch = (fn: RunningFunction) => {
    void fn.exited.then(async (status) => {
      if (stopped) return;
      restarts++;
      const how = status.signal ? `signal ${status.signal}` : `exit code ${status.code}`;
      for (let attempt = 1; !stopped; attempt++) {
        consecutive = attempt === 1 && Date.now() - startedAt >= resetAfterMs ? 1 : consecutive + 1;
        const delay = Math.min(maxDelayMs, initialDelayMs * 2 ** (consecutive - 1));
        log(attempt === 1
          ? `Edge function ${name} died (${how}); restarting it in ${delay} ms (restart ${restarts})`
          : `Edge function ${name}: trying again in ${delay} ms (restart ${restarts}, attempt ${attempt})`);
        await sleep(delay);
        if (stopped) return;
        startedAt = Date.now();
        const next = startEdgeFunction(name, env);
        starting = next.catch(() => {});
        try {
          running = await next;
        } catch (error) {
          log(`Edge function ${name} did not start: ${error instanceof Error ? error.message.split('\n')[0] : error}`);
          continue;
        }
        if (stopped) return void (await running.stop());
        log(`Edge function ${name} restarted (restart ${restarts}) at ${running.url}`);
        watch(running);
        return;
      }
    });
  };
  watch(running);

  return {
    get url() {
      return running.url;
    },
    get pid() {
      return running.pid;
    },
    get exited() {
      return running.exited;
    },
    logs: () => running.logs(),
    exitStatus: () => running.exitStatus(),
    restarts: () => restarts,
    async stop() {
      stopped = true;
      wake?.();
      await starting;
      await running.stop();
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
