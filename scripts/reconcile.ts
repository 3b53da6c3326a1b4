// `npm run reconcile`: runs the scheduled reconciliation now, by calling the `reconcile` edge
// function as Supabase Cron does (POST, Authorization: Bearer <CRON_SECRET>), and prints its answer.
// The deployed function has every secret it needs; this needs only its URL and the cron secret.
//
//   npm run reconcile                                  # the local stack of `npm run dev`
//   SUPABASE_URL=https://<ref>.supabase.co CRON_SECRET=… npm run reconcile
//   npm run reconcile -- --max-events 100 --budget-seconds 20   # lower limits for this run
//   npm run reconcile -- --url <function url>
//
// CRON_SECRET defaults to the local stack's (in its git-ignored secrets file). Exit code 0 when the
// run succeeded, was partial (the next run continues) or was skipped (another run was working);
// 1 otherwise.
import { readFile } from 'node:fs/promises';
import { devDataDir, secretsFileFor, type LocalSecrets } from './dev.ts';
import { stringArg } from './lib/args.ts';

async function cronSecret(): Promise<string | undefined> {
  if (process.env.CRON_SECRET) return process.env.CRON_SECRET;
  const file = secretsFileFor((await devDataDir()).dir);
  const saved = await readFile(file, 'utf8').then((text) => JSON.parse(text) as Partial<LocalSecrets>, () => undefined);
  return saved?.cronSecret;
}

function limit(name: string): number | undefined {
  const raw = stringArg(name);
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value)) throw new Error(`--${name} must be an integer, got "${raw}"`);
  return value;
}

async function main(): Promise<number> {
  const url = stringArg('url') ?? `${(process.env.SUPABASE_URL ?? 'http://127.0.0.1:54321').replace(/\/+$/, '')}/functions/v1/reconcile`;
  const secret = await cronSecret();
  if (!secret) {
    console.error('No CRON_SECRET: set it (the value the functions have), or start `npm run dev`, which generates one.');
    return 2;
  }
  const body: Record<string, number> = {};
  const maxEvents = limit('max-events');
  const budgetSeconds = limit('budget-seconds');
  if (maxEvents !== undefined) body.maxEvents = maxEvents;
  if (budgetSeconds !== undefined) body.budgetSeconds = budgetSeconds;

  const started = Date.now();
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  } catch (error) {
    console.error(`Could not reach ${url}: ${error instanceof Error ? error.message : error}`);
    return 1;
  }
  const text = await res.text();
  let answer: unknown = text;
  try {
    answer = JSON.parse(text);
  } catch {
    // not JSON: printed as it came
  }
  console.log(`POST ${url} → ${res.status} in ${Date.now() - started} ms`);
  console.log(typeof answer === 'string' ? answer : JSON.stringify(answer, null, 2));
  return res.status === 200 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
