/**
 * Every environment variable cachegate reads, parsed and validated here and nowhere else. Each section
 * is read once, on first use, so a function only needs the variables of the sections it uses (the HTTP
 * function that starts executions needs STATE_MACHINE_ARN; the task functions must not, or the stack
 * would have a circular dependency). A missing or malformed variable throws a ConfigError naming it.
 */
import * as v from 'valibot';
import { SecurityGroupId } from './domain/aws-identifiers.js';
import { ConfigError } from './errors.js';

type Env = Record<string, string | undefined>;

/** A variable's schema is given its trimmed value, or undefined when unset or blank; its message follows the name. */
function read<S extends v.GenericSchema<string | undefined, unknown>>(env: Env, name: string, schema: S): v.InferOutput<S> {
  const result = v.safeParse(schema, env[name]?.trim() || undefined, { abortPipeEarly: true });
  if (result.success) return result.output;
  // An entry of a JSON variable is named after it: MANAGED_SECURITY_GROUPS: "orders-cache" must map to …
  const [issue] = result.issues;
  const entry = issue.path?.[0]?.key;
  throw new ConfigError(`Environment variable ${name}${entry === undefined ? '' : `: "${String(entry)}"`} ${issue.message}`);
}

const got = (rule: string) => (issue: v.BaseIssue<unknown>) => `${rule}, got "${String(issue.input)}"`;
const isHttpUrl = (value: string): boolean => {
  try {
    return ['http:', 'https:'].includes(new URL(value).protocol);
  } catch {
    return false;
  }
};

const Required = v.string('is required but not set');
const HttpUrl = v.pipe(Required, v.check(isHttpUrl, got('must be an http(s) URL')), v.transform((url) => url.replace(/\/+$/, '')));
const matching = (pattern: RegExp, rule: string) => v.pipe(Required, v.regex(pattern, got(rule)));
const positiveInt = (fallback: number) => {
  const rule = got('must be a positive whole number');
  return v.optional(v.pipe(v.string(), v.regex(/^\d+$/, rule), v.transform(Number), v.minValue(1, rule)), String(fallback));
};
const wholeNumber = (fallback: number) => v.optional(v.pipe(v.string(), v.regex(/^\d+$/, got('must be a whole number (0 or more)')), v.transform(Number)), String(fallback));
const oneOf = <const T extends string>(allowed: readonly T[], fallback: T) => v.optional(v.picklist(allowed, got(`must be one of ${allowed.join(', ')}`)), fallback);
const CLAIM_NAME = /^[A-Za-z0-9_:.\-/]{1,128}$/;

function memo<T>(parse: (env: Env) => T): { (): T; parse: (env: Env) => T } {
  let value: T | undefined;
  const get = (): T => (value ??= parse(process.env));
  return Object.assign(get, { parse });
}

export interface AwsConfig {
  region: string;
  /** Local endpoints; unset in AWS, where the SDKs find the real ones. */
  endpoints: { elasticache?: string; ec2?: string; dynamodb?: string; stepFunctions?: string; ses?: string; ssm?: string; sqs?: string; events?: string };
}

export const awsConfig = memo((env): AwsConfig => ({
  region: read(env, 'AWS_REGION', Required),
  endpoints: {
    elasticache: read(env, 'ELASTICACHE_ENDPOINT', v.optional(HttpUrl)),
    ec2: read(env, 'EC2_ENDPOINT', v.optional(HttpUrl)),
    dynamodb: read(env, 'DYNAMODB_ENDPOINT', v.optional(HttpUrl)),
    stepFunctions: read(env, 'STEPFUNCTIONS_ENDPOINT', v.optional(HttpUrl)),
    ses: read(env, 'SES_ENDPOINT', v.optional(HttpUrl)),
    ssm: read(env, 'SSM_ENDPOINT', v.optional(HttpUrl)),
    sqs: read(env, 'SQS_ENDPOINT', v.optional(HttpUrl)),
    events: read(env, 'EVENTS_ENDPOINT', v.optional(HttpUrl)),
  },
}));

export interface StoreConfig {
  tableName: string;
}

export const storeConfig = memo((env): StoreConfig => ({ tableName: read(env, 'TABLE_NAME', Required) }));

export interface WorkflowConfig {
  stateMachineArn: string;
}

export const workflowConfig = memo((env): WorkflowConfig => ({
  stateMachineArn: read(env, 'STATE_MACHINE_ARN', matching(/^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:stateMachine:[A-Za-z0-9_-]+$/, 'must be a state machine ARN')),
}));

export interface LinksConfig {
  /** Where people open approval links and the API, e.g. https://abc.execute-api.eu-west-1.amazonaws.com. */
  publicBaseUrl: string;
}

export const linksConfig = memo((env): LinksConfig => ({
  publicBaseUrl: read(env, 'PUBLIC_BASE_URL', HttpUrl),
}));

export type GrantMode = 'classic' | 'vpc';

