/**
 * The Lambda build's esbuild plugins (scripts/esbuild-plugins.ts): each leaves out what it says, and what
 * it puts in its place behaves as the original. The bundles themselves run in every local stack the
 * integration and e2e tests start.
 */
import { createHash, createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build, type Plugin } from 'esbuild';
import plugins, { keepSources, nativeSha256Only, sdkEventStreamsLeftOut, sourceMapsOfOwnCode } from '../../../scripts/esbuild-plugins.js';

const ROOT = join(__dirname, '../../..');
const load = createRequire(__filename);
const run = promisify(execFile);
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'cachegate-plugins-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Bundles `source` (resolved from the project) to one file; returns its path and the bytes each input kept. */
async function bundle(name: string, source: string, plugins: Plugin[]) {
  const outfile = join(dir, `${name}.cjs`);
  const result = await build({
    stdin: { contents: source, resolveDir: ROOT, loader: 'js' },
    bundle: true,
    platform: 'node',
    target: 'node24',
    format: 'cjs',
    mainFields: ['module', 'main'],
    plugins,
    outfile,
    metafile: true,
    logLevel: 'silent',
  });
  const inputs = Object.values(result.metafile.outputs)[0]?.inputs ?? {};
  const bytesOf = (pattern: RegExp): number => Object.entries(inputs).reduce((sum, [file, input]) => sum + (pattern.test(file) ? input.bytesInOutput : 0), 0);
  return { outfile, bytesOf };
}

test('the serverless.yml list is every plugin, in this order', () => {
  expect(plugins.map((plugin) => plugin.name)).toEqual([
    'sdk-event-streams-left-out',
    'native-sha256-only',
    'source-maps-of-own-code',
  ]);
});

test('sdkEventStreamsLeftOut: the lazily loaded event-stream support fails loudly instead of being bundled', async () => {
  const source = "module.exports = () => import('@smithy/core/event-streams');";
  const { outfile, bytesOf } = await bundle('event-streams', source, [sdkEventStreamsLeftOut()]);
  expect(bytesOf(/event-streams\/.*\.js$/)).toBe(0);
  await expect((load(outfile) as () => Promise<unknown>)()).rejects.toThrow('Event streams are left out of this bundle');
});

test('nativeSha256Only: the SDK hashes with node:crypto as before, and its JavaScript fallback is gone', async () => {
  const source = "module.exports = require('@smithy/core/checksum');";
  const { outfile, bytesOf } = await bundle('sha256', source, [nativeSha256Only()]);
  // The stub: a class that throws (the fallback it replaces is 6 KB unminified).
  expect(bytesOf(/checksum\/sha256\/Sha256Js\.js$/)).toBeLessThan(500);
  const { Sha256, Sha256Js } = load(outfile) as { Sha256: new (secret?: string) => { update(data: string): void; digest(): Promise<Uint8Array> }; Sha256Js: new () => unknown };
  for (const secret of [undefined, 'key']) {
    const hash = new Sha256(secret);
    hash.update('cachegate');
    const expected = secret ? createHmac('sha256', secret).update('cachegate').digest('hex') : createHash('sha256').update('cachegate').digest('hex');
    expect(Buffer.from(await hash.digest()).toString('hex')).toBe(expected);
  }
  expect(() => new Sha256Js()).toThrow('No native SHA-256');
});

describe('sourceMapsOfOwnCode', () => {
  it('keeps the sources asked for; a position that mapped elsewhere maps to nothing', () => {
    // Line 1: col 0 → own.ts 0:0, col 5 → dep.js 0:0, col 9 → dep.js 1:0, col 12 → own.ts 1:4 (name 0).
    const map = { version: 3, sources: ['dep.js', 'own.ts'], names: ['x'], mappings: 'ACAA,KDAA,IACA,GCAIA' };
    const kept = keepSources(map, (source) => source === 'own.ts');
    expect(kept.sources).toEqual(['own.ts']);
    // own.ts is now source 0: col 0 → 0:0:0, col 5 unmapped (one segment for both dep.js ones), col 12 → 0:1:4 name 0.
    expect(kept.mappings).toBe('AAAA,K,OACIA');
    expect(keepSources(map, () => true).mappings).toBe(map.mappings);
  });

  it('stack traces still point at our own file and line, and the map lists no dependency', async () => {
    const own = join(dir, 'thrower.ts');
    writeFileSync(own, "import { HttpRequest } from '@smithy/core/protocols';\nexport const request = new HttpRequest({});\nthrow new Error('from our own line 3');\n");
    const outfile = join(dir, 'thrower.mjs');
    await build({ entryPoints: [own], bundle: true, platform: 'node', format: 'esm', minify: true, sourcemap: 'linked', nodePaths: [join(ROOT, 'node_modules')], plugins: [sourceMapsOfOwnCode()], outfile, logLevel: 'silent' });
    const map = JSON.parse(readFileSync(`${outfile}.map`, 'utf8')) as { sources: string[] };
    expect(map.sources).toEqual([expect.stringMatching(/thrower\.ts$/)]);
    const failed = await run(process.execPath, ['--enable-source-maps', outfile]).catch((error: { stderr: string }) => error);
    expect((failed as { stderr: string }).stderr).toMatch(/thrower\.ts:3:\d+/);
  });
});
