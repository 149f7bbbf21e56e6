/**
 * The embedded local stack: everything `npm start` runs and the tests drive, in one process, on
 * loopback. Only endpoints differ from AWS: the handlers and the ASL file are the deployed ones.
 *   API Gateway  → local/http-gateway.ts (routes read from serverless.yml), plus /dev routes and sinks
 *   Step Functions → local/stepfunctions/runner.ts (aws-local-stepfunctions, the same ASL file)
 *   DynamoDB     → dynalite        ElastiCache + EC2 → local/aws-emulator
 *   email, Slack → local/sinks (GET /dev/outbox), each on its own port so that it can be taken down,
 *                  made slow and brought back (`stack.faults`, POST /dev/faults/{mail|slack|events})
 *   EventBridge  → local/eventbridge.ts (its events in the outbox too)
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { signSlackRequest } from '../functions/domain/slack-signature.js';
import { startAwsEmulator, type AwsEmulator, type AwsEmulatorOptions } from './aws-emulator/server.js';
import { startDynamo, type LocalDynamo } from './dynamodb.js';
import { LocalAuthorizer, readBody, serveRoute, type HttpLambda, type Route } from './http-gateway.js';
import { API_AUDIENCE, startLocalIssuer, WEB_CLIENT_ID, WEB_SCOPE, type LocalIssuer } from './oidc/provider.js';
import { webAssets } from './web-assets.js';
import { serveSlackClick } from './slack-click.js';
import { LocalEventBridge } from './eventbridge.js';
import { Outbox, outboxHandler, SlackSink } from './sinks/index.js';
import { LocalSqs, type LocalQueue, type QueueConsumer } from './sqs/queue.js';
import { SwitchableSink } from './sinks/switchable-server.js';
import { serveFaults } from './sinks/fault-routes.js';
import { loadDefinition } from './stepfunctions/load-definition.js';
import { LocalStepFunctions, type LambdaHandler, type StateChange } from './stepfunctions/runner.js';

/** The project root: the nearest folder upwards holding cachegate's package.json (works under tsx and jest). */
function findRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    try {
      if ((JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string }).name === 'cachegate') return dir;
    } catch {
      // no package.json here: keep going up
    }
    if (dirname(dir) === dir) throw new Error(`Run cachegate's local stack from inside the project (looked up from ${from})`);
  }
}

export const ROOT = findRoot(process.cwd());

export const DEMO_USERS = [
  { email: 'alice@example.com', role: 'requester' },
  { email: 'bob@example.com', role: 'approver' },
  { email: 'carol@example.com', role: 'approver, auditor' },
] as const;

export const DEMO_POLICY = {
  default: {
    approvers: [
      { email: 'bob@example.com', slackUserId: 'U0BOB00001' },
      { email: 'carol@example.com', slackUserId: 'U0CAROL001' },
    ],
    approvalsRequired: 1,
    approvalWindowMinutes: 24 * 60,
    reminderAfterMinutes: 60,
  },
  targets: {},
  // The web app's Audit page.
  auditors: ['carol@example.com'],
};

/** The demo's managed security groups (VPC mode): the one cachegate may edit, per cluster. */
export const DEMO_MANAGED_GROUPS = { 'orders-cache': 'sg-0cac4e9a7e0000001', 'sessions-mc': 'sg-0cac4e9a7e0000002' };

export interface LocalStackOptions {
  /** The API's port (0: any free port). */
  port?: number;
  /** The local OIDC issuer's port (0: any free port). */
  issuerPort?: number;
  policy?: unknown;
  managedSecurityGroups?: Record<string, string>;
  emulator?: AwsEmulatorOptions;
  /** Wait state durations (ms) by state name; the ASL's own otherwise. */
  waitOverridesMs?: Record<string, number>;
  retryIntervalOverridesMs?: Record<string, number>;
  /** GRANT_* settings (functions/config.ts). */
  grant?: { firstCheckSeconds?: number; pollIntervalMs?: number; pollWindowMs?: number; recheckSeconds?: number; verifyTimeoutSeconds?: number };
  /** The reconciler (POST /dev/reconcile): seconds a grant record must be unchanged before it is touched (default 300). */
  reconcile?: { quietSeconds?: number };
  /** VPC: inbound rules per managed group (default 60). */
  rulesPerSecurityGroup?: number;
  /** How long one of the policy's minutes lasts (POLICY_MINUTE_MS; default 60,000): `--fast` shortens it. */
  policyMinuteMs?: number;
  logLevel?: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  /** IDENTITY_CLAIM and REQUIRE_VERIFIED_EMAIL (functions/config.ts); the deployed defaults otherwise. */
  identity?: { claim?: string; requireVerifiedEmail?: boolean };
  onStateChange?: (change: StateChange) => void;
  /** The notification queue: `manual` time stands still until `notifications.advance(ms)` (for retry tests). */
  notifications?: { clock?: 'real' | 'manual' };
  /**
   * Slack, against the built-in Slack sink (default: app mode, channel C0APPROVALS, a random signing secret
   * and a local bot token). `users`: Slack user id → email, for users.info.
   */
  slack?: { mode: 'app' | 'webhook' | 'off'; channel?: string; directMessages?: boolean; signingSecret?: string; botToken?: string; users?: Record<string, string> };
  /** How long one email or Slack call may take (EMAIL_/SLACK_ATTEMPT_TIMEOUT_MS); short in tests of slow sinks. */
  attemptTimeoutsMs?: { email?: number; slack?: number };
}

