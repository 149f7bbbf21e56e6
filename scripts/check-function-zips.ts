/**
 * CI's check after `npm run package` (.ci/run): every function zip in .serverless/ holds at most 300 KB of
 * JavaScript (the shared budget: everything a function loads at init), or it fails naming the function.
 * Usage: node scripts/check-function-zips.ts [dir]. Runs on Node's own TypeScript support (erasable
 * syntax only) and reads the zips' central directories itself, so it needs nothing installed.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';

export const MAX_JS_BYTES = 300 * 1024;

const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
const CENTRAL_DIRECTORY_ENTRY = 0x02014b50;

/** Each file in the zip with its uncompressed size, from the central directory. */
export function zipEntries(zip: Buffer): { name: string; size: number }[] {
  // The end record is the last 22 bytes, unless a comment (up to 64 KB) follows it.
  let end = zip.length - 22;
  while (end >= 0 && zip.readUInt32LE(end) !== END_OF_CENTRAL_DIRECTORY) end--;
  if (end < 0) throw new Error('not a zip file (no end of central directory)');
  const count = zip.readUInt16LE(end + 10);
  let offset = zip.readUInt32LE(end + 16);
  const entries: { name: string; size: number }[] = [];
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(offset) !== CENTRAL_DIRECTORY_ENTRY) throw new Error(`corrupt central directory at entry ${i}`);
    const size = zip.readUInt32LE(offset + 24);
    const nameLength = zip.readUInt16LE(offset + 28);
    const extraLength = zip.readUInt16LE(offset + 30);
    const commentLength = zip.readUInt16LE(offset + 32);
    entries.push({ name: zip.toString('utf8', offset + 46, offset + 46 + nameLength), size });
    offset += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

/** Bytes of JavaScript in the zip: every .js, .mjs and .cjs file (source maps and the rest not counted). */
export function javaScriptBytes(zip: Buffer): number {
  return zipEntries(zip)
    .filter((entry) => /\.(?:m|c)?js$/.test(entry.name))
    .reduce((sum, entry) => sum + entry.size, 0);
}

function main(dir: string): void {
  const zips = readdirSync(dir).filter((file) => file.endsWith('.zip'));
  if (zips.length === 0) throw new Error(`no function zips in ${dir}: run the package step first`);
  const over: string[] = [];
  console.log(`JavaScript per function zip (limit ${MAX_JS_BYTES / 1024} KB):`);
  for (const file of zips.sort()) {
    const bytes = javaScriptBytes(readFileSync(join(dir, file)));
    const name = basename(file, '.zip');
    console.log(`  ${name.padEnd(24)} ${(bytes / 1024).toFixed(1).padStart(6)} KB${bytes > MAX_JS_BYTES ? '  OVER' : ''}`);
    if (bytes > MAX_JS_BYTES) over.push(name);
  }
  if (over.length > 0) {
    console.error(`Over the ${MAX_JS_BYTES / 1024} KB budget: ${over.join(', ')} (bench/bundles.ts shows what each bundle holds)`);
    process.exit(1);
  }
}

// Run as a script (tests import the functions above).
if (process.argv[1]?.endsWith('check-function-zips.ts')) main(process.argv[2] ?? '.serverless');
