/**
 * The embedded local stack: everything `npm start` runs and the tests drive, on loopback. The functions,
 * their environments and roles, and the state machine's role come from `serverless package`'s template
 * (local/lambda/packaged-service.ts); each function runs in worker threads of its own, with its own module
 * graph and deployed environment (local/lambda). Only endpoints, parameters and credentials differ from AWS.
 *   API Gateway  → local/http-gateway.ts (the httpApi events of the packaged functions), plus /dev routes and sinks
 *   Step Functions → local/stepfunctions/runner.ts (aws-local-stepfunctions, the same ASL file)
 *   DynamoDB     → dynalite behind local/dynamodb.ts       ElastiCache + EC2 → local/aws-emulator
 *   SSM          → local/ssm.ts (the SecureStrings)        SES → local/ses.ts (into the outbox)
 *   SQS          → local/sqs/queue.ts (the template's queues, and the event source mappings of sqs events)
 *   email, Slack → local/sinks (GET /dev/outbox), each on its own port so that it can be taken down,
 *                  made slow and brought back (`stack.faults`, POST /dev/faults/{mail|slack|events}); the
 *                  mail switch stands in front of the local SES
 *   EventBridge  → local/eventbridge.ts (its events in the outbox too), behind the events switch
 *   sign-in      → local/oidc (the web app's issuer, whose tokens the gateway checks), web/ assets at /
 * Every AWS endpoint checks each call against the calling function's role (local/iam); a call the deployed
 * stack would refuse, or a function failing for want of a setting, is a violation that `stop()` reports.
 */
import { randomBytes } from 'node:crypto';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { readFileSync } from 'node:fs';
import { signSlackRequest } from '../functions/domain/slack-signature.js';
import { PARAMETER_VARIABLES, type SecretName } from '../functions/secrets.js';
import { AwsApiError } from './aws-emulator/query.js';
import { startAwsEmulator, type AwsEmulator, type AwsEmulatorOptions } from './aws-emulator/server.js';
import { startDynamo, type LocalDynamo } from './dynamodb.js';
import { LocalAuthorizer, readBody, serveRoute, type HttpLambda, type Route } from './http-gateway.js';
import { accessDenied, allowCall, LocalIam } from './iam/access.js';
import { leastPrivilegeGaps, LeastPrivilegeError } from './iam/least-privilege.js';
import { queryAccessRequests } from './iam/query-access.js';
import { functionBundles, type Bundles } from './lambda/bundles.js';
import { CfnResolver, localResourceValues } from './lambda/cloudformation.js';
import { deployedFunctions, principalOf, type DeployedFunction } from './lambda/deployed-functions.js';
import { packagedService, type PackagedService } from './lambda/packaged-service.js';
import { API_AUDIENCE, startLocalIssuer, WEB_CLIENT_ID, WEB_SCOPE, type LocalIssuer } from './oidc/provider.js';
import { webAssets } from './web-assets.js';
import { startLocalSes } from './ses.js';
import { serveSlackClick } from './slack-click.js';
import { LocalEventBridge } from './eventbridge.js';
import { Outbox, outboxHandler, SlackSink } from './sinks/index.js';
import { LocalSqs, type LocalQueue, type QueueConsumer } from './sqs/queue.js';
import { SwitchableSink } from './sinks/switchable-server.js';
import { serveFaults } from './sinks/fault-routes.js';
import { sendJson, type SinkHandler } from './sinks/http.js';
import { startLocalSsm } from './ssm.js';
import { LOCAL_ACCOUNT, LOCAL_REGION, loadDefinition } from './stepfunctions/load-definition.js';
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
  /** serverless.yml's text (default: the project's file); tests start the stack from mutated copies. */
  serverlessYml?: string;
  /**
   * One instance of every function initialised before the stack is returned (Lambda's provisioned
   * concurrency), for tests whose timing cold starts would distort (real-time approval windows).
   */
  warm?: boolean;
}

