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
import plugins, {
  keepSources,
  keptErrorRegistrations,
  lambdaCredentialsFromEnv,
  literalSchemaKeys,
  nativeSha256Only,
  sdkClientVersionOnly,
  sdkEventStreamsLeftOut,
  sdkSchemaLiterals,
  sourceMapsOfOwnCode,
} from '../../../scripts/esbuild-plugins.js';

const ROOT = join(__dirname, '../../..');
const dependencies = Object.keys((JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }).dependencies);
const sdkClients = dependencies.filter((name) => name.startsWith('@aws-sdk/client-'));
const load = createRequire(__filename);
const run = promisify(execFile);
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'cachegate-plugins-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Bundles `source` (resolved from the project) to one file; returns its path and the bytes each input kept. */
async function bundle(name: string, source: string, options: { plugins?: Plugin[]; format?: 'cjs' | 'esm'; minify?: boolean } = {}) {
  const outfile = join(dir, `${name}.${options.format === 'esm' ? 'mjs' : 'cjs'}`);
  const result = await build({
    stdin: { contents: source, resolveDir: ROOT, loader: 'js' },
    bundle: true,
    platform: 'node',
    target: 'node24',
    format: options.format ?? 'cjs',
    mainFields: ['module', 'main'],
    minify: options.minify ?? false,
    plugins: options.plugins ?? [],
    outfile,
    metafile: true,
    logLevel: 'silent',
  });
  const inputs = Object.values(result.metafile.outputs)[0]?.inputs ?? {};
  const bytesOf = (pattern: RegExp): number => Object.entries(inputs).reduce((sum, [file, input]) => sum + (pattern.test(file) ? input.bytesInOutput : 0), 0);
  return { outfile, bytesOf };
}

