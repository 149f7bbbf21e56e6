/**
 * Every function in serverless.yml, built as deployed: serverless.yml's esbuild settings with its plugins
 * (scripts/esbuild-plugins.ts), linked source maps. Per function:
 *   - size: the JavaScript of the build (what its zip holds and loads at init; maps not counted);
 *   - init: importing the handler in a fresh `node --enable-source-maps` process (Lambda's NODE_OPTIONS),
 *     median of RUNS, with the deployed kind of environment: secrets from SSM (a loopback stand-in answers,
 *     so the cold-start read starts as it does in AWS), Slack off, SES for email. The goal is judged on
 *     wall time; the CPU time of the same span is printed beside it, as a busy machine inflates it less;
 *   - baseline: the same handler, its own code compiled the same way, every dependency (the same SDK)
 *     loaded unbundled from node_modules, same flags;
 *   - SDK baseline: the handler as it would be written against the Lambda runtime's SDK: the baseline plus,
 *     for each signed call it makes (functions/adapters/*-call.ts and the adapters on them), the SDK client
 *     that call stands in for, loaded unbundled and created at module scope (SDK_CLIENTS). The signed calls
 *     are built from the SDK's own signer and HTTP handler, so the plain baseline no longer loads a client:
 *     it measures what bundling saves, the SDK baseline what the whole approach saves over the runtime's SDK.
 *   Bundled and baseline runs alternate in one process tree, so machine noise hits them alike.
 * Goals (issue 13): ≤ 300 KB, init ≤ 50 ms, functions that call EC2 ≥ 5× faster to init than their baseline
 * written against the runtime's SDK (the handler the goal was set on used EC2's SDK client).
 */
import { execFile } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { build, type Metafile } from 'esbuild';
import { lambdaBuild } from '../scripts/lambda-build.js';

const RUNS = 5;
const MAX_KB = 300;
const MAX_INIT_MS = 50;
const MIN_EC2_SPEEDUP = 5;
const OUT = resolve('.bench-bundles');

interface Measured {
  name: string;
  kb: number;
  callsEc2: boolean;
  bundledMs: number[];
  bundledCpuMs: number[];
  baselineMs: number[];
  sdkBaselineMs: number[];
}

/** Each signed-call adapter (path suffix) → the SDK client code it stands in for, created as a handler would. */
const SDK_CLIENTS: Record<string, string> = {
  'functions/adapters/ec2-client.ts': "import { EC2Client } from '@aws-sdk/client-ec2'; new EC2Client({});",
  'functions/adapters/elasticache-client.ts': "import { ElastiCacheClient } from '@aws-sdk/client-elasticache'; new ElastiCacheClient({});",
  'functions/adapters/dynamodb-call.ts':
    "import { DynamoDBClient } from '@aws-sdk/client-dynamodb'; import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'; DynamoDBDocumentClient.from(new DynamoDBClient({}), { marshallOptions: { removeUndefinedValues: true } });",
  'functions/adapters/parameter-store.ts': "import { SSMClient } from '@aws-sdk/client-ssm'; new SSMClient({});",
  'functions/adapters/notification-queue.ts': "import { SQSClient } from '@aws-sdk/client-sqs'; new SQSClient({});",
  'functions/adapters/workflow.ts': "import { SFNClient } from '@aws-sdk/client-sfn'; new SFNClient({});",
  'functions/adapters/email.ts': "import { SESv2Client } from '@aws-sdk/client-sesv2'; new SESv2Client({});",
  'functions/adapters/event-bus.ts': "import { EventBridgeClient } from '@aws-sdk/client-eventbridge'; new EventBridgeClient({});",
};

const run = promisify(execFile);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

/** A stand-in for SSM GetParameters on loopback: the cold-start read of secrets gets an answer. */
async function ssmStandIn(): Promise<{ url: string; close: () => void }> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const names = (JSON.parse(body || '{}') as { Names?: string[] }).Names ?? [];
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(JSON.stringify({ Parameters: names.map((Name) => ({ Name, Type: 'SecureString', Value: 'bench-secret' })), InvalidParameters: [] }));
    });
  });
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
}

