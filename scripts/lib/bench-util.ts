// Small helpers shared by the benchmark scripts.

/** `--name value` from the command line, as a number. */
export function numericArg(name: string, fallback: number, argv = process.argv.slice(2)): number {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : fallback;
}

export interface LatencySummary {
  n: number;
  p50_ms: number;
  p90_ms: number;
  p99_ms: number;
  max_ms: number;
}

/** Percentiles (nearest rank) of latencies in milliseconds, rounded to microseconds. */
export function summarize(samplesMs: number[]): LatencySummary {
  const s = [...samplesMs].sort((a, b) => a - b);
  const round = (x: number) => Math.round(x * 1000) / 1000;
  const at = (p: number) => round(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]);
  return { n: s.length, p50_ms: at(50), p90_ms: at(90), p99_ms: at(99), max_ms: round(s[s.length - 1]) };
}
