import {
  awsConfig,
  emailConfig,
  grantConfig,
  identityConfig,
  reconcileConfig,
  linksConfig,
  logConfig,
  secretsConfig,
  slackConfig,
  storeConfig,
  workflowConfig,
} from '../../functions/config.js';
import { ConfigError } from '../../functions/errors.js';

type Env = Record<string, string | undefined>;

/** The ConfigError message `read` refuses `env` with. */
function refusal(read: (env: Env) => unknown, env: Env): string {
  try {
    read(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  }
  throw new Error(`accepted: ${JSON.stringify(env)}`);
}

const ARN = 'arn:aws:states:eu-west-1:123456789012:stateMachine:cachegate-prod-access-request';

describe('awsConfig', () => {
  it('needs AWS_REGION; endpoints are optional and lose trailing slashes', () => {
    expect(awsConfig.parse({ AWS_REGION: 'eu-west-1' })).toEqual({
      region: 'eu-west-1',
      endpoints: { elasticache: undefined, ec2: undefined, dynamodb: undefined, stepFunctions: undefined, ses: undefined, ssm: undefined },
    });
    const local = awsConfig.parse({ AWS_REGION: ' us-east-1 ', DYNAMODB_ENDPOINT: 'http://127.0.0.1:4567/', EC2_ENDPOINT: 'https://ec2.local//' });
    expect(local.region).toBe('us-east-1');
    expect(local.endpoints.dynamodb).toBe('http://127.0.0.1:4567');
    expect(local.endpoints.ec2).toBe('https://ec2.local');
  });

  it.each([{}, { AWS_REGION: '' }, { AWS_REGION: '   ' }])('missing AWS_REGION (%p) is named', (env) => {
    expect(refusal(awsConfig.parse, env)).toBe('Environment variable AWS_REGION is required but not set');
  });

  it.each([
    ['ELASTICACHE_ENDPOINT', 'localhost:4566'],
    ['SES_ENDPOINT', 'ftp://mail.local'],
    ['SSM_ENDPOINT', 'not a url'],
    ['STEPFUNCTIONS_ENDPOINT', 'file:///etc/passwd'],
  ])('%s = %p is not an http(s) URL', (name, value) => {
    expect(refusal(awsConfig.parse, { AWS_REGION: 'eu-west-1', [name]: value })).toBe(`Environment variable ${name} must be an http(s) URL, got "${value}"`);
  });
});

describe('storeConfig, workflowConfig, linksConfig', () => {
  it('TABLE_NAME', () => {
    expect(storeConfig.parse({ TABLE_NAME: 'cachegate' })).toEqual({ tableName: 'cachegate' });
    expect(refusal(storeConfig.parse, {})).toMatch(/TABLE_NAME is required/);
  });

  it('STATE_MACHINE_ARN must be a state machine ARN', () => {
    expect(workflowConfig.parse({ STATE_MACHINE_ARN: ARN })).toEqual({ stateMachineArn: ARN });
    expect(workflowConfig.parse({ STATE_MACHINE_ARN: 'arn:aws-us-gov:states:us-gov-west-1:123456789012:stateMachine:m' }).stateMachineArn).toMatch(/aws-us-gov/);
    expect(refusal(workflowConfig.parse, {})).toMatch(/STATE_MACHINE_ARN is required/);
    for (const bad of ['cachegate', 'arn:aws:states:eu-west-1:123456789012:execution:m:run', 'arn:aws:states:eu-west-1:1234:stateMachine:m']) {
      expect(refusal(workflowConfig.parse, { STATE_MACHINE_ARN: bad })).toBe(`Environment variable STATE_MACHINE_ARN must be a state machine ARN, got "${bad}"`);
    }
  });

  it('PUBLIC_BASE_URL is required and must be http(s)', () => {
    expect(linksConfig.parse({ PUBLIC_BASE_URL: 'https://abc.execute-api.eu-west-1.amazonaws.com/' })).toEqual({ publicBaseUrl: 'https://abc.execute-api.eu-west-1.amazonaws.com' });
    expect(refusal(linksConfig.parse, {})).toMatch(/PUBLIC_BASE_URL is required/);
    expect(refusal(linksConfig.parse, { PUBLIC_BASE_URL: 'abc.execute-api.amazonaws.com' })).toMatch(/PUBLIC_BASE_URL must be an http\(s\) URL/);
  });

  it('the approval policy comes with the parameters: its SSM name in AWS, its text locally', () => {
    expect(secretsConfig.parse({ APPROVAL_POLICY_PARAMETER: '/cachegate/dev/approval-policy' }).parameters.approvalPolicy).toBe('/cachegate/dev/approval-policy');
    expect(secretsConfig.parse({ SECRETS_SOURCE: 'env', APPROVAL_POLICY: '{"default":{}}' }).values.approvalPolicy).toBe('{"default":{}}');
  });
});

describe('reconcileConfig', () => {
  it('leaves grant records changed in the last 5 minutes alone by default; 0 is allowed; anything else is refused', () => {
    expect(reconcileConfig.parse({})).toEqual({ quietSeconds: 300 });
    expect(reconcileConfig.parse({ RECONCILE_QUIET_SECONDS: '0' })).toEqual({ quietSeconds: 0 });
    expect(refusal(reconcileConfig.parse, { RECONCILE_QUIET_SECONDS: '-5' })).toBe('Environment variable RECONCILE_QUIET_SECONDS must be a whole number (0 or more), got "-5"');
  });
});

describe('grantConfig', () => {
  it('defaults', () => {
    expect(grantConfig.parse({})).toEqual({
      managedGroups: {},
      firstCheckSeconds: 40,
      pollIntervalMs: 2000,
      pollWindowMs: 45000,
      recheckSeconds: 20,
      verifyTimeoutSeconds: 300,
      rulesPerSecurityGroup: 60,
    });
  });

  it('reads the managed groups and the numbers', () => {
    const config = grantConfig.parse({
      MANAGED_SECURITY_GROUPS: '{"orders-cache":"sg-0cac4e9a7e0000001","sessions-mc":"sg-0123abcd"}',
      GRANT_FIRST_CHECK_SECONDS: '5',
      GRANT_POLL_INTERVAL_MS: '10',
      GRANT_POLL_WINDOW_MS: '100',
      GRANT_RECHECK_SECONDS: '1',
      GRANT_VERIFY_TIMEOUT_SECONDS: '2',
      RULES_PER_SECURITY_GROUP: '200',
    });
    expect(config).toEqual({
      managedGroups: { 'orders-cache': 'sg-0cac4e9a7e0000001', 'sessions-mc': 'sg-0123abcd' },
      firstCheckSeconds: 5,
      pollIntervalMs: 10,
      pollWindowMs: 100,
      recheckSeconds: 1,
      verifyTimeoutSeconds: 2,
      rulesPerSecurityGroup: 200,
    });
  });

  it.each(['0', '-1', '1.5', 'ten', '1e3', '0x10'])('a number setting of %p is refused, naming the variable', (value) => {
    expect(refusal(grantConfig.parse, { GRANT_POLL_INTERVAL_MS: value })).toBe(`Environment variable GRANT_POLL_INTERVAL_MS must be a positive whole number, got "${value}"`);
  });

  it('GRANT_FIRST_CHECK_SECONDS may be 0 (look right after the grant), never negative or fractional', () => {
    expect(grantConfig.parse({ GRANT_FIRST_CHECK_SECONDS: '0' }).firstCheckSeconds).toBe(0);
    expect(refusal(grantConfig.parse, { GRANT_FIRST_CHECK_SECONDS: '-1' })).toBe('Environment variable GRANT_FIRST_CHECK_SECONDS must be a whole number (0 or more), got "-1"');
    expect(refusal(grantConfig.parse, { GRANT_FIRST_CHECK_SECONDS: '1.5' })).toMatch(/GRANT_FIRST_CHECK_SECONDS must be a whole number/);
  });

  it.each(['{orders-cache: sg-1}', '{"a":', 'sg-0cac4e9a7e0000001'])('MANAGED_SECURITY_GROUPS %p is not JSON', (value) => {
    expect(refusal(grantConfig.parse, { MANAGED_SECURITY_GROUPS: value })).toMatch(/^Environment variable MANAGED_SECURITY_GROUPS must be JSON/);
  });

  it.each(['[]', '["sg-0cac4e9a7e0000001"]', 'null', '"sg-0cac4e9a7e0000001"', '42'])('MANAGED_SECURITY_GROUPS %p is not a JSON object', (value) => {
    expect(refusal(grantConfig.parse, { MANAGED_SECURITY_GROUPS: value })).toMatch(/MANAGED_SECURITY_GROUPS must be a JSON object/);
  });

  it.each([
    ['{"orders-cache":"orders-app"}', 'orders-cache', '"orders-app"'],
    ['{"orders-cache":"sg-0cac4e9a7e0000001","sessions-mc":42}', 'sessions-mc', '42'],
    ['{"orders-cache":"sg-XYZ12345"}', 'orders-cache', '"sg-XYZ12345"'],
    ['{"orders-cache":null}', 'orders-cache', 'null'],
  ])('MANAGED_SECURITY_GROUPS %s names the bad entry', (value, cluster, got) => {
    expect(refusal(grantConfig.parse, { MANAGED_SECURITY_GROUPS: value })).toBe(
      `Environment variable MANAGED_SECURITY_GROUPS: "${cluster}" must map to a security group id (sg-…), got ${got}`,
    );
  });
});

describe('emailConfig', () => {
  it('ses by default; needs EMAIL_FROM', () => {
    expect(emailConfig.parse({ EMAIL_FROM: 'cachegate@example.com' })).toEqual({ transport: 'ses', from: 'cachegate@example.com', smtpUrl: undefined, outboxUrl: undefined, attemptTimeoutMs: 5000 });
    expect(refusal(emailConfig.parse, {})).toMatch(/EMAIL_FROM is required/);
    expect(refusal(emailConfig.parse, { EMAIL_FROM: 'cachegate' })).toBe('Environment variable EMAIL_FROM must be an email address, got "cachegate"');
  });

  it('smtp needs SMTP_URL; outbox needs an http(s) OUTBOX_URL', () => {
    expect(emailConfig.parse({ EMAIL_TRANSPORT: 'smtp', EMAIL_FROM: 'a@b.c', SMTP_URL: 'smtp://u:p@mail:587' }).smtpUrl).toBe('smtp://u:p@mail:587');
    expect(refusal(emailConfig.parse, { EMAIL_TRANSPORT: 'smtp', EMAIL_FROM: 'a@b.c' })).toMatch(/SMTP_URL is required/);
    expect(emailConfig.parse({ EMAIL_TRANSPORT: 'outbox', EMAIL_FROM: 'a@b.c', OUTBOX_URL: 'http://127.0.0.1:3000/' }).outboxUrl).toBe('http://127.0.0.1:3000');
    expect(refusal(emailConfig.parse, { EMAIL_TRANSPORT: 'outbox', EMAIL_FROM: 'a@b.c' })).toMatch(/OUTBOX_URL is required/);
    expect(refusal(emailConfig.parse, { EMAIL_TRANSPORT: 'outbox', EMAIL_FROM: 'a@b.c', OUTBOX_URL: 'outbox' })).toMatch(/OUTBOX_URL must be an http\(s\) URL/);
  });

  it.each(['sendgrid', 'SES', 'smtp,ses'])('EMAIL_TRANSPORT %p is not one of the transports', (value) => {
    expect(refusal(emailConfig.parse, { EMAIL_TRANSPORT: value, EMAIL_FROM: 'a@b.c' })).toBe(`Environment variable EMAIL_TRANSPORT must be one of ses, smtp, outbox, got "${value}"`);
  });
});

describe('slackConfig', () => {
  it('off by default', () => {
    expect(slackConfig.parse({})).toEqual({ mode: 'off', channel: undefined, directMessages: false, apiUrl: undefined, attemptTimeoutMs: 2000 });
  });

  it('each call’s timeout can be shortened (tests of a slow Slack or mail sink) and must be a positive number', () => {
    expect(slackConfig.parse({ SLACK_ATTEMPT_TIMEOUT_MS: '150' }).attemptTimeoutMs).toBe(150);
    expect(emailConfig.parse({ EMAIL_FROM: 'a@b.c', EMAIL_ATTEMPT_TIMEOUT_MS: '250' }).attemptTimeoutMs).toBe(250);
    expect(refusal(slackConfig.parse, { SLACK_ATTEMPT_TIMEOUT_MS: '0' })).toMatch(/SLACK_ATTEMPT_TIMEOUT_MS must be a positive whole number/);
  });

  it('app mode needs a channel; DMs only when exactly "true"', () => {
    expect(slackConfig.parse({ SLACK_MODE: 'app', SLACK_CHANNEL: 'C0APPROVALS', SLACK_DIRECT_MESSAGES: 'true', SLACK_API_URL: 'http://127.0.0.1:1/api/' })).toEqual({
      mode: 'app',
      channel: 'C0APPROVALS',
      directMessages: true,
      apiUrl: 'http://127.0.0.1:1/api',
      attemptTimeoutMs: 2000,
    });
    expect(slackConfig.parse({ SLACK_MODE: 'webhook', SLACK_DIRECT_MESSAGES: 'yes' }).directMessages).toBe(false);
    expect(refusal(slackConfig.parse, { SLACK_MODE: 'app' })).toMatch(/SLACK_CHANNEL is required/);
  });

  it('bad SLACK_MODE and SLACK_API_URL are named', () => {
    expect(refusal(slackConfig.parse, { SLACK_MODE: 'bot' })).toBe('Environment variable SLACK_MODE must be one of off, webhook, app, got "bot"');
    expect(refusal(slackConfig.parse, { SLACK_API_URL: 'slack.com/api' })).toMatch(/SLACK_API_URL must be an http\(s\) URL, got "slack.com\/api"/);
  });
});

describe('secretsConfig and logConfig', () => {
  it('ssm by default: parameter names, no values (even when values are set)', () => {
    expect(secretsConfig.parse({ LINK_SIGNING_KEY_PARAMETER: '/cachegate/link-key', LINK_SIGNING_KEY: 'leak' })).toEqual({
      source: 'ssm',
      parameters: { linkSigningKey: '/cachegate/link-key', slackSigningSecret: undefined, slackBotToken: undefined, slackWebhookUrl: undefined },
      values: {},
    });
  });

  it('env: the values themselves', () => {
    expect(secretsConfig.parse({ SECRETS_SOURCE: 'env', LINK_SIGNING_KEY: 'k', SLACK_BOT_TOKEN: 'xoxb-1' }).values).toEqual({
      linkSigningKey: 'k',
      slackSigningSecret: undefined,
      slackBotToken: 'xoxb-1',
      slackWebhookUrl: undefined,
    });
    expect(refusal(secretsConfig.parse, { SECRETS_SOURCE: 'vault' })).toMatch(/SECRETS_SOURCE must be one of ssm, env, got "vault"/);
  });

  it('LOG_LEVEL', () => {
    expect(logConfig.parse({})).toEqual({ level: 'info' });
    expect(logConfig.parse({ LOG_LEVEL: 'silent' })).toEqual({ level: 'silent' });
    expect(refusal(logConfig.parse, { LOG_LEVEL: 'verbose' })).toMatch(/LOG_LEVEL must be one of debug, info, warn, error, silent, got "verbose"/);
  });
});

describe('memo', () => {
  it('parse reads the env it is given, every time', () => {
    expect(storeConfig.parse({ TABLE_NAME: 'one' }).tableName).toBe('one');
    expect(storeConfig.parse({ TABLE_NAME: 'two' }).tableName).toBe('two');
  });
});

describe('identityConfig', () => {
  it('defaults to the email claim and to requiring email_verified', () => {
    expect(identityConfig.parse({})).toEqual({ claim: 'email', requireVerifiedEmail: true });
  });

  it('takes another claim and REQUIRE_VERIFIED_EMAIL=false', () => {
    expect(identityConfig.parse({ IDENTITY_CLAIM: 'upn', REQUIRE_VERIFIED_EMAIL: 'false' })).toEqual({ claim: 'upn', requireVerifiedEmail: false });
  });

  it('refuses a malformed claim name or flag, naming the variable', () => {
    expect(refusal(identityConfig.parse, { IDENTITY_CLAIM: 'email address' })).toMatch(/IDENTITY_CLAIM/);
    expect(refusal(identityConfig.parse, { REQUIRE_VERIFIED_EMAIL: 'yes' })).toMatch(/REQUIRE_VERIFIED_EMAIL must be one of true, false/);
  });
});
