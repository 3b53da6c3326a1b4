// Generates the client secret Supabase's Apple provider needs for the web (OAuth) flow: an ES256
// JWT signed with your Sign in with Apple key (.p8). Apple caps its lifetime at six months, so
// regenerate it before it expires (this prints the date) and update it in Supabase.
//
//   npx tsx scripts/apple-client-secret.ts --team-id ABCDE12345 --key-id KEY1234567 \
//     --client-id com.certgames.web --key AuthKey_KEY1234567.p8 [--days 180]
import { readFile } from 'node:fs/promises';
import { appleClientSecret } from '../supabase/functions/_shared/apple-id.ts';
import { stringArg } from './lib/args.ts';

const MAX_DAYS = 180; // Apple: no more than 15,777,000 seconds (six months)

async function main(): Promise<number> {
  const teamId = stringArg('team-id');
  const keyId = stringArg('key-id');
  const clientId = stringArg('client-id');
  const keyFile = stringArg('key');
  const days = Number(stringArg('days') ?? MAX_DAYS);
  if (!teamId || !keyId || !clientId || !keyFile) {
    console.error('Usage: apple-client-secret.ts --team-id <Team ID> --key-id <Key ID> --client-id <Services ID> --key <AuthKey.p8> [--days 180]');
    return 2;
  }
  if (!Number.isFinite(days) || days <= 0 || days > MAX_DAYS) {
    console.error(`--days must be between 1 and ${MAX_DAYS} (Apple's six-month limit)`);
    return 2;
  }
  const privateKey = await readFile(keyFile, 'utf8');
  const lifetime = Math.min(days * 86_400, 15_777_000);
  const secret = await appleClientSecret({ teamId, keyId, clientId, privateKey, baseUrl: 'https://appleid.apple.com' }, lifetime);
  const expires = new Date(Date.now() + lifetime * 1000);
  console.log(secret);
  console.error(`Expires ${expires.toISOString()}: set it as SUPABASE_AUTH_EXTERNAL_APPLE_SECRET (Dashboard › Auth › Providers › Apple) and renew before then.`);
  return 0;
}

main().then((code) => process.exit(code), (error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
