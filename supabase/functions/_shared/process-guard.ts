// Keeps an edge function's process alive through one known postgres.js defect (3.4.9, the latest
// release) when Postgres goes away mid-request.
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
let installed = false;

/** True for postgres.js's write to a connection whose socket is already gone. */
export function isPostgresWriteAfterClose(error: unknown): boolean {
  if (!(error instanceof TypeError)) return false;
  const stack = error.stack ?? '';
  return /reading 'write'/.test(error.message) && /\bnextWrite\b/.test(stack) && /postgres[\\/](?:cjs[\\/]|cf[\\/])?src[\\/]connection\.js/.test(stack);
}

/** Installs the guard (once per isolate). */
export function guardPostgresWriteAfterClose(): void {
  if (installed || typeof globalThis.addEventListener !== 'function') return;
  installed = true;
  globalThis.addEventListener('error', (event: ErrorEvent) => {
    if (!isPostgresWriteAfterClose(event.error)) return;
    event.preventDefault();
    console.warn('postgres.js wrote to a closed database connection (porsager/postgres#1208): write dropped, process kept alive');
  });
}