export interface LocalStack {
  url: string;
  emulator: AwsEmulator;
  outbox: Outbox;
  slack: SlackSink;
  /** The mail sink (in front of the local SES), the Slack sink (SLACK_API_URL) and EventBridge (EVENTS_ENDPOINT): down(), slow(delayMs?), up(). */
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
  /** The packaged functions by serverless.yml key: their role, environment and instances. */
  functions: Map<string, DeployedFunction>;
  /** The table and its endpoint, for an operator's look (tests); any credentials but a function's are the operator's. */
  dynamodb: { endpoint: string; tableName: string };
  /** Invokes a function as an event source would (SQS, a schedule, …): its result, or its error. */
  invoke(functionKey: string, event: unknown): Promise<unknown>;
  /** Calls the deployed stack would refuse, and functions that failed for want of a setting, so far. */
  violations(): string[];
  /** Stops everything; rejects, naming each, if there were violations (unless `allowViolations`). */
  stop(options?: { allowViolations?: boolean }): Promise<void>;
}

const startListeners = new Set<(stack: LocalStack) => void>();

/** Calls `listener` with every stack started from now on (the test suite's leak check watches them all). */
export function onLocalStackStarted(listener: (stack: LocalStack) => void): () => void {
  startListeners.add(listener);
  return () => startListeners.delete(listener);
}

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  // What started before a failure (a malformed role, say) is stopped again, newest first.
  const started: (() => Promise<unknown>)[] = [];
  try {
    const stack = await assembleStack(options, started);
    for (const listener of startListeners) listener(stack);
    return stack;
  } catch (error) {
    for (const stop of started.reverse()) await stop().catch(() => undefined);
    throw error;
  }
}

/**
 * What a stack with these options deploys: the packaged template and each function's bundle, each built
 * once and cached by content under node_modules/.cache (jest's globalSetup calls this before the test files
 * run, so that parallel test processes do not build the same thing at once).
 */
export async function prepareLocalStack(options: Pick<LocalStackOptions, 'serverlessYml' | 'managedSecurityGroups'> = {}): Promise<{ service: PackagedService; bundles: Bundles }> {
  // The managed groups are a deploy parameter: the IAM statements that reach them are scoped to them.
  const service = await packagedService(ROOT, options.serverlessYml, { managedSecurityGroups: JSON.stringify(options.managedSecurityGroups ?? DEMO_MANAGED_GROUPS) });
  return { service, bundles: await functionBundles(ROOT, service) };
}

