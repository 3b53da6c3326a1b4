// Keeps an edge function's process alive through two known failures of postgres.js (3.4.9, the
// latest release) on Deno's node:net when Postgres goes away mid-request.
//
// 1. A write after close.
//
// The defect: postgres.js batches small writes behind `setImmediate(nextWrite)`. When a connection
// closes, `closed()` sets its socket to null, but a transaction (`sql.begin`) still holds that
// connection: the rest of its callback and the ROLLBACK that `begin` sends after the error both go
// to `connection.execute()`, which buffers them and schedules `nextWrite` again; `nextWrite` then
// runs `socket.write` on null (connection.js:255) inside the immediate — a TypeError with no caller
// to catch it, so Deno exits ("Uncaught TypeError: Cannot read properties of null (reading
// 'write')") and every in-flight request on the process is reset. Upstream: porsager/postgres#1066,
// #1154, #1208; denoland/deno#34667 (not a Deno bug: Node crashes the same way).
//
// Why a global listener: the throw is inside a timer callback of a library we cannot patch (the
// function bundles `npm:postgres@3.4.9`, unmodified from the registry, and there is no fixed
// release), so there is no frame of ours to put a try/catch in. A global `error` listener is the
// narrowest place that sees it; it is standard in Deno and Supabase's edge runtime
// (`globalThis.addEventListener`). It swallows exactly this error — thrown by postgres.js's
// `nextWrite` on a null socket — and nothing else: every other uncaught error still ends the process.
// The dropped write was for a connection that is already gone: its request was already answered
// (the transaction rejected with CONNECTION_CLOSED, a 503), and the pool that connection belongs to
// was retired when it closed (db.ts): no new query goes to it, and it is destroyed within a few
// seconds, so the connection, whose write buffer the throw left half-reset, is not reused.
//
// 2. A refused connect that nobody listens to any more. While Postgres is down, postgres.js keeps
// reconnecting; when it gives a socket up it removes every listener from it (`closed()`:
// `socket.removeAllListeners()`). A connect attempt on such a socket that fails afterwards makes
// node:net emit 'error' with no listener, which throws from inside Deno's connect callback ("Uncaught
// (in promise) Error: connect ECONNREFUSED … at _afterConnectImpl (ext:deno_node/net.ts)") and
// ends the process. Seen once in CI (stripe-webhook, resilience/database-outage.test.ts: five
// immediate shutdowns with webhooks in flight); reproduced with a bare node:net socket in
// resilience/process-guard.test.ts. The failure was already reported to postgres.js, or the socket
// was abandoned with its pool (db.ts): nothing waits for this error, so it is dropped with a
// warning. Only connect failures raised by node:net's own connect callback match; every other
// uncaught error still ends the process.
let installed = false;

/** True for postgres.js's write to a connection whose socket is already gone. */
export function isPostgresWriteAfterClose(error: unknown): boolean {
  if (!(error instanceof TypeError)) return false;
  const stack = error.stack ?? '';
  return /reading 'write'/.test(error.message) && /\bnextWrite\b/.test(stack) && /postgres[\\/](?:cjs[\\/]|cf[\\/])?src[\\/]connection\.js/.test(stack);
}

const CONNECT_FAILURES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL']);

/**
 * True for a node:net connect failure raised by node:net's own connect callback: a connect error
 * code, syscall 'connect', a frame in node:net's afterConnect, and no frame outside the runtime
 * (an error built by any other code has that code's frames).
 */
function isUnheardConnectFailure(error: unknown): error is Error & { code: string } {
  if (!(error instanceof Error)) return false;
  const { code, syscall } = error as Error & { code?: unknown; syscall?: unknown };
  if (syscall !== 'connect' || typeof code !== 'string' || !CONNECT_FAILURES.has(code)) return false;
  const frames = (error.stack ?? '').split('\n').map((line) => line.trim()).filter((line) => line.startsWith('at '));
  const inRuntime = (frame: string) => /\((?:ext|node):[^)]*\)$|^at (?:ext|node):\S+$/.test(frame);
  return frames.length > 0 && frames.every(inRuntime) &&
    frames.some((frame) => /\b_?afterConnect(?:Impl)?\b.*\((?:ext:deno_node\/net\.ts|node:net)\b/.test(frame));
}

/** Installs the guard (once per isolate). */
export function guardPostgresWriteAfterClose(): void {
  if (installed || typeof globalThis.addEventListener !== 'function') return;
  installed = true;
  globalThis.addEventListener('error', (event: ErrorEvent) => {
    if (isPostgresWriteAfterClose(event.error)) {
      event.preventDefault();
      console.warn('postgres.js wrote to a closed database connection (porsager/postgres#1208): write dropped, process kept alive');
    } else if (isUnheardConnectFailure(event.error)) {
      event.preventDefault();
      warnUnheard(event.error);
    }
  });
  globalThis.addEventListener('unhandledrejection', (event: PromiseRejectionEvent) => {
    if (!isUnheardConnectFailure(event.reason)) return;
    event.preventDefault();
    warnUnheard(event.reason);
  });
}

function warnUnheard(error: Error & { code: string }): void {
  console.warn(`a database connect attempt failed after its connection was given up (${error.code}): dropped, process kept alive`);
}
