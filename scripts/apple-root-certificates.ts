// Downloads Apple's root certificates from Apple's certificate authority site and checks each
// against its pinned SHA-256 fingerprint before writing anything. Run on a machine with internet:
//
//   npx tsx scripts/apple-root-certificates.ts [--out supabase/functions/_shared/apple-root-certificates]
//
// The App Store functions load these files (config.toml ships them as static_files), and check the
// fingerprints again at start-up.
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { APPLE_ROOT_CERTIFICATES, sha256Hex, toDer } from '../supabase/functions/_shared/apple-root-pins.ts';
import { stringArg } from './lib/args.ts';
import { repoRoot } from './lib/supabase-compat.ts';

const outDir = resolve(stringArg('out') ?? join(repoRoot, 'supabase', 'functions', '_shared', 'apple-root-certificates'));
// Tests only: serve Apple's site from a local server.
const base = process.env.APPLE_PKI_BASE_URL?.replace(/\/+$/, '');

async function main() {
  const downloaded: { file: string; der: Uint8Array }[] = [];
  const problems: string[] = [];
  for (const root of APPLE_ROOT_CERTIFICATES) {
    const url = base ? root.url.replace(/^https:\/\/www\.apple\.com/, base) : root.url;
    try {
      const res = await fetch(url);
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const der = toDer(new Uint8Array(await res.arrayBuffer()));
      const sha256 = await sha256Hex(der);
      if (sha256 !== root.sha256) throw new Error(`SHA-256 ${sha256} does not match the pinned ${root.sha256}`);
      downloaded.push({ file: root.file, der });
      console.log(`ok  ${root.file}  ${sha256.match(/../g)!.join(':')}`);
    } catch (error) {
      problems.push(`${root.file} (${url}): ${error instanceof Error ? error.message : error}`);
    }
  }
  if (problems.length) {
    console.error(`Nothing written. Could not verify:\n  ${problems.join('\n  ')}`);
    process.exit(1);
  }
  await mkdir(outDir, { recursive: true });
  for (const { file, der } of downloaded) await writeFile(join(outDir, file), der);
  console.log(`Wrote ${downloaded.length} verified Apple root certificates to ${outDir}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
