/**
 * Every environment variable cachegate reads, parsed and validated here and nowhere else. Each section
 * is read once, on first use, so a function only needs the variables of the sections it uses (the HTTP
 * function that starts executions needs STATE_MACHINE_ARN; the task functions must not, or the stack
 * would have a circular dependency). A missing or malformed variable throws a ConfigError naming it.
 */
import { ConfigError } from './errors.js';

type Env = Record<string, string | undefined>;

function required(env: Env, name: string): string {
  const value = env[name]?.trim();
  if (!value) throw new ConfigError(`Environment variable ${name} is required but not set`);
  return value;
}

function optional(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

function url(env: Env, name: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  try {
    const parsed = new URL(value);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error('not http(s)');
  } catch {
    throw new ConfigError(`Environment variable ${name} must be an http(s) URL, got "${value}"`);
  }
  return value.replace(/\/+$/, '');
}

function positiveInt(env: Env, name: string, fallback: number): number {
  const raw = optional(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) <= 0) {
    throw new ConfigError(`Environment variable ${name} must be a positive whole number, got "${raw}"`);
  }
  return Number(raw);
}

function wholeNumber(env: Env, name: string, fallback: number): number {
  const raw = optional(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(`Environment variable ${name} must be a whole number (0 or more), got "${raw}"`);
  return Number(raw);
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = optional(env, name) ?? fallback;
  if (!allowed.includes(raw as T)) {
    throw new ConfigError(`Environment variable ${name} must be one of ${allowed.join(', ')}, got "${raw}"`);
  }
  return raw as T;
}

function memo<T>(read: (env: Env) => T): { (): T; parse: (env: Env) => T } {
  let value: T | undefined;
  const get = (): T => (value ??= read(process.env));
  return Object.assign(get, { parse: read });
}

export interface AwsConfig {
  region: string;
  /** Local endpoints; unset in AWS, where the SDKs find the real ones. */
  endpoints: { elasticache?: string; ec2?: string; dynamodb?: string; stepFunctions?: string; ses?: string; ssm?: string; sqs?: string; events?: string };
}

export const awsConfig = memo((env): AwsConfig => ({
  region: required(env, 'AWS_REGION'),
  endpoints: {
    elasticache: url(env, 'ELASTICACHE_ENDPOINT', optional(env, 'ELASTICACHE_ENDPOINT')),
    ec2: url(env, 'EC2_ENDPOINT', optional(env, 'EC2_ENDPOINT')),
    dynamodb: url(env, 'DYNAMODB_ENDPOINT', optional(env, 'DYNAMODB_ENDPOINT')),
    stepFunctions: url(env, 'STEPFUNCTIONS_ENDPOINT', optional(env, 'STEPFUNCTIONS_ENDPOINT')),
    ses: url(env, 'SES_ENDPOINT', optional(env, 'SES_ENDPOINT')),
    ssm: url(env, 'SSM_ENDPOINT', optional(env, 'SSM_ENDPOINT')),
    sqs: url(env, 'SQS_ENDPOINT', optional(env, 'SQS_ENDPOINT')),
    events: url(env, 'EVENTS_ENDPOINT', optional(env, 'EVENTS_ENDPOINT')),
  },
}));

export interface StoreConfig {
  tableName: string;
}

export const storeConfig = memo((env): StoreConfig => ({ tableName: required(env, 'TABLE_NAME') }));

export interface WorkflowConfig {
  stateMachineArn: string;
}

export const workflowConfig = memo((env): WorkflowConfig => {
  const stateMachineArn = required(env, 'STATE_MACHINE_ARN');
  if (!/^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:stateMachine:[A-Za-z0-9_-]+$/.test(stateMachineArn)) {
    throw new ConfigError(`Environment variable STATE_MACHINE_ARN must be a state machine ARN, got "${stateMachineArn}"`);
  }
  return { stateMachineArn };
});

export interface LinksConfig {
  /** Where people open approval links and the API, e.g. https://abc.execute-api.eu-west-1.amazonaws.com. */
  publicBaseUrl: string;
}

export const linksConfig = memo((env): LinksConfig => ({
  publicBaseUrl: url(env, 'PUBLIC_BASE_URL', required(env, 'PUBLIC_BASE_URL')) as string,
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

export const grantConfig = memo((env): GrantConfig => {
  const raw = optional(env, 'MANAGED_SECURITY_GROUPS');
  let managedGroups: Record<string, string> = {};
  if (raw !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      throw new ConfigError('Environment variable MANAGED_SECURITY_GROUPS must be JSON: {"<cluster or replication group id>": "sg-…"}');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new ConfigError('Environment variable MANAGED_SECURITY_GROUPS must be a JSON object of id → "sg-…"');
    }
    for (const [cluster, group] of Object.entries(parsed)) {
      if (typeof group !== 'string' || !/^sg-[0-9a-f]{8,17}$/.test(group)) {
        throw new ConfigError(`Environment variable MANAGED_SECURITY_GROUPS: "${cluster}" must map to a security group id (sg-…), got ${JSON.stringify(group)}`);
      }
    }
    managedGroups = parsed as Record<string, string>;
  }
  return {
    managedGroups,
    firstCheckSeconds: wholeNumber(env, 'GRANT_FIRST_CHECK_SECONDS', 40),
    pollIntervalMs: positiveInt(env, 'GRANT_POLL_INTERVAL_MS', 2000),
    pollWindowMs: positiveInt(env, 'GRANT_POLL_WINDOW_MS', 45000),
    recheckSeconds: positiveInt(env, 'GRANT_RECHECK_SECONDS', 20),
    verifyTimeoutSeconds: positiveInt(env, 'GRANT_VERIFY_TIMEOUT_SECONDS', 300),
    rulesPerSecurityGroup: positiveInt(env, 'RULES_PER_SECURITY_GROUP', 60),
  };
});

export interface RequesterGroupsConfig {
  /** The JWT claim holding the caller's groups, for the policy's `requesters` (e.g. groups, cognito:groups). */
  claim: string;
}

export const requesterGroupsConfig = memo((env): RequesterGroupsConfig => {
  const claim = optional(env, 'GROUPS_CLAIM') ?? 'groups';
  if (!/^[A-Za-z0-9_:./-]{1,128}$/.test(claim)) throw new ConfigError(`Environment variable GROUPS_CLAIM must be a claim name, got "${claim}"`);
  return { claim };
});

export interface PolicyClockConfig {
  /**
   * How long one of the policy's minutes lasts, in ms: 60,000, unset in AWS. `npm start -- --fast` shortens it
   * (3,000) so that a demo's approval window, reminders, durations, warnings and extensions pass 20× faster.
   */
  minuteMs: number;
}

export const policyClockConfig = memo((env): PolicyClockConfig => ({ minuteMs: positiveInt(env, 'POLICY_MINUTE_MS', 60_000) }));

export interface ReconcileConfig {
  /** A grant record changed less than this long ago (seconds) is left to the workflow under way. */
  quietSeconds: number;
}

export const reconcileConfig = memo((env): ReconcileConfig => ({ quietSeconds: wholeNumber(env, 'RECONCILE_QUIET_SECONDS', 300) }));

export interface NotificationQueueConfig {
  /** The SQS queue every notification goes through (the durable path: README, "Notifications"). */
  queueUrl: string;
}

export const notificationQueueConfig = memo((env): NotificationQueueConfig => ({
  queueUrl: url(env, 'NOTIFICATION_QUEUE_URL', required(env, 'NOTIFICATION_QUEUE_URL')) as string,
}));

export interface MetricsConfig {
  /** CloudWatch namespace of the product's own metrics (EMF), e.g. cachegate/prod. */
  namespace: string;
}

export const metricsConfig = memo((env): MetricsConfig => {
  const namespace = required(env, 'METRICS_NAMESPACE');
  if (!/^[A-Za-z0-9._/#:-]{1,255}$/.test(namespace)) throw new ConfigError(`Environment variable METRICS_NAMESPACE is not a CloudWatch namespace, got "${namespace}"`);
  return { namespace };
});

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
  const transport = oneOf(env, 'EMAIL_TRANSPORT', ['ses', 'smtp', 'outbox'] as const, 'ses');
  const from = required(env, 'EMAIL_FROM');
  if (!/^[^@\s]+@[^@\s]+$/.test(from)) throw new ConfigError(`Environment variable EMAIL_FROM must be an email address, got "${from}"`);
  return {
    transport,
    from,
    smtpUrl: transport === 'smtp' ? required(env, 'SMTP_URL') : undefined,
    outboxUrl: transport === 'outbox' ? url(env, 'OUTBOX_URL', required(env, 'OUTBOX_URL')) : undefined,
    attemptTimeoutMs: positiveInt(env, 'EMAIL_ATTEMPT_TIMEOUT_MS', 5000),
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
  const mode = oneOf(env, 'SLACK_MODE', ['off', 'webhook', 'app'] as const, 'off');
  return {
    mode,
    channel: mode === 'app' ? required(env, 'SLACK_CHANNEL') : undefined,
    directMessages: optional(env, 'SLACK_DIRECT_MESSAGES') === 'true',
    apiUrl: url(env, 'SLACK_API_URL', optional(env, 'SLACK_API_URL')),
    attemptTimeoutMs: positiveInt(env, 'SLACK_ATTEMPT_TIMEOUT_MS', 2000),
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
  const source = oneOf(env, 'SECRETS_SOURCE', ['ssm', 'env'] as const, 'ssm');
  return {
    source,
    parameters: {
      linkSigningKey: optional(env, 'LINK_SIGNING_KEY_PARAMETER'),
      slackSigningSecret: optional(env, 'SLACK_SIGNING_SECRET_PARAMETER'),
      slackBotToken: optional(env, 'SLACK_BOT_TOKEN_PARAMETER'),
      slackWebhookUrl: optional(env, 'SLACK_WEBHOOK_URL_PARAMETER'),
      approvalPolicy: optional(env, 'APPROVAL_POLICY_PARAMETER'),
    },
    values:
      source === 'env'
        ? {
            linkSigningKey: optional(env, 'LINK_SIGNING_KEY'),
            slackSigningSecret: optional(env, 'SLACK_SIGNING_SECRET'),
            slackBotToken: optional(env, 'SLACK_BOT_TOKEN'),
            slackWebhookUrl: optional(env, 'SLACK_WEBHOOK_URL'),
            approvalPolicy: optional(env, 'APPROVAL_POLICY'),
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

export const identityConfig = memo((env): IdentityConfig => {
  const claim = optional(env, 'IDENTITY_CLAIM') ?? 'email';
  if (!/^[A-Za-z0-9_:.\-/]{1,128}$/.test(claim)) throw new ConfigError(`Environment variable IDENTITY_CLAIM must be a JWT claim name, got "${claim}"`);
  return { claim, requireVerifiedEmail: oneOf(env, 'REQUIRE_VERIFIED_EMAIL', ['true', 'false'] as const, 'true') === 'true' };
});

export const logConfig = memo((env) => ({
  level: oneOf(env, 'LOG_LEVEL', ['debug', 'info', 'warn', 'error', 'silent'] as const, 'info'),
}));