function deployedEnvironment(ssmUrl: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'ASIABENCHMARK',
    AWS_SECRET_ACCESS_KEY: 'bench',
    AWS_SESSION_TOKEN: 'bench',
    TABLE_NAME: 'cachegate-dev-requests',
    PUBLIC_BASE_URL: 'https://abc123.execute-api.eu-west-1.amazonaws.com',
    STATE_MACHINE_ARN: 'arn:aws:states:eu-west-1:123456789012:stateMachine:cachegate-dev-access-request',
    APPROVAL_POLICY_PARAMETER: '/cachegate/dev/approval-policy',
    MANAGED_SECURITY_GROUPS: '{"orders-cache":"sg-0123456789abcdef0"}',
    NOTIFICATION_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/cachegate-dev-notifications',
    EMAIL_TRANSPORT: 'ses',
    EMAIL_FROM: 'cachegate@example.com',
    SECRETS_SOURCE: 'ssm',
    SSM_ENDPOINT: ssmUrl,
    LINK_SIGNING_KEY_PARAMETER: '/cachegate/dev/link-signing-key',
    SLACK_MODE: 'off',
    SLACK_SIGNING_SECRET_PARAMETER: '/cachegate/dev/slack-signing-secret',
    SLACK_BOT_TOKEN_PARAMETER: '/cachegate/dev/slack-bot-token',
    SLACK_WEBHOOK_URL_PARAMETER: '/cachegate/dev/slack-webhook-url',
    LOG_LEVEL: 'silent',
  };
}

/**
 * Milliseconds to import `file` in a fresh process (Lambda's init phase, minus the runtime's own start):
 * wall time, and the process's CPU time over the same span, which a busy machine inflates much less.
 */
async function initMs(file: string, env: NodeJS.ProcessEnv): Promise<{ wall: number; cpu: number }> {
  // Exits at once: the secrets read started at init holds a keep-alive socket open.
  const script =
    `const c = process.cpuUsage(); const t = performance.now(); await import(${JSON.stringify(file)});` +
    'const wall = performance.now() - t; const { user, system } = process.cpuUsage(c);' +
    'process.stdout.write(JSON.stringify({ wall, cpu: (user + system) / 1000 })); process.exit(0);';
  const { stdout } = await run(process.execPath, ['--enable-source-maps', '--input-type=module', '-e', script], { env });
  return JSON.parse(stdout) as { wall: number; cpu: number };
}

function outputs(metafile: Metafile): { js: number; callsEc2: boolean; sdkClients: string[] } {
  let js = 0;
  const inputs: string[] = [];
  for (const [file, output] of Object.entries(metafile.outputs)) {
    if (!/\.(?:m|c)?js$/.test(file)) continue;
    js += output.bytes;
    inputs.push(...Object.keys(output.inputs));
  }
  const sdkClients = Object.entries(SDK_CLIENTS)
    .filter(([adapter]) => inputs.some((input) => input.endsWith(adapter)))
    .map(([, client]) => client);
  // EC2's calls are the signed Query calls of functions/adapters/ec2-client.ts.
  return { js, callsEc2: inputs.some((input) => input.endsWith('functions/adapters/ec2-client.ts')), sdkClients };
}

const verdict = (met: boolean): string => (met ? 'met' : 'NOT MET');

export async function benchBundles(): Promise<void> {
  const { options, extension, entries } = await lambdaBuild();
  const ssm = await ssmStandIn();
  const env = deployedEnvironment(ssm.url);
  const load = [loadavg()[0] ?? NaN];
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });
  try {
    const measured: (Measured & { bundled: string; baseline: string; sdkBaseline: string })[] = [];
    for (const [name, entry] of Object.entries(entries)) {
      const bundled = join(OUT, name, `bundled${extension}`);
      const result = await build({ ...options, entryPoints: [entry], outfile: bundled, metafile: true, logLevel: 'silent' });
      // Inside the project, so that its imports resolve to node_modules as an unbundled Lambda's would.
      const baseline = join(OUT, name, `baseline${extension}`);
      await build({ ...options, plugins: [], entryPoints: [entry], outfile: baseline, packages: 'external', logLevel: 'silent' });
      const { js, callsEc2, sdkClients } = outputs(result.metafile);
      const sdkEntry = join(OUT, name, 'sdk-entry.ts');
      writeFileSync(sdkEntry, `${sdkClients.join('\n')}\nexport * from ${JSON.stringify(entry)};\n`);
      const sdkBaseline = join(OUT, name, `sdk-baseline${extension}`);
      await build({ ...options, plugins: [], entryPoints: [sdkEntry], outfile: sdkBaseline, packages: 'external', logLevel: 'silent' });
      measured.push({ name, kb: js / 1024, callsEc2, bundled, baseline, sdkBaseline, bundledMs: [], bundledCpuMs: [], baselineMs: [], sdkBaselineMs: [] });
    }
    // Interleaved: each round runs every function bundled and both baselines, in alternating order.
    for (let round = 0; round < RUNS; round++) {
      for (const fn of measured) {
        const order = round % 2 === 0 ? (['bundled', 'baseline', 'sdkBaseline'] as const) : (['sdkBaseline', 'baseline', 'bundled'] as const);
        for (const kind of order) {
          const { wall, cpu } = await initMs(fn[kind], env);
          if (kind === 'bundled') {
            fn.bundledMs.push(wall);
            fn.bundledCpuMs.push(cpu);
          } else if (kind === 'baseline') fn.baselineMs.push(wall);
          else fn.sdkBaselineMs.push(wall);
        }
      }
    }
    load.push(loadavg()[0] ?? NaN);
    report(measured, load);
  } finally {
    ssm.close();
    rmSync(OUT, { recursive: true, force: true });
  }
}