export interface GrantConfig {
  /** VPC mode: which security group cachegate may edit, per replication group or cluster id. */
  managedGroups: Record<string, string>;
  /** classic: the first look after the grant call (AWS: "about a minute"; 40 s, the fastest expected). */
  firstCheckSeconds: number;
  /** classic: the interval between looks from the first look until twice its time (ms). */
  pollIntervalMs: number;
  /**
   * The longest one "Check grant status" invocation looks and waits between looks (ms); a later look goes
   * back to the state machine's Wait state. Below the function's 60 s timeout.
   */
  pollWindowMs: number;
  /** Both drivers: the longest interval between looks, once backing off (seconds). */
  recheckSeconds: number;
  /** Give up (FAILED: never available) this long after the grant call (seconds). */
  verifyTimeoutSeconds: number;
  /** VPC: inbound rules a managed group may hold (AWS's default quota: 60); submission refuses a new rule beyond it. */
  rulesPerSecurityGroup: number;
}

const MUST_MAP = (issue: v.BaseIssue<unknown>) => `must map to a security group id (sg-…), got ${JSON.stringify(issue.input)}`;
/** `{"<replication group or cluster id>": "sg-…"}`, the group ids by the request's own rule (domain/aws-identifiers.ts). */
const ManagedGroups = v.optional(
  v.pipe(
    v.string(),
    v.rawTransform(({ dataset, addIssue, NEVER }) => {
      try {
        return JSON.parse(dataset.value) as unknown;
      } catch {
        addIssue({ message: 'must be JSON: {"<cluster or replication group id>": "sg-…"}' });
        return NEVER;
      }
    }),
    v.custom<Record<string, unknown>>((value) => typeof value === 'object' && value !== null && !Array.isArray(value), 'must be a JSON object of id → "sg-…"'),
    v.record(v.string(), v.pipe(v.string(MUST_MAP), v.check((group) => v.is(SecurityGroupId, group), MUST_MAP))),
  ),
  '{}',
);

export const grantConfig = memo((env): GrantConfig => ({
  managedGroups: read(env, 'MANAGED_SECURITY_GROUPS', ManagedGroups),
  firstCheckSeconds: read(env, 'GRANT_FIRST_CHECK_SECONDS', wholeNumber(40)),
  pollIntervalMs: read(env, 'GRANT_POLL_INTERVAL_MS', positiveInt(2000)),
  pollWindowMs: read(env, 'GRANT_POLL_WINDOW_MS', positiveInt(45000)),
  recheckSeconds: read(env, 'GRANT_RECHECK_SECONDS', positiveInt(20)),
  verifyTimeoutSeconds: read(env, 'GRANT_VERIFY_TIMEOUT_SECONDS', positiveInt(300)),
  rulesPerSecurityGroup: read(env, 'RULES_PER_SECURITY_GROUP', positiveInt(60)),
}));

export interface RequesterGroupsConfig {
  /** The JWT claim holding the caller's groups, for the policy's `requesters` (e.g. groups, cognito:groups). */
  claim: string;
}

export const requesterGroupsConfig = memo((env): RequesterGroupsConfig => ({
  claim: read(env, 'GROUPS_CLAIM', v.optional(matching(CLAIM_NAME, 'must be a claim name'), 'groups')),
}));

export interface PolicyClockConfig {
  /**
   * How long one of the policy's minutes lasts, in ms: 60,000, unset in AWS. `npm start -- --fast` shortens it
   * (3,000) so that a demo's approval window, reminders, durations, warnings and extensions pass 20× faster.
   */
  minuteMs: number;
}

export const policyClockConfig = memo((env): PolicyClockConfig => ({ minuteMs: read(env, 'POLICY_MINUTE_MS', positiveInt(60_000)) }));

export interface ReconcileConfig {
  /** A grant record changed less than this long ago (seconds) is left to the workflow under way. */
  quietSeconds: number;
}

export const reconcileConfig = memo((env): ReconcileConfig => ({ quietSeconds: read(env, 'RECONCILE_QUIET_SECONDS', wholeNumber(300)) }));

export interface NotificationQueueConfig {
  /** The SQS queue every notification goes through (the durable path: README, "Notifications"). */
  queueUrl: string;
}

export const notificationQueueConfig = memo((env): NotificationQueueConfig => ({
  queueUrl: read(env, 'NOTIFICATION_QUEUE_URL', HttpUrl),
}));

export interface MetricsConfig {
  /** CloudWatch namespace of the product's own metrics (EMF), e.g. cachegate/prod. */
  namespace: string;
}

