/**
 * What serverless.yml deploys, as `serverless package` (the osls CLI) compiles it: the CloudFormation template (each
 * function's environment and role, the state machine's role) and the framework's resolved service (each
 * function's handler and events, the esbuild settings). The local stack reads both, never a hand-kept copy.
 *
 * Only the template is needed here, not the zips: the packaging runs on a copy of serverless.yml without
 * the serverless-esbuild plugin and with a placeholder artifact, which takes ~3 s instead of ~40 s and
 * changes nothing in the template's roles or environments. The result is cached by a hash of
 * serverless.yml and the files it includes (config/, statemachines/).
 *
 * It packages in a service folder of its own (the project's files it needs linked into it): osls writes
 * and cleans `<service>/.serverless` whatever `--package` says, so packaging in the project folder would
 * clobber `npm run package`'s output, which the template test reads, when both run at once.
 */
import { createHash, randomUUID } from 'node:crypto';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseDocument } from 'yaml';
import type { CfnTemplate } from './cloudformation.js';

export interface PackagedFunction {
  /** The serverless.yml key, e.g. createRequest. */
  key: string;
  /** e.g. functions/http/create-request.handler */
  handler: string;
  events: Record<string, unknown>[];
}

export interface PackagedService {
  hash: string;
  template: CfnTemplate;
  functions: PackagedFunction[];
  /** custom.esbuild, resolved. */
  esbuild: Record<string, unknown>;
}

export function cacheDir(root: string): string {
  const dir = join(root, 'node_modules/.cache/cachegate-local');
  mkdirSync(dir, { recursive: true });
  return dir;
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
}

/** Serverless's logical id of a function: createRequest → CreateRequestLambdaFunction. */
export function functionLogicalId(key: string): string {
  return `${key.charAt(0).toUpperCase()}${key.slice(1).replace(/-/g, 'Dash').replace(/_/g, 'Underscore')}LambdaFunction`;
}

/** serverless-state.json shares repeated objects as { $ref: '$["a"]["b"][0]' }: put them back. */
function dereference(node: unknown, root: unknown, depth = 0): unknown {
  if (depth > 64) throw new Error('serverless-state.json: $ref nesting too deep');
  if (Array.isArray(node)) return node.map((item) => dereference(item, root, depth + 1));
  if (typeof node !== 'object' || node === null) return node;
  const ref = (node as { $ref?: unknown }).$ref;
  if (typeof ref === 'string' && Object.keys(node).length === 1) {
    let target: unknown = root;
    for (const [, key, index] of ref.matchAll(/\["((?:[^"\\]|\\.)*)"\]|\[(\d+)\]/g)) target = (target as Record<string, unknown>)[key ?? Number(index)];
    return dereference(target, root, depth + 1);
  }
  return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, dereference(value, root, depth + 1)]));
}

/** Packages `serverlessYml` (serverless.yml's text by default), or returns the cached result for the same input. */
export async function packagedService(
  root: string,
  serverlessYml = readFileSync(join(root, 'serverless.yml'), 'utf8'),
  /** Deploy parameters (--param), e.g. the managed groups the IAM statements are scoped to. */
  params: Record<string, string> = {},
): Promise<PackagedService> {
  const hash = createHash('sha256');
  hash.update(serverlessYml).update(JSON.stringify(params));
  for (const file of [...filesUnder(join(root, 'config')), ...filesUnder(join(root, 'statemachines'))]) hash.update(file).update(readFileSync(file));
  const digest = hash.digest('hex').slice(0, 16);
  const cached = join(cacheDir(root), `service-${digest}.json`);
  if (existsSync(cached)) return JSON.parse(readFileSync(cached, 'utf8')) as PackagedService;

  const unique = `${process.pid}-${randomUUID().slice(0, 8)}`;
  const work = join(cacheDir(root), `package-${unique}`);
  mkdirSync(work, { recursive: true });
  const artifact = join(work, 'placeholder.zip');
  // An empty zip (the end-of-central-directory record alone): serverless only checks that it exists.
  writeFileSync(artifact, Buffer.from([0x50, 0x4b, 0x05, 0x06, ...new Array<number>(18).fill(0)]));
  const document = parseDocument(serverlessYml);
  const plugins = document.get('plugins') as { items: unknown[] } | undefined;
  if (plugins) plugins.items = plugins.items.filter((item) => String((item as { value?: unknown }).value ?? item) !== 'serverless-esbuild');
  document.set('package', document.createNode({ artifact }));
  // The service folder: serverless.yml, and the project's files it reads (relative ${file(...)} paths
  // resolve from there; the config files resolve their own imports from their real place).
  const serviceDir = join(work, 'service');
  mkdirSync(serviceDir);
  for (const entry of ['config', 'statemachines', 'functions', 'node_modules', 'package.json']) symlinkSync(join(root, entry), join(serviceDir, entry));
  writeFileSync(join(serviceDir, 'serverless.yml'), document.toString());
  try {
    const node = existsSync(join(root, 'node_modules/.bin/node')) ? join(root, 'node_modules/.bin/node') : process.execPath;
    await promisify(execFile)(node, [join(root, 'node_modules/osls/bin/serverless.js'), 'package', '--package', join(work, 'out'), '--stage', 'dev', ...Object.entries(params).map(([name, value]) => `--param=${name}=${value}`)], {
      cwd: serviceDir,
      maxBuffer: 16 * 1024 * 1024,
      // As scripts/package-offline.sh: no account, no network, dummy credentials.
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        AWS_ACCESS_KEY_ID: 'AKIAOFFLINEPACKAGING',
        AWS_SECRET_ACCESS_KEY: 'offline-packaging-not-a-secret',
        AWS_REGION: 'eu-west-1',
        AWS_CONFIG_FILE: '/dev/null',
        AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
        AWS_EC2_METADATA_DISABLED: 'true',
        SLS_DEPRECATION_DISABLE: '*',
      },
    });
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    rmSync(work, { recursive: true, force: true });
    throw new Error(`serverless package failed for the local stack:\n${stdout}${stderr}`);
  }
  const template = JSON.parse(readFileSync(join(work, 'out/cloudformation-template-update-stack.json'), 'utf8')) as CfnTemplate;
  const rawState = JSON.parse(readFileSync(join(work, 'out/serverless-state.json'), 'utf8')) as unknown;
  const state = dereference(rawState, rawState) as {
    service: { functions: Record<string, { handler: string; events?: Record<string, unknown>[] }>; custom?: { esbuild?: Record<string, unknown> } };
  };
  rmSync(work, { recursive: true, force: true });
  const service: PackagedService = {
    hash: digest,
    template,
    functions: Object.entries(state.service.functions).map(([key, fn]) => ({ key, handler: fn.handler, events: fn.events ?? [] })),
    esbuild: state.service.custom?.esbuild ?? {},
  };
  const partial = `${cached}.${unique}`;
  writeFileSync(partial, JSON.stringify(service));
  renameSync(partial, cached);
  return service;
}