function report(measured: Measured[], load: number[]): void {
  const cpu = cpus()[0]?.model.trim() || 'unknown CPU';
  console.log(`bundles, as deployed (serverless.yml esbuild settings and plugins, linked source maps; init = median of ${RUNS} fresh`);
  console.log(`\`node --enable-source-maps\` imports, bundled and both baselines interleaved; Node ${process.version}, ${cpus().length} × ${cpu},`);
  console.log(`load average ${load.map((value) => value.toFixed(1)).join(' → ')}: init times grow with the machine's load, the ratios much less)`);
  console.log(`  baseline: the same code unbundled; SDK baseline: that, with the SDK clients the signed calls stand in for`);
  console.log(`  ${'function'.padEnd(20)} ${'JS KB'.padStart(6)}  ≤ ${MAX_KB}      ${'init ms'.padStart(7)}  ≤ ${MAX_INIT_MS}      (CPU ms)   baseline ms  ×      SDK baseline ms  ×`);
  const rows = measured.map((fn) => ({ ...fn, bundled: median(fn.bundledMs), cpu: median(fn.bundledCpuMs), baseline: median(fn.baselineMs), sdkBaseline: median(fn.sdkBaselineMs) }));
  for (const fn of rows) {
    const speedup = fn.sdkBaseline / fn.bundled;
    const ec2 = fn.callsEc2 ? `  EC2 ≥ ${MIN_EC2_SPEEDUP}×: ${verdict(speedup >= MIN_EC2_SPEEDUP)}` : '';
    console.log(
      `  ${fn.name.padEnd(20)} ${fn.kb.toFixed(0).padStart(6)}  ${verdict(fn.kb <= MAX_KB).padEnd(9)} ${fn.bundled.toFixed(1).padStart(7)}  ${verdict(fn.bundled <= MAX_INIT_MS).padEnd(9)} ${`(${fn.cpu.toFixed(1)})`.padStart(8)}   ${fn.baseline.toFixed(1).padStart(11)} ${(fn.baseline / fn.bundled).toFixed(1).padStart(4)}×  ${fn.sdkBaseline.toFixed(1).padStart(15)} ${speedup.toFixed(1).padStart(4)}×${ec2}`,
    );
  }
  const largest = rows.reduce((a, b) => (b.kb > a.kb ? b : a));
  const slowest = rows.reduce((a, b) => (b.bundled > a.bundled ? b : a));
  const ec2 = rows.filter((fn) => fn.callsEc2);
  const leastSpeedup = ec2.reduce<(typeof rows)[number] | undefined>((a, b) => (a === undefined || b.sdkBaseline / b.bundled < a.sdkBaseline / a.bundled ? b : a), undefined);
  console.log(`  every function ≤ ${MAX_KB} KB of JavaScript: ${verdict(largest.kb <= MAX_KB)} (largest: ${largest.name}, ${largest.kb.toFixed(0)} KB)`);
  console.log(`  every init ≤ ${MAX_INIT_MS} ms: ${verdict(slowest.bundled <= MAX_INIT_MS)} (slowest: ${slowest.name}, ${slowest.bundled.toFixed(1)} ms)`);
  if (leastSpeedup) {
    const factor = leastSpeedup.sdkBaseline / leastSpeedup.bundled;
    console.log(`  EC2-calling functions ≥ ${MIN_EC2_SPEEDUP}× faster than their SDK baseline: ${verdict(factor >= MIN_EC2_SPEEDUP)} (least: ${leastSpeedup.name}, ${factor.toFixed(1)}×)`);
  } else {
    console.log(`  EC2-calling functions ≥ ${MIN_EC2_SPEEDUP}× faster than their SDK baseline: no function calls EC2`);
  }
}
