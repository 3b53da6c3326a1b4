// Benchmark-only: the server processes under test (our Deno function, the Stripe Sync Engine) with
// their pids exposed, and CPU accounting from /proc (Linux): per process, per Postgres cluster, and
// for the whole machine.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { startEdgeFunction } from './edge-functions.ts';
import { repoRoot } from './supabase-compat.ts';

export interface ServerProcess {
  name: string;
  url: string;
  pid: number;
  /** Chrome DevTools Protocol endpoint, when started with `inspect`. */
  inspectorUrl?: string;
  logs(): string;
  stop(): Promise<void>;
}

function supervise(name: string, child: ChildProcess, ready: RegExp, timeoutMs = 60_000): Promise<{ output: () => string; match: RegExpMatchArray[] }> {
  // Never leave a server behind, even when the benchmark crashes.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  child.once('exit', () => process.removeListener('exit', killOnExit));
  let output = '';
  const matches: RegExpMatchArray[] = [];
  const onData = (c: Buffer) => {
    output += c;
    if (output.length > 200_000) output = output.slice(-100_000);
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start:\n${output}`)), timeoutMs);
    const check = () => {
      const m = output.match(ready);
      if (m) {
        clearTimeout(timer);
        child.stdout!.off('data', check);
        child.stderr!.off('data', check);
        resolve({ output: () => output, match: [m] });
      }
    };
    child.stdout!.on('data', check);
    child.stderr!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code}:\n${output}`));
    });
  });
}

function stopper(child: ChildProcess) {
  return async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  };
}

/** One edge function under Deno, started by scripts/lib/edge-functions.ts, optionally with the V8 inspector. */
export async function startDenoFunction(name: string, env: Record<string, string>, options: { inspect?: boolean; denoFlags?: string[] } = {}): Promise<ServerProcess> {
  const fn = await startEdgeFunction(name, env, { denoFlags: [...(options.inspect ? ['--inspect=127.0.0.1:0'] : []), ...(options.denoFlags ?? [])] });
  const inspectorUrl = fn.logs().match(/ws:\/\/127\.0\.0\.1:\d+\/[\w/-]+/)?.[0];
  return { name, url: fn.url, pid: fn.pid!, inspectorUrl, logs: fn.logs, stop: fn.stop };
}

/** The Stripe Sync Engine behind scripts/lib/bench-sync-engine-server.ts, in its own Node process. */
export async function startSyncEngineServer(env: Record<string, string>): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'scripts', 'lib', 'bench-sync-engine-server.ts')], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', NODE_ENV: 'production', ...env, PORT: '0' },
    // The IPC channel closes when the benchmark dies; the server then exits.
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const { output } = await supervise('stripe-sync-engine', child, /Listening on (http:\/\/127\.0\.0\.1:\d+)/);
  const url = output().match(/Listening on (http:\/\/127\.0\.0\.1:\d+)/)![1];
  return { name: 'stripe-sync-engine', url, pid: child.pid!, logs: output, stop: stopper(child) };
}

// ---- CPU accounting (Linux /proc; clock ticks are 100 Hz on Linux x86-64) --------------------

const TICK_MS = 10;

interface ProcStat { pid: number; ppid: number; cpuMs: number }

function procStat(pid: number): ProcStat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces: parse after its closing parenthesis.
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    // f[0] is field 3 (state): ppid is field 4, utime 14, stime 15.
    return { pid, ppid: Number(f[1]), cpuMs: (Number(f[11]) + Number(f[12])) * TICK_MS };
  } catch {
    return undefined;
  }
}

/** User + system CPU of one process (all its threads), in milliseconds. */
export function processCpuMs(pid: number): number {
  return procStat(pid)?.cpuMs ?? NaN;
}

/** User + system CPU of a Postgres cluster: the postmaster and every child (backends, walwriter, …). */
export function clusterCpuMs(postmasterPid: number): number {
  let total = procStat(postmasterPid)?.cpuMs ?? 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const s = procStat(Number(entry));
    if (s && s.ppid === postmasterPid) total += s.cpuMs;
  }
  return total;
}

/** The postmaster of the server a backend belongs to. */
export function postmasterOf(backendPid: number): number {
  const s = procStat(backendPid);
  if (!s) throw new Error(`no process ${backendPid} (is Postgres on this machine?)`);
  return s.ppid;
}

/** Machine-wide CPU time counters (all cores), in clock ticks. */
export function machineCpu(): { busy: number; idle: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]; // cpu user nice system idle iowait irq softirq steal
  const [user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
  return { busy: user + nice + system + irq + softirq + (steal ?? 0), idle: idle + iowait };
}

export interface CpuSnapshot { at: number; server: number; postgres: number; bench: number; machine: { busy: number; idle: number } }

export function cpuSnapshot(serverPid: number, postmasterPid: number): CpuSnapshot {
  const u = process.cpuUsage();
  return { at: performance.now(), server: processCpuMs(serverPid), postgres: clusterCpuMs(postmasterPid), bench: (u.user + u.system) / 1000, machine: machineCpu() };
}

/** CPU per event between two snapshots, and the share of the machine's cores left idle meanwhile. */
export function cpuBetween(a: CpuSnapshot, b: CpuSnapshot, events: number) {
  const per = (x: number) => Math.round((x / events) * 1000) / 1000;
  const wallMs = b.at - a.at;
  const busy = b.machine.busy - a.machine.busy;
  const idle = b.machine.idle - a.machine.idle;
  const round1 = (x: number) => Math.round(x * 10) / 10;
  const cores = (ms: number) => Math.round((ms / wallMs) * 100) / 100;
  return {
    server_cpu_ms_per_event: per(b.server - a.server),
    postgres_cpu_ms_per_event: per(b.postgres - a.postgres),
    bench_process_cpu_ms_per_event: per(b.bench - a.bench),
    server_cpu_cores: cores(b.server - a.server),
    postgres_cpu_cores: cores(b.postgres - a.postgres),
    bench_process_cpu_cores: cores(b.bench - a.bench),
    /** Cores used by this benchmark's processes together (server + Postgres + load generator/fake Stripe). */
    stack_cpu_cores: cores(b.server - a.server + b.postgres - a.postgres + b.bench - a.bench),
    machine_idle_percent: round1((idle / Math.max(1, busy + idle)) * 100),
  };
}
