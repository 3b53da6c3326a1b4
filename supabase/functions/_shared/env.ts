// Reads environment variables in Deno (edge functions) and in Node (scripts, tests of pure code).
export function readEnv(name: string): string | undefined {
  const g = globalThis as { Deno?: { env: { get(n: string): string | undefined } }; process?: { env: Record<string, string | undefined> } };
  const value = g.Deno ? g.Deno.env.get(name) : g.process?.env[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

// File access that works in Deno (edge functions) and Node (scripts) without a static `node:`
// import, which Deno's type checker cannot resolve against a manually managed node_modules.
type FileSystem = {
  readFile(path: string | URL): Promise<Uint8Array>;
  readdir(path: string | URL): Promise<string[]>;
};

async function fileSystem(): Promise<FileSystem> {
  const g = globalThis as { Deno?: { readFile(p: string | URL): Promise<Uint8Array>; readDir(p: string | URL): AsyncIterable<{ name: string }> } };
  const deno = g.Deno;
  if (deno) {
    return {
      readFile: (p) => deno.readFile(p),
      readdir: async (p) => {
        const names: string[] = [];
        for await (const entry of deno.readDir(p)) names.push(entry.name);
        return names;
      },
    };
  }
  const specifier = 'node:fs/promises';
  return (await import(specifier)) as FileSystem;
}

export async function readFileBytes(path: string | URL): Promise<Uint8Array> {
  return new Uint8Array(await (await fileSystem()).readFile(path));
}

export async function listDirectory(path: string | URL): Promise<string[]> {
  return (await fileSystem()).readdir(path);
}