/** Schemas as comparable text: thunks and classes by their source, which both builds keep as written. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => (typeof item === 'function' ? `fn:${String(item)}` : item));
}

test('the serverless.yml list is every plugin, in this order', () => {
  expect(plugins.map((plugin) => plugin.name)).toEqual([
    'sdk-schema-literals',
    'sdk-client-version-only',
    'sdk-event-streams-left-out',
    'native-sha256-only',
    'lambda-credentials-from-env',
    'source-maps-of-own-code',
  ]);
});

describe('sdkSchemaLiterals', () => {
  it('writes each computed key as the literal it names, and refuses a key it cannot resolve', () => {
    const source = 'const _xN = "xmlName";\nconst _e = "error";\nexport var A$ = [3, n0, _A, { [_e]: _c, [_xN]: `a` }];\n';
    expect(literalSchemaKeys(source)).toBe('const _xN = "xmlName";\nconst _e = "error";\nexport var A$ = [3, n0, _A, { "error": _c, "xmlName": `a` }];\n');
    expect(literalSchemaKeys('export var A$ = [0];')).toBeNull();
    expect(() => literalSchemaKeys('const _a = "a";\nexport var A$ = { [_b]: 1 };', 'x.js')).toThrow('x.js: computed key [_b] is not a string constant of the module');
  });

  it.each(sdkClients)('leaves every schema of %s equal, key for key', async (client) => {
    const source = `module.exports = require('${client}/dist-es/schemas/schemas_0.js');`;
    const original = await bundle(`${client.replace('/', '_')}-original`, source);
    const rewritten = await bundle(`${client.replace('/', '_')}-literal`, source, { plugins: [sdkSchemaLiterals()] });
    const before = load(original.outfile) as Record<string, unknown>;
    const after = load(rewritten.outfile) as Record<string, unknown>;
    expect(Object.keys(after).sort()).toEqual(Object.keys(before).sort());
    expect(canonical(after)).toBe(canonical(before));
    expect(readFileSync(rewritten.outfile, 'utf8')).not.toMatch(/\[_\w+\]:/);
  });

  it('registers only the errors the functions name, the base exception always, and any retryable one', () => {
    const source = [
      'export var BaseException$ = [-3, _s, "BaseException", 0, [], []];',
      '_s_registry.registerError(BaseException$, BaseException);',
      'export var NamedFault$ = [-3, n0, _NF,\n    { "error": _c },\n    [_m],\n    [0]\n];',
      'n0_registry.registerError(NamedFault$, NamedFault);',
      'export var OtherFault$ = [-3, n0, _OF,\n    { "error": _c },\n    [_m],\n    [0]\n];',
      'n0_registry.registerError(OtherFault$, OtherFault);',
      'export var SlowDown$ = [-3, n0, _SD,\n    { "error": _c, "retryable": { "throttling": true } },\n    [_m],\n    [0]\n];',
      'n0_registry.registerError(SlowDown$, SlowDown);',
      '',
    ].join('\n');
    const kept = keptErrorRegistrations(source, new Set(['NamedFault'])) ?? '';
    expect(kept).toContain('_s_registry.registerError(BaseException$, BaseException);');
    expect(kept).toContain('n0_registry.registerError(NamedFault$, NamedFault);');
    expect(kept).toContain('n0_registry.registerError(SlowDown$, SlowDown);');
    expect(kept).not.toContain('registerError(OtherFault$');
    expect(keptErrorRegistrations(source, new Set(['NamedFault', 'OtherFault']))).toBeNull();
  });

  it('leaves out the error classes no function names: DynamoDB keeps the one the store tells apart', async () => {
    const source = "export { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';";
    const errors = /client-dynamodb\/dist-es\/models\/errors\.js$/;
    const { outfile, bytesOf } = await bundle('dynamodb-errors', source, { format: 'esm', plugins: [sdkSchemaLiterals()] });
    const text = readFileSync(outfile, 'utf8');
    expect(text).toContain('registerError(ConditionalCheckFailedException$');
    expect(text).not.toContain('registerError(BackupNotFoundException$');
    expect(bytesOf(errors)).toBeLessThan(3 * 1024);
  });

  it('is still needed: DynamoDB\'s schemas write computed keys, and the unregistered error schemas stay until they are literal (drop the rewrite when this fails)', async () => {
    const schemas = join(ROOT, 'node_modules/@aws-sdk/client-dynamodb/dist-es/schemas/schemas_0.js');
    expect(literalSchemaKeys(readFileSync(schemas, 'utf8'))).not.toBeNull();
    const source = "export { DynamoDBClient, GetItemCommand, PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';";
    const kept = new Set(['ConditionalCheckFailedException']);
    const registrationsOnly: Plugin = {
      name: 'registrations-only',
      setup(build) {
        build.onLoad({ filter: /client-dynamodb\/dist-es\/schemas\/schemas_0\.js$/ }, (args) => {
          const contents = keptErrorRegistrations(readFileSync(args.path, 'utf8'), kept);
          return contents === null ? undefined : { contents, loader: 'js' };
        });
      },
    };
    const pattern = /client-dynamodb\/dist-es\/schemas\/schemas_0\.js$/;
    const pruned = (await bundle('dynamodb-registrations', source, { format: 'esm', minify: true, plugins: [registrationsOnly] })).bytesOf(pattern);
    const literal = (await bundle('dynamodb-literal', source, { format: 'esm', minify: true, plugins: [sdkSchemaLiterals()] })).bytesOf(pattern);
    expect(pruned - literal).toBeGreaterThan(1024);
  });
});

test('sdkClientVersionOnly: a client keeps its version (the User-Agent) and no more of its package.json', async () => {
  const source = "export { version } from '@aws-sdk/client-sfn/package.json';\nexport { default as all } from '@aws-sdk/client-sfn/package.json';";
  const { outfile } = await bundle('sfn-version', source, { plugins: [sdkClientVersionOnly()] });
  const { version } = JSON.parse(readFileSync(join(ROOT, 'node_modules/@aws-sdk/client-sfn/package.json'), 'utf8')) as { version: string };
  expect(load(outfile)).toEqual({ version, all: { version } });
});

test('sdkEventStreamsLeftOut: the lazily loaded event-stream support fails loudly instead of being bundled', async () => {
  const source = "module.exports = () => import('@smithy/core/event-streams');";
  const { outfile, bytesOf } = await bundle('event-streams', source, { plugins: [sdkEventStreamsLeftOut()] });
  expect(bytesOf(/event-streams\/.*\.js$/)).toBe(0);
  await expect((load(outfile) as () => Promise<unknown>)()).rejects.toThrow('Event streams are left out of this bundle');
});

test('nativeSha256Only: the SDK hashes with node:crypto as before, and its JavaScript fallback is gone', async () => {
  const source = "module.exports = require('@smithy/core/checksum');";
  const { outfile, bytesOf } = await bundle('sha256', source, { plugins: [nativeSha256Only()] });
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

test('lambdaCredentialsFromEnv: the default chain (SSO, STS, INI files) leaves the bundle; credentials come from the environment', async () => {
  const source = "export { DynamoDBClient } from '@aws-sdk/client-dynamodb';";
  const withChain = await bundle('dynamodb-chain', source, { format: 'esm', minify: true });
  const withEnv = await bundle('dynamodb-env', source, { format: 'esm', minify: true, plugins: [lambdaCredentialsFromEnv()] });
  const chain = /credential-provider-(?:node|ini|sso|process|web-identity|http)|nested-clients|token-providers/;
  expect(withChain.bytesOf(chain)).toBeGreaterThan(50 * 1024);
  expect(withEnv.bytesOf(chain)).toBe(0);

  const { outfile } = await bundle('default-provider', "module.exports = require('@aws-sdk/credential-provider-node').defaultProvider;", { plugins: [lambdaCredentialsFromEnv()] });
  const defaultProvider = load(outfile) as () => () => Promise<{ accessKeyId: string; sessionToken?: string }>;
  const saved = { ...process.env };
  try {
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'ASIAFROMLAMBDA', AWS_SECRET_ACCESS_KEY: 'secret', AWS_SESSION_TOKEN: 'token' });
    await expect(defaultProvider()()).resolves.toMatchObject({ accessKeyId: 'ASIAFROMLAMBDA', sessionToken: 'token' });
  } finally {
    process.env = saved;
  }
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