async function assembleStack(options: LocalStackOptions, started: (() => Promise<unknown>)[]): Promise<LocalStack> {
  const { service, bundles } = await prepareLocalStack(options);
  const iam = new LocalIam(LOCAL_REGION, LOCAL_ACCOUNT);
  const where = { region: LOCAL_REGION, account: LOCAL_ACCOUNT };
  const emulator = await startAwsEmulator({
    seed: join(ROOT, 'local/aws-emulator/seed.json'),
    ...options.emulator,
    authorize: async ({ service: api, action, params, headers }) => {
      // Every part must be allowed (tag-on-create is the action itself and ec2:CreateTags). A function's call
      // the local stack cannot check is a violation too (an InternalError alone would be retried away unseen).
      const caller = iam.callerOf(headers);
      if (!caller) return undefined;
      const requests = await queryAccessRequests(api, action, params, where).catch((error: unknown) => {
        iam.report(`${caller.name}: the local stack cannot check ${api}:${action} (local/iam/query-access.ts): ${(error as Error).message}`);
        throw error;
      });
      for (const request of requests) {
        const decision = iam.check(headers, request);
        if (!decision.allowed) return new AwsApiError(accessDenied.queryCode(api), decision.message, 403);
      }
      return undefined;
    },
  });
  started.push(() => emulator.close());
  const template = service.template;
  const tables = Object.entries(template.Resources).filter(([, r]) => r.Type === 'AWS::DynamoDB::Table');
  const machines = Object.entries(template.Resources).filter(([, r]) => r.Type === 'AWS::StepFunctions::StateMachine');
  if (tables.length !== 1 || machines.length !== 1) throw new Error(`The local stack runs one table and one state machine; the template has ${tables.length} and ${machines.length}`);
  const outbox = new Outbox();
  const slackMode = options.slack?.mode ?? 'app';
  const slackSigningSecret = options.slack?.signingSecret ?? randomBytes(16).toString('hex');
  const slackBotToken = options.slack?.botToken ?? 'xoxb-local-cachegate';
  const slack = new SlackSink({ outbox, botToken: slackBotToken, ...(options.slack?.users ? { users: options.slack.users } : {}) });
  // Known once the server listens (the issuer redirects back to its URL).
  const late: { authorizer?: LocalAuthorizer; web?: (req: IncomingMessage, res: ServerResponse) => boolean; functions?: Map<string, DeployedFunction> } = {};
  const secureStrings: Record<string, string> = {};
  const ssm = await startLocalSsm(iam, secureStrings);
  started.push(() => ssm.close());
  const ses = await startLocalSes(iam, outbox);
  started.push(() => ses.close());

  let routes: Route[] = [];
  // The API's port shows the outbox and takes the /dev routes; the functions reach SES and Slack through
  // switchable sinks of their own, which a test (or /dev/faults) can take down, slow down and bring back.
  const sinks = [outboxHandler(outbox), slack.handler];
  const eventBridge = new LocalEventBridge(outbox);
  const faults = {
    mail: new SwitchableSink('mail', [forwardTo(ses.url)]),
    slack: new SwitchableSink('Slack', [slack.handler]),
    // Only the default bus exists locally (another is refused by the local EventBridge): its ARN is what
    // every accepted PutEvents is checked against.
    events: new SwitchableSink('EventBridge', [checkedBy(iam, { action: 'events:PutEvents', resources: [{ type: 'event-bus', ids: { EventBusName: 'default' } }] }, eventBridge.handler)]),
  };
  await Promise.all([faults.mail.start(), faults.slack.start(), faults.events.start()]);
  started.push(() => Promise.all([faults.mail.close(), faults.slack.close(), faults.events.close()]));
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
          }, (request, user) => {
            // The latest message with this request's buttons: the user's own DM, else the channel's.
            const withButtons = outbox.messages({ channel: 'slack' }).filter((m) => m.slack?.ts && m.slack.channel && m.buttons?.some((b) => b.value === request));
            const message = withButtons.findLast((m) => m.to.includes(user)) ?? withButtons.findLast((m) => m.slack?.channel?.startsWith('C'));
            return message?.slack?.channel && message.slack.ts ? { channel: message.slack.channel, ts: message.slack.ts } : undefined;
          });
          return;
        }
        if (req.method === 'POST' && url.pathname === '/dev/reconcile') {
          // One reconciler run now, as its schedule would start it; the answer is its summary.
          const reconciler = [...(late.functions?.values() ?? [])].find((fn) => fn.definition.events.some((event) => event.schedule !== undefined));
          if (!reconciler) throw new Error('no scheduled function (the reconciler) in serverless.yml');
          const summary = await reconciler.runtime.invoke({ source: 'aws.events', 'detail-type': 'Scheduled Event' });
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
  started.push(() => new Promise((resolveClose) => server.close(resolveClose)));
  // The web app signs in at the local issuer, whose tokens the gateway checks (and /dev/tokens signs).
  const issuer: LocalIssuer = await startLocalIssuer({ port: options.issuerPort ?? 0, redirectOrigin: url, users: DEMO_USERS });
  started.push(() => issuer.close());
  const authorizer = new LocalAuthorizer({ issuer: issuer.issuer, audience: API_AUDIENCE, keys: issuer.keys });
  for (const user of DEMO_USERS) tokens[user.email] = await authorizer.issue(user.email);
  late.authorizer = authorizer;
  late.web = await webAssets(ROOT, { issuer: issuer.issuer, clientId: WEB_CLIENT_ID, scope: WEB_SCOPE });

  const stackName = 'cachegate-dev';
  // The template's queues; the one a function consumes (sqs event) is the notification queue.
  const sqs = new LocalSqs({
    authorize: (headers, action, resource) => {
      const decision = iam.check(headers, { action, resources: [resource] });
      return decision.allowed ? undefined : decision.message;
    },
  });
  const sqsUrl = await sqs.listen(0);
  started.push(() => sqs.close());
  const consumed = new Set(service.functions.flatMap((fn) => fn.events.map((event) => JSON.stringify((event.sqs as { arn?: unknown } | undefined)?.arn ?? null))));
  const queues = new Map<string, LocalQueue>();
  const queueValues: Record<string, string> = {};
  for (const [id, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== 'AWS::SQS::Queue') continue;
    const props = resource.Properties ?? {};
    const redrive = props.RedrivePolicy as { maxReceiveCount?: number } | undefined;
    const isConsumed = consumed.has(JSON.stringify({ 'Fn::GetAtt': [id, 'Arn'] }));
    const queue = sqs.createQueue({
      name: typeof props.QueueName === 'string' ? props.QueueName : `${stackName}-${id}`,
      ...(typeof props.VisibilityTimeout === 'number' ? { visibilityTimeoutSeconds: props.VisibilityTimeout } : {}),
      ...(redrive?.maxReceiveCount !== undefined ? { maxReceiveCount: Number(redrive.maxReceiveCount) } : {}),
      ...(isConsumed ? { clock: options.notifications?.clock ?? 'real' } : {}),
    });
    queues.set(id, queue);
    queueValues[id] = queue.url;
  }
  const resolver = new CfnResolver(template, { ...where, stackName, values: localResourceValues(template, { ...where, stackName }, { 'HttpApi.ApiEndpoint': url, 'WebDistribution.DomainName': new URL(url).host, ...queueValues }) });
  const [tableId] = tables[0] ?? [];
  const [machineId, machine] = machines[0] ?? [];
  const tableName = String(resolver.resolve({ Ref: tableId }, 'the table'));
  const dynamo: LocalDynamo = await startDynamo(tableName, iam);
  started.push(() => dynamo.close());
  // This process is the operator's (tests that read the store directly): its environment points at the local
  // table with credentials of no function. The functions never see it: each runs with its own (local/lambda).
  Object.assign(process.env, { AWS_REGION: LOCAL_REGION, AWS_ACCESS_KEY_ID: 'operator', AWS_SECRET_ACCESS_KEY: 'operator', TABLE_NAME: tableName, DYNAMODB_ENDPOINT: dynamo.url });
  const stateMachineName = String(resolver.resolve({ 'Fn::GetAtt': [machineId, 'Name'] }, 'the state machine'));
  const machineRole = await principalOf(template, resolver, machine?.Properties?.RoleArn, `the state machine ${String(machineId)}`, stateMachineName);

  // Handlers are looked up per invocation: the functions need the Step Functions endpoint first.
  const taskHandlers: Record<string, LambdaHandler> = {};
  const stepFunctions = new LocalStepFunctions({
    definition: loadDefinition(join(ROOT, 'statemachines/access-request.asl.yaml')),
    stateMachineName,
    handlers: taskHandlers,
    authorize: (headers, action, resource) => {
      const decision = iam.check(headers, { action, resources: [resource] });
      return decision.allowed ? undefined : decision.message;
    },
    ...(options.waitOverridesMs ? { waitTimeOverrides: options.waitOverridesMs } : {}),
    ...(options.retryIntervalOverridesMs ? { retryIntervalOverrides: options.retryIntervalOverridesMs } : {}),
    ...(options.onStateChange ? { onStateChange: options.onStateChange } : {}),
  });
  const sfnUrl = await stepFunctions.listen(0);
  started.push(() => stepFunctions.close());

  const slackSettings: Record<string, string> = {
    SLACK_MODE: slackMode,
    SLACK_CHANNEL: slackMode === 'app' ? options.slack?.channel ?? 'C0APPROVALS' : '',
    SLACK_DIRECT_MESSAGES: options.slack?.directMessages ? 'true' : 'false',
  };
  const functions = await deployedFunctions({
    service,
    resolver,
    iam,
    bundles,
    // Parameters and the policy differ locally; the variables carrying them are the template's.
    parameterValues: {
      // The one origin of the app and the API: this server (CloudFront's https URL in AWS).
      PUBLIC_BASE_URL: url,
      MANAGED_SECURITY_GROUPS: JSON.stringify(options.managedSecurityGroups ?? DEMO_MANAGED_GROUPS),
      ...slackSettings,
      ...(options.identity?.claim !== undefined ? { IDENTITY_CLAIM: options.identity.claim } : {}),
      ...(options.identity?.requireVerifiedEmail !== undefined ? { REQUIRE_VERIFIED_EMAIL: String(options.identity.requireVerifiedEmail) } : {}),
      ...(options.rulesPerSecurityGroup !== undefined ? { RULES_PER_SECURITY_GROUP: String(options.rulesPerSecurityGroup) } : {}),
      ...(options.reconcile?.quietSeconds !== undefined ? { RECONCILE_QUIET_SECONDS: String(options.reconcile.quietSeconds) } : {}),
    },
    localOnly: {
      AWS_REGION: LOCAL_REGION,
      AWS_DEFAULT_REGION: LOCAL_REGION,
      ELASTICACHE_ENDPOINT: emulator.url,
      EC2_ENDPOINT: emulator.url,
      DYNAMODB_ENDPOINT: dynamo.url,
      STEPFUNCTIONS_ENDPOINT: sfnUrl,
      SSM_ENDPOINT: ssm.url,
      SES_ENDPOINT: faults.mail.url,
      SQS_ENDPOINT: sqsUrl,
      EVENTS_ENDPOINT: faults.events.url,
      // Slack: the sink has its own port (its Web API under /api/, webhooks under /webhook/), see faults.
      SLACK_API_URL: faults.slack.url,
      EMAIL_ATTEMPT_TIMEOUT_MS: options.attemptTimeoutsMs?.email?.toString(),
      SLACK_ATTEMPT_TIMEOUT_MS: options.attemptTimeoutsMs?.slack?.toString(),
      // Quiet unless asked: tests provoke failures on purpose; npm start asks for warnings. The test suite's
      // token-leak check (test/support/no-token-leaks.ts) asks for every line and shows only the errors.
      LOG_LEVEL: options.logLevel ?? process.env.LOCAL_STACK_LOG_LEVEL ?? 'error',
      GRANT_FIRST_CHECK_SECONDS: options.grant?.firstCheckSeconds?.toString(),
      GRANT_POLL_INTERVAL_MS: options.grant?.pollIntervalMs?.toString(),
      GRANT_POLL_WINDOW_MS: options.grant?.pollWindowMs?.toString(),
      GRANT_RECHECK_SECONDS: options.grant?.recheckSeconds?.toString(),
      GRANT_VERIFY_TIMEOUT_SECONDS: options.grant?.verifyTimeoutSeconds?.toString(),
      POLICY_MINUTE_MS: options.policyMinuteMs?.toString(),
    },
  });

  // A role grown wider than serverless.yml promises passes every workflow (AWS would allow it too): refuse to start.
  const gaps = leastPrivilegeGaps((fn) => iam.principal(fn), where);
  if (gaps.length > 0) throw new LeastPrivilegeError(`The deployed roles allow what they must not:\n${gaps.join('\n')}`);

  // The parameters the functions' *_PARAMETER variables name, as the operator (or the stack) stores them in AWS.
  const secretValues: Partial<Record<SecretName, string>> = {
    approvalPolicy: JSON.stringify(options.policy ?? DEMO_POLICY),
    linkSigningKey: randomBytes(32).toString('base64url'),
    slackSigningSecret,
    ...(slackMode === 'app' ? { slackBotToken } : {}),
    ...(slackMode === 'webhook' ? { slackWebhookUrl: `${faults.slack.url}/webhook/T0LOCAL/B0LOCAL/local` } : {}),
  };
  for (const fn of functions.values()) {
    for (const [secret, variable] of Object.entries(PARAMETER_VARIABLES) as [SecretName, string][]) {
      const name = fn.runtime.spec.environment[variable];
      const value = secretValues[secret];
      if (name !== undefined && value !== undefined) secureStrings[name] = value;
    }
  }


  for (const fn of functions.values()) {
    // The state machine invokes with its own role: lambda:InvokeFunction on the function.
    taskHandlers[fn.logicalId] = async (event) => {
      const decision = iam.check(machineRole, { action: 'lambda:InvokeFunction', resources: [fn.runtime.spec.arn] });
      if (!decision.allowed) throw Object.assign(new Error(`${decision.message} (Service: AWSLambda; Status Code: 403; Error Code: AccessDeniedException)`), { name: 'Lambda.AWSLambdaException' });
      return fn.runtime.invoke(event);
    };
  }

  const deployed = functions;
  late.functions = functions;
  const httpRoutes: Route[] = [];
  for (const fn of deployed.values()) {
    for (const event of fn.definition.events) {
      const httpApi = event.httpApi as { method: string; path: string; authorizer?: unknown } | undefined;
      if (!httpApi) continue;
      httpRoutes.push({ method: httpApi.method.toUpperCase(), path: httpApi.path, authorized: httpApi.authorizer !== undefined, functionKey: fn.definition.key, handler: ((event: unknown) => fn.runtime.invoke(event)) as HttpLambda });
    }
  }
  routes = httpRoutes;

  // Lambda's event source mappings of sqs events: they poll with the function's role.
  let notifications: LocalQueue | undefined;
  for (const fn of deployed.values()) {
    for (const event of fn.definition.events) {
      const source = event.sqs as { arn: unknown; batchSize?: number; maximumConcurrency?: number } | undefined;
      if (!source) continue;
      const arn = String(resolver.resolve(source.arn, `${fn.definition.key} sqs event`));
      const queue = [...queues.values()].find((q) => q.arn === arn);
      if (!queue) throw new Error(`${fn.definition.key}: its sqs event names ${arn}, which is not a queue of this template`);
      for (const action of ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes']) iam.check(fn.principal, { action, resources: [arn] });
      queue.attach(((batch: unknown) => fn.runtime.invoke(batch)) as QueueConsumer, {
        functionName: fn.definition.key,
        ...(source.batchSize ? { batchSize: source.batchSize } : {}),
        ...(source.maximumConcurrency ? { maximumConcurrency: source.maximumConcurrency } : {}),
      });
      notifications ??= queue;
    }
  }
  if (!notifications) throw new Error('No function consumes a queue of the template (an sqs event): the local stack has no notification queue');
  if (options.warm) for (const fn of deployed.values()) await fn.runtime.warm();

  return {
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
    functions: deployed,
    dynamodb: { endpoint: dynamo.url, tableName },
    async invoke(functionKey, event) {
      const fn = deployed.get(functionKey);
      if (!fn) throw new Error(`No function ${functionKey} in serverless.yml`);
      return fn.runtime.invoke(event);
    },
    violations: () => [...new Set(iam.violations)],
    async stop({ allowViolations = false } = {}) {
      await new Promise<void>((resolveClose) => {
        server.closeAllConnections();
        server.close(() => resolveClose());
      });
      await issuer.close();
      await stepFunctions.close();
      // No new deliveries; those under way finish before the stores they write to go away.
      await sqs.close();
      await Promise.all([...deployed.values()].map((fn) => fn.runtime.close()));
      await Promise.all([faults.mail.close(), faults.slack.close(), faults.events.close()]);
      await Promise.all([dynamo.close(), emulator.close(), ssm.close(), ses.close()]);
      const violations = [...new Set(iam.violations)];
      if (violations.length > 0 && !allowViolations) {
        throw new Error(`The deployed stack would fail here (serverless.yml):\n  - ${violations.join('\n  - ')}`);
      }
    },
  };
}

/** A local endpoint's handler behind the caller's IAM check (allowCall): a refused call is answered AccessDenied. */
function checkedBy(iam: LocalIam, call: Parameters<typeof allowCall>[3], handler: SinkHandler): SinkHandler {
  return (req, res) => {
    void allowCall(iam, req, res, call).then(
      (allowed) => {
        if (allowed && !handler(req, res)) sendJson(res, 404, { message: `No route for ${req.method} ${req.url}` });
      },
      (error: Error) => sendJson(res, 500, { __type: 'InternalFailure', message: error.message }),
    );
    return true;
  };
}

/**
 * A sink that hands each request on to a local endpoint (the mail switch in front of the local SES). The
 * answer goes back whole, in one end(): a slow switch holds it all (a piped body would reach the caller
 * before the held end, and its attempt timeout would never fire).
 */
function forwardTo(target: string): SinkHandler {
  return (req, res) => {
    const upstream = request(`${target}${req.url ?? '/'}`, { method: req.method, headers: req.headers }, (answer) => {
      const chunks: Buffer[] = [];
      answer.on('data', (chunk: Buffer) => chunks.push(chunk));
      answer.on('end', () => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        res.end(Buffer.concat(chunks));
      });
    });
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
    return true;
  };
}