export interface LocalStack {
  url: string;
  emulator: AwsEmulator;
  outbox: Outbox;
  slack: SlackSink;
  /** The mail sink (OUTBOX_URL), the Slack sink (SLACK_API_URL) and EventBridge (EVENTS_ENDPOINT): down(), slow(delayMs?), up(). */
  faults: { mail: SwitchableSink; slack: SwitchableSink; events: SwitchableSink };
  /** The local EventBridge (its events are in the outbox): `failEntries(n)` answers the next n entries as failed. */
  eventBridge: LocalEventBridge;
  stepFunctions: LocalStepFunctions;
  /** The notification queue (SQS) and its consumer: `settled()` once nothing is being delivered. */
  notifications: LocalQueue;
  authorizer: LocalAuthorizer;
  /** The local OIDC issuer's URL (the web app signs in there). */
  issuer: string;
  /** Bearer tokens of the demo users. */
  tokens: Record<string, string>;
  /** A Slack interaction request (form body `payload=<json>`) signed as Slack signs it, for POST /slack/interactions. */
  signSlackClick(payload: object, options?: { timestamp?: number }): { body: string; headers: Record<string, string> };
  stop(): Promise<void>;
}

interface ServerlessFunction {
  handler: string;
  events?: {
    httpApi?: { method: string; path: string; authorizer?: unknown };
    sqs?: { arn: unknown; batchSize?: number; maximumConcurrency?: number };
  }[];
}

function capitalize(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}

async function loadHandler(handlerPath: string): Promise<LambdaHandler> {
  const [file, exportName = 'handler'] = [handlerPath.slice(0, handlerPath.lastIndexOf('.')), handlerPath.slice(handlerPath.lastIndexOf('.') + 1)];
  const module = (await import(join(ROOT, `${file}.ts`))) as Record<string, LambdaHandler>;
  const handler = module[exportName];
  if (typeof handler !== 'function') throw new Error(`${handlerPath} does not export ${exportName}`);
  return handler;
}

