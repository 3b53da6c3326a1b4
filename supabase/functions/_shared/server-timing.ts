// W3C Server-Timing (https://www.w3.org/TR/server-timing/) for the webhook: how long each step of
// handling one event took, in the answer's `Server-Timing` header, e.g.
//   Server-Timing: verify;dur=0.21, ledger;dur=0.35, stripe;dur=1.02, apply;dur=1.48
// Why: a slow answer is then attributable without a profiler — the signature check, the ledger's
// duplicate check, the re-read of Stripe, or the applying statement (its commit included).
// `npm run bench:webhook -- --trace-slow` reads it for the slowest deliveries. It names steps and
// durations only: nothing about the event, the customer or the answer.

export class ServerTiming {
  #last = performance.now();
  #entries: string[] = [];

  /** Ends the step `name`, which began where the previous one ended (or when this was created). */
  step(name: string): void {
    const now = performance.now();
    this.#entries.push(`${name};dur=${(now - this.#last).toFixed(2)}`);
    this.#last = now;
  }

  /** The header value; empty when no step ended. */
  header(): string {
    return this.#entries.join(', ');
  }
}

/** Parses a Server-Timing header into step → milliseconds (names without a duration are left out). */
export function parseServerTiming(value: string | null | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const entry of (value ?? '').split(',')) {
    const [name, ...params] = entry.trim().split(';');
    const dur = params.map((p) => p.trim()).find((p) => p.startsWith('dur='));
    if (name && dur) out[name] = Number(dur.slice(4));
  }
  return out;
}