export const metricsConfig = memo((env): MetricsConfig => ({
  namespace: read(env, 'METRICS_NAMESPACE', matching(/^[A-Za-z0-9._/#:-]{1,255}$/, 'is not a CloudWatch namespace')),
}));

export type EmailTransport = 'ses' | 'smtp' | 'outbox';

export interface EmailConfig {
  transport: EmailTransport;
  from: string;
  /** smtp transport: smtp://user:pass@host:port */
  smtpUrl?: string;
  /** outbox transport: the local sink's URL. */
  outboxUrl?: string;
  /** One attempt to hand a message over is abandoned after this long (ms); the durable path retries. */
  attemptTimeoutMs: number;
}

export const emailConfig = memo((env): EmailConfig => {
  const transport = read(env, 'EMAIL_TRANSPORT', oneOf(['ses', 'smtp', 'outbox'], 'ses'));
  return {
    transport,
    from: read(env, 'EMAIL_FROM', matching(/^[^@\s]+@[^@\s]+$/, 'must be an email address')),
    smtpUrl: transport === 'smtp' ? read(env, 'SMTP_URL', Required) : undefined,
    outboxUrl: transport === 'outbox' ? read(env, 'OUTBOX_URL', HttpUrl) : undefined,
    attemptTimeoutMs: read(env, 'EMAIL_ATTEMPT_TIMEOUT_MS', positiveInt(5000)),
  };
});

export type SlackMode = 'off' | 'webhook' | 'app';

export interface SlackConfig {
  mode: SlackMode;
  /** app mode: the approvals channel id. */
  channel?: string;
  /** app mode: DM each approver as well. */
  directMessages: boolean;
  /** Local Slack sink: base URL for the Web API (…/api/) and where webhooks go. Unset in AWS. */
  apiUrl?: string;
  /** One Slack call is abandoned after this long (ms); the durable path retries. */
  attemptTimeoutMs: number;
}

export const slackConfig = memo((env): SlackConfig => {
  const mode = read(env, 'SLACK_MODE', oneOf(['off', 'webhook', 'app'], 'off'));
  return {
    mode,
    channel: mode === 'app' ? read(env, 'SLACK_CHANNEL', Required) : undefined,
    directMessages: env.SLACK_DIRECT_MESSAGES?.trim() === 'true',
    apiUrl: read(env, 'SLACK_API_URL', v.optional(HttpUrl)),
    attemptTimeoutMs: read(env, 'SLACK_ATTEMPT_TIMEOUT_MS', positiveInt(2000)),
  };
});

/**
 * Secrets: in AWS, SSM Parameter Store SecureString names (read at cold start and cached by middy's ssm
 * middleware); locally, the values themselves from the environment.
 */
export interface SecretsConfig {
  source: 'ssm' | 'env';
  /** source ssm: parameter names. */
  parameters: { linkSigningKey?: string; slackSigningSecret?: string; slackBotToken?: string; slackWebhookUrl?: string; approvalPolicy?: string };
  /** source env: values. */
  values: { linkSigningKey?: string; slackSigningSecret?: string; slackBotToken?: string; slackWebhookUrl?: string; approvalPolicy?: string };
}

export const secretsConfig = memo((env): SecretsConfig => {
  const source = read(env, 'SECRETS_SOURCE', oneOf(['ssm', 'env'], 'ssm'));
  const optional = (name: string) => read(env, name, v.optional(v.string()));
  return {
    source,
    parameters: {
      linkSigningKey: optional('LINK_SIGNING_KEY_PARAMETER'),
      slackSigningSecret: optional('SLACK_SIGNING_SECRET_PARAMETER'),
      slackBotToken: optional('SLACK_BOT_TOKEN_PARAMETER'),
      slackWebhookUrl: optional('SLACK_WEBHOOK_URL_PARAMETER'),
      approvalPolicy: optional('APPROVAL_POLICY_PARAMETER'),
    },
    values:
      source === 'env'
        ? {
            linkSigningKey: optional('LINK_SIGNING_KEY'),
            slackSigningSecret: optional('SLACK_SIGNING_SECRET'),
            slackBotToken: optional('SLACK_BOT_TOKEN'),
            slackWebhookUrl: optional('SLACK_WEBHOOK_URL'),
            approvalPolicy: optional('APPROVAL_POLICY'),
          }
        : {},
  };
});

export interface IdentityConfig {
  /** The JWT claim that names the caller: an email address (default `email`). */
  claim: string;
  /**
   * When the token carries no `email_verified` claim: refuse it (true, the default) or accept it (false, for
   * issuers whose access tokens omit the claim, e.g. Okta and Entra ID). A token that says false is always refused.
   */
  requireVerifiedEmail: boolean;
}

export const identityConfig = memo((env): IdentityConfig => ({
  claim: read(env, 'IDENTITY_CLAIM', v.optional(matching(CLAIM_NAME, 'must be a JWT claim name'), 'email')),
  requireVerifiedEmail: read(env, 'REQUIRE_VERIFIED_EMAIL', oneOf(['true', 'false'], 'true')) === 'true',
}));

export const logConfig = memo((env) => ({
  level: read(env, 'LOG_LEVEL', oneOf(['debug', 'info', 'warn', 'error', 'silent'], 'info')),
}));
