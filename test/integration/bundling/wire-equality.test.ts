/**
 * The deployed build changes nothing on the wire: the grant drivers' ElastiCache and EC2 calls (the calls
 * the VPC and classic drivers make, errors included), run once bundled as deployed (serverless.yml's
 * esbuild settings and plugins, scripts/esbuild-plugins.ts) and once with the SDK loaded unbundled from
 * node_modules, each against its own emulator with the same seed, send the same requests and get the same
 * results.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { lambdaBuild } from '../../../scripts/lambda-build.js';
import type { AwsEmulator } from '../../../local/aws-emulator/index.js';
import { DEMO_SEED_PATH, ManualClock, startAwsEmulator } from '../../../local/aws-emulator/index.js';

const ROOT = join(__dirname, '../../..');
const SCENARIO = join(ROOT, 'test/fixtures/bundling/grant-driver-calls.ts');
const run = promisify(execFile);
const sdkVersion = (service: string): string =>
  (JSON.parse(readFileSync(join(ROOT, `node_modules/@aws-sdk/client-${service}/package.json`), 'utf8')) as { version: string }).version;

interface Recorded {
  method?: string;
  url?: string;
  contentType?: string;
  userAgent?: string;
  body: string;
}

/** A pass-through proxy in front of the emulator that records what the SDK sends. */
async function recordingProxy(target: string): Promise<{ url: string; requests: Recorded[]; server: Server }> {
  const requests: Recorded[] = [];
  const upstream = new URL(target);
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      requests.push({ method: req.method, url: req.url, contentType: req.headers['content-type'], userAgent: req.headers['user-agent'], body: body.toString('utf8') });
      const forward = httpRequest({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      forward.end(body);
    });
  });
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests, server };
}

let dir: string;
const emulators: AwsEmulator[] = [];
const servers: Server[] = [];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'cachegate-wire-'));
  // The unbundled build resolves its imports from here, as an unbundled function resolves them from its zip.
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
});
afterAll(async () => {
  for (const server of servers) server.close();
  await Promise.all(emulators.map((emulator) => emulator.close()));
  rmSync(dir, { recursive: true, force: true });
});

/** Runs the scenario file against a fresh emulator (behind a recording proxy): what it printed and what was sent. */
async function runScenario(file: string): Promise<{ outcomes: unknown; requests: Recorded[] }> {
  const emulator = await startAwsEmulator({ seed: DEMO_SEED_PATH, clock: new ManualClock() });
  emulators.push(emulator);
  const proxy = await recordingProxy(emulator.url);
  servers.push(proxy.server);
  const { stdout } = await run(process.execPath, [file], {
    env: {
      PATH: process.env.PATH,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'ASIAWIRETEST',
      AWS_SECRET_ACCESS_KEY: 'wire',
      AWS_SESSION_TOKEN: 'wire-session',
      ELASTICACHE_ENDPOINT: proxy.url,
      EC2_ENDPOINT: proxy.url,
      MANAGED_SECURITY_GROUPS: JSON.stringify({ 'orders-cache': 'sg-0cac4e9a7e0000001', 'sessions-mc': 'sg-0cac4e9a7e0000002' }),
      LOG_LEVEL: 'silent',
    },
  });
  return { outcomes: JSON.parse(stdout) as unknown, requests: proxy.requests };
}

test('bundled as deployed, the drivers send the same ElastiCache and EC2 requests and get the same results as unbundled', async () => {
  const { options, extension } = await lambdaBuild(ROOT);
  const bundled = join(dir, `bundled${extension}`);
  await build({ ...options, entryPoints: [SCENARIO], outfile: bundled, logLevel: 'silent' });
  const unbundled = join(dir, `unbundled${extension}`);
  await build({ ...options, plugins: [], entryPoints: [SCENARIO], outfile: unbundled, packages: 'external', logLevel: 'silent' });

  const deployed = await runScenario(bundled);
  const reference = await runScenario(unbundled);

  expect(deployed.outcomes).toEqual(reference.outcomes);
  // The SDK's CommonJS build, what Node loads unbundled, inlines a client version one release behind its
  // package.json; the bundle (its ESM build) reads package.json. The User-Agent may differ there only.
  const withoutVersions = (requests: Recorded[]) => requests.map((request) => ({ ...request, userAgent: request.userAgent?.replace(/(aws-sdk-js\/|api\/\w+#)[\d.]+/g, '$1…') }));
  expect(withoutVersions(deployed.requests)).toEqual(withoutVersions(reference.requests));
  for (const request of deployed.requests) {
    const client = /api\/(\w+)#([\d.]+)/.exec(request.userAgent ?? '');
    expect(client?.[2]).toBe(sdkVersion(client?.[1] ?? ''));
  }
  // The scenario did reach both services, on both paths, errors included.
  const actions = reference.requests.map((request) => new URLSearchParams(request.body).get('Action'));
  expect(new Set(actions)).toEqual(
    new Set([
      'DescribeReplicationGroups',
      'DescribeCacheClusters',
      'AuthorizeSecurityGroupIngress',
      'DescribeSecurityGroupRules',
      'RevokeSecurityGroupIngress',
      'DescribeCacheSecurityGroups',
      'AuthorizeCacheSecurityGroupIngress',
      'RevokeCacheSecurityGroupIngress',
    ]),
  );
  expect(JSON.stringify(reference.outcomes)).toMatch(/"name":"GroupNotFound"/);
}, 60_000);
