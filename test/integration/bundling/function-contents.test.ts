/**
 * Each function bundles what it calls and no more, built as deployed (scripts/lambda-build.ts): an SDK
 * client, the SSM call or the Slack adapter in a function that never uses it is bytes of its 300 KB budget
 * and milliseconds of every cold start.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { parse } from 'yaml';
import { lambdaBuild } from '../../../scripts/lambda-build.js';

const ROOT = join(__dirname, '../../..');
let contents: Record<string, Set<string>>;

beforeAll(async () => {
  const { options, entries } = await lambdaBuild(ROOT);
  contents = {};
  await Promise.all(
    Object.entries(entries).map(async ([name, entry]) => {
      // Tree shaking as deployed; no source map needed to see what each bundle holds.
      const result = await build({ ...options, sourcemap: false, entryPoints: [entry], outdir: join(ROOT, '.esbuild-contents'), write: false, metafile: true, logLevel: 'silent' });
      const output = Object.values(result.metafile.outputs).find((candidate) => candidate.entryPoint !== undefined);
      const parts = new Set<string>();
      for (const [file, input] of Object.entries(output?.inputs ?? {})) {
        if (input.bytesInOutput === 0) continue;
        const part = /node_modules\/(@aws-sdk\/(?:client|lib)-[\w-]+|@slack\/[\w-]+)\//.exec(file)?.[1] ?? /^functions\/adapters\/[\w-]+\.ts$/.exec(file)?.[0];
        if (part) parts.add(part);
      }
      contents[name] = parts;
    }),
  );
}, 60_000);

// Every AWS call is a signed JSON call (adapters/aws-json-call.ts; DynamoDB's in adapters/dynamodb-call.ts) or
// a signed Query call (adapters/aws-query-call.ts: EC2, ElastiCache), not an SDK client.
test('no function carries an SDK client or lib-dynamodb; those that call DynamoDB and EC2 carry their signed calls', () => {
  for (const [name, parts] of Object.entries(contents)) {
    expect([name, [...parts].filter((part) => part.startsWith('@aws-sdk/'))]).toEqual([name, []]);
  }
  expect(contents.getRequest?.has('functions/adapters/dynamodb-call.ts')).toBe(true);
  expect(contents.grantIngress?.has('functions/adapters/ec2-client.ts')).toBe(true);
  expect(contents.grantIngress?.has('functions/adapters/aws-query-call.ts')).toBe(true);
});

test('only the functions that read secrets (SECRETS_SOURCE set) carry the SSM call', () => {
  const config = parse(readFileSync(join(ROOT, 'serverless.yml'), 'utf8'), { logLevel: 'silent', merge: true }) as {
    functions: Record<string, { environment?: Record<string, unknown> }>;
  };
  for (const [name, fn] of Object.entries(config.functions)) {
    const readsSecrets = fn.environment?.SECRETS_SOURCE !== undefined;
    expect([name, contents[name]?.has('functions/adapters/parameter-store.ts')]).toEqual([name, readsSecrets]);
  }
});

test('recordRequest carries no Slack code (neither the adapter nor a Slack package)', () => {
  expect([...(contents.recordRequest ?? [])].filter((part) => /slack/i.test(part))).toEqual([]);
});
