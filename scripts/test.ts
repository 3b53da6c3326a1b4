// `npm test`: one embedded Postgres 17 for the whole run, prepared once as a template database
// (Supabase bootstrap + migrations through the real CLI); each test file clones it. Postgres is
// stopped when the run ends, whether the tests pass, fail or are interrupted.
import { execFile, spawn, spawnSync } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { denoBin, edgeFunctionNames } from './lib/edge-functions.ts';
import { repoRoot } from './lib/supabase-compat.ts';
import { startTestPostgres, TEMPLATE_DB } from './lib/test-postgres.ts';

const execFileAsync = promisify(execFile);

async function findTests(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith('.test.ts'))
    .map((e) => relative(repoRoot, join(e.parentPath, e.name)))
    .sort();
}

/** `deno check` every edge function with its own deno.json, as the Supabase CLI would bundle it. */
async function typecheckEdgeFunctions(): Promise<void> {
  const names = await edgeFunctionNames();
  await Promise.all(names.map(async (name) => {
    const dir = join(repoRoot, 'supabase', 'functions', name);
    try {
      await execFileAsync(denoBin, ['check', '--quiet', '--config', join(dir, 'deno.json'), '--node-modules-dir=manual', join(dir, 'index.ts')],
        { cwd: repoRoot, env: { ...process.env, NO_COLOR: '1' }, maxBuffer: 16 * 1024 * 1024 });
    } catch (error) {
      const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
      throw new Error(`deno check failed for ${name}:\n${stdout}${stderr}`);
    }
  }));
  console.log(`deno check: ${names.length} edge functions type-check.`);
}

/** The web app's component tests (Vitest + Testing Library, happy-dom). */
function runComponentTests(): void {
  const result = spawnSync(join(repoRoot, 'node_modules', '.bin', 'vitest'), ['run', '--config', 'web/vite.config.ts', '--reporter', 'dot'], {
    cwd: repoRoot, stdio: 'inherit', env: { ...process.env, CI: 'true' },
  });
  if (result.status !== 0) throw new Error('web component tests failed');
}

async function main(): Promise<number> {
  const filters = process.argv.slice(2);
  const all = [...(await findTests(join(repoRoot, 'supabase', 'tests'))), ...(await findTests(join(repoRoot, 'web', 'e2e')))];
  const files = filters.length ? all.filter((f) => filters.some((x) => f.includes(x))) : all;
  if (files.length === 0) {
    console.error(`no test files match ${filters.join(' ')}`);
    return 1;
  }

  await typecheckEdgeFunctions();
  if (filters.length === 0 || filters.includes('web')) runComponentTests();

  const pg = await startTestPostgres();
  const stopOnSignal = (signal: NodeJS.Signals) => {
    void pg.stop().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', stopOnSignal);
  process.once('SIGTERM', stopOnSignal);
  try {
    console.log(`Postgres 17 on 127.0.0.1:${pg.port}; template database ${TEMPLATE_DB} migrated.`);

    const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', ...files], {
      cwd: repoRoot,
      stdio: 'inherit',
      env: { ...process.env, ...pg.env },
    });
    return await new Promise<number>((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0))));
  } finally {
    await pg.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
