// Reads environment variables in Deno (edge functions) and in Node (scripts, tests of pure code).
export function readEnv(name: string): string | undefined {
  const g = globalThis as { Deno?: { env: { get(n: string): string | undefined } }; process?: { env: Record<string, string | undefined> } };
  const value = g.Deno ? g.Deno.env.get(name) : g.process?.env[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}