function setEnvironment(values: Record<string, string | undefined>): void {
  for (const [name, value] of Object.entries(values)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
}

const startListeners = new Set<(stack: LocalStack) => void>();

/** Calls `listener` with every stack started from now on (the test suite's leak check watches them all). */
export function onLocalStackStarted(listener: (stack: LocalStack) => void): () => void {
  startListeners.add(listener);
  return () => startListeners.delete(listener);
}

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const emulator = await startAwsEmulator({ seed: join(ROOT, 'local/aws-emulator/seed.json'), ...options.emulator });
  const tableName = 'cachegate-local';
  const dynamo: LocalDynamo = await startDynamo(tableName);
  const outbox = new Outbox();
  const sqs = new LocalSqs();
  const notifications = sqs.createQueue({ name: 'cachegate-local-notifications', clock: options.notifications?.clock ?? 'real' });
  const sqsUrl = await sqs.listen(0);
  const slackMode = options.slack?.mode ?? 'app';
  const slackSigningSecret = options.slack?.signingSecret ?? randomBytes(16).toString('hex');
  const slackBotToken = options.slack?.botToken ?? 'xoxb-local-cachegate';
  const slack = new SlackSink({ outbox, botToken: slackBotToken, ...(options.slack?.users ? { users: options.slack.users } : {}) });
  // Known once the server listens (the issuer redirects back to its URL).
  const late: { authorizer?: LocalAuthorizer; web?: (req: IncomingMessage, res: ServerResponse) => boolean } = {};

  let routes: Route[] = [];
  let reconciler: LambdaHandler | undefined;
  // The API's port shows the outbox and takes the /dev routes; the functions deliver to the sinks' own ports.
  const sinks = [outboxHandler(outbox), slack.handler];
  const eventBridge = new LocalEventBridge(outbox);
  const faults = { mail: new SwitchableSink('mail', [outboxHandler(outbox)]), slack: new SwitchableSink('Slack', [slack.handler]), events: new SwitchableSink('EventBridge', [eventBridge.handler]) };
  await Promise.all([faults.mail.start(), faults.slack.start(), faults.events.start()]);
  const tokens: Record<string, string> = {};

  function signClick(payload: object, { timestamp = Math.floor(Date.now() / 1000) }: { timestamp?: number } = {}): { body: string; headers: Record<string, string> } {
    const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
    return {
      body,
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-slack-request-timestamp': String(timestamp),
        'x-slack-signature': signSlackRequest(slackSigningSecret, timestamp, body),
      },
    };
  }

  const server: Server = createServer((req, res) => {
    void (async () => {
      try {
        const url = new URL(req.url ?? '/', 'http://localhost');
        if (req.method === 'GET' && url.pathname === '/dev/tokens') {
          res.writeHead(200, { 'Content-Type': 'application/json' });
          res.end(JSON.stringify({ users: DEMO_USERS.map((user) => ({ ...user, token: tokens[user.email] })) }, null, 2));
          return;
        }
        if (late.web?.(req, res)) return;
        for (const sink of sinks) if (sink(req, res)) return;
        if (await serveFaults(req, res, faults)) return;
        const body = await readBody(req);
        if (req.method === 'POST' && url.pathname === '/dev/slack/click') {
          await serveSlackClick(req, res, body.toString('utf8'), async (payload) => {
            const signed = signClick(payload);
            const reply = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/interactions`, { method: 'POST', headers: signed.headers, body: signed.body });
            return { status: reply.status };
          });
          return;
        }
        if (req.method === 'POST' && url.pathname === '/dev/reconcile') {
          // One reconciler run now, as its schedule would start it; the answer is its summary.
          if (!reconciler) throw new Error('the reconciler is not loaded');
          const summary = await reconciler({ source: 'aws.events', 'detail-type': 'Scheduled Event' }, { awsRequestId: randomBytes(8).toString('hex') } as never);
          res.writeHead(200, { 'Content-Type': 'application/json' });
          res.end(JSON.stringify(summary));
          return;
        }
        if (late.authorizer && (await serveRoute(routes, late.authorizer, req, res, body))) return;
        res.writeHead(404, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ message: 'Not Found' }));
      } catch (error) {
        // What API Gateway does when the integration fails.
        process.stderr.write(`local gateway: ${(error as Error).stack ?? String(error)}\n`);
        if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ message: 'Internal Server Error' }));
      }
    })();
  });
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolveListen());
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // The web app signs in at the local issuer, whose tokens the gateway checks (and /dev/tokens signs).
  const issuer: LocalIssuer = await startLocalIssuer({ port: options.issuerPort ?? 0, redirectOrigin: url, users: DEMO_USERS });
  const authorizer = new LocalAuthorizer({ issuer: issuer.issuer, audience: API_AUDIENCE, keys: issuer.keys });
  for (const user of DEMO_USERS) tokens[user.email] = await authorizer.issue(user.email);
  late.authorizer = authorizer;
  late.web = await webAssets(ROOT, { issuer: issuer.issuer, clientId: WEB_CLIENT_ID, scope: WEB_SCOPE });

  const serverless = parse(readFileSync(join(ROOT, 'serverless.yml'), 'utf8'), { logLevel: 'silent' }) as { functions: Record<string, ServerlessFunction> };
  const stateMachineName = 'cachegate-local-access-request';
  const definition = loadDefinition(join(ROOT, 'statemachines/access-request.asl.yaml'));

  setEnvironment({
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_SESSION_TOKEN: undefined,
    TABLE_NAME: tableName,
    ELASTICACHE_ENDPOINT: emulator.url,
    EC2_ENDPOINT: emulator.url,
    DYNAMODB_ENDPOINT: dynamo.url,
    SQS_ENDPOINT: sqsUrl,
    EVENTS_ENDPOINT: faults.events.url,
    NOTIFICATION_QUEUE_URL: notifications.url,
    METRICS_NAMESPACE: 'cachegate/local',
    PUBLIC_BASE_URL: url,
    EMAIL_TRANSPORT: 'outbox',
    OUTBOX_URL: faults.mail.url,
    EMAIL_ATTEMPT_TIMEOUT_MS: options.attemptTimeoutsMs?.email?.toString(),
    EMAIL_FROM: 'cachegate@example.com',
    SECRETS_SOURCE: 'env',
    LINK_SIGNING_KEY: randomBytes(32).toString('base64url'),
    APPROVAL_POLICY: JSON.stringify(options.policy ?? DEMO_POLICY),
    MANAGED_SECURITY_GROUPS: JSON.stringify(options.managedSecurityGroups ?? DEMO_MANAGED_GROUPS),
    IDENTITY_CLAIM: options.identity?.claim,
    REQUIRE_VERIFIED_EMAIL: options.identity?.requireVerifiedEmail?.toString(),
    GRANT_FIRST_CHECK_SECONDS: options.grant?.firstCheckSeconds?.toString(),
    GRANT_POLL_INTERVAL_MS: options.grant?.pollIntervalMs?.toString(),
    GRANT_POLL_WINDOW_MS: options.grant?.pollWindowMs?.toString(),
    GRANT_RECHECK_SECONDS: options.grant?.recheckSeconds?.toString(),
    GRANT_VERIFY_TIMEOUT_SECONDS: options.grant?.verifyTimeoutSeconds?.toString(),
    RULES_PER_SECURITY_GROUP: options.rulesPerSecurityGroup?.toString(),
    POLICY_MINUTE_MS: options.policyMinuteMs?.toString(),
    RECONCILE_QUIET_SECONDS: options.reconcile?.quietSeconds?.toString(),
    // Quiet unless asked: tests provoke failures on purpose; npm start asks for warnings. The test suite's
    // token-leak check (test/support/no-token-leaks.ts) asks for every line and shows only the errors.
    LOG_LEVEL: options.logLevel ?? process.env.LOCAL_STACK_LOG_LEVEL ?? 'error',
    // Slack: the sink has its own port (its Web API under /api/, webhooks under /webhook/), see faults.
    SLACK_MODE: slackMode,
    SLACK_CHANNEL: slackMode === 'app' ? options.slack?.channel ?? 'C0APPROVALS' : undefined,
    SLACK_DIRECT_MESSAGES: options.slack?.directMessages ? 'true' : undefined,
    SLACK_API_URL: faults.slack.url,
    SLACK_ATTEMPT_TIMEOUT_MS: options.attemptTimeoutsMs?.slack?.toString(),
    SLACK_SIGNING_SECRET: slackSigningSecret,
    SLACK_BOT_TOKEN: slackMode === 'app' ? slackBotToken : undefined,
    SLACK_WEBHOOK_URL: slackMode === 'webhook' ? `${faults.slack.url}/webhook/T0LOCAL/B0LOCAL/local` : undefined,
  });

  // Handlers read their configuration when loaded: the Step Functions endpoint must exist first.
  const taskHandlers: Record<string, LambdaHandler> = {};
  const stepFunctions = new LocalStepFunctions({
    definition,
    stateMachineName,
    handlers: taskHandlers,
    ...(options.waitOverridesMs ? { waitTimeOverrides: options.waitOverridesMs } : {}),
    ...(options.retryIntervalOverridesMs ? { retryIntervalOverrides: options.retryIntervalOverridesMs } : {}),
    ...(options.onStateChange ? { onStateChange: options.onStateChange } : {}),
  });
  const sfnUrl = await stepFunctions.listen(0);
  setEnvironment({ STEPFUNCTIONS_ENDPOINT: sfnUrl, STATE_MACHINE_ARN: stepFunctions.stateMachineArn });

  const httpRoutes: Route[] = [];
  for (const [key, fn] of Object.entries(serverless.functions)) {
    const handler = await loadHandler(fn.handler);
    taskHandlers[`${capitalize(key)}LambdaFunction`] = handler;
    if (fn.handler === 'functions/schedules/reconcile-grants.handler') reconciler = handler;
    for (const event of fn.events ?? []) {
      if (!event.httpApi) continue;
      httpRoutes.push({ method: event.httpApi.method.toUpperCase(), path: event.httpApi.path, authorized: event.httpApi.authorizer !== undefined, functionKey: key, handler: handler as HttpLambda });
    }
    const queueEvent = fn.events?.find((event) => event.sqs)?.sqs;
    if (queueEvent) {
      notifications.attach(handler as QueueConsumer, {
        functionName: key,
        ...(queueEvent.batchSize ? { batchSize: queueEvent.batchSize } : {}),
        ...(queueEvent.maximumConcurrency ? { maximumConcurrency: queueEvent.maximumConcurrency } : {}),
      });
    }
  }
  routes = httpRoutes;


  const stack: LocalStack = {
    url,
    emulator,
    outbox,
    slack,
    faults,
    eventBridge,
    stepFunctions,
    notifications,
    authorizer,
    issuer: issuer.issuer,
    tokens,
    signSlackClick: signClick,
    async stop() {
      await new Promise<void>((resolveClose) => {
        server.closeAllConnections();
        server.close(() => resolveClose());
      });
      await issuer.close();
      await stepFunctions.close();
      // No new deliveries; those under way finish before the stores they write to go away.
      await sqs.close();
      await Promise.all([faults.mail.close(), faults.slack.close(), faults.events.close()]);
      await dynamo.close();
      await emulator.close();
    },
  };
  for (const listener of startListeners) listener(stack);
  return stack;
}
