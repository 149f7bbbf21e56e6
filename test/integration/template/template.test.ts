/**
 * The deployable stack, as `npm run package` writes it (.serverless/cloudformation-template-update-stack.json):
 * least-privilege roles, the state machine as the ASL file says, the authorizer where it belongs, no secret
 * values, alarms, the runtime, and the table as the code expects it; and serverless.yml itself: built by osls
 * with strict validation, alarms generated, the table schema and the ASL retry lists each written once.
 * The template is rebuilt first (offline, scripts/package-offline.sh) when it is missing or older than what it
 * is built from.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { isAlias, isMap, isSeq, parse, parseDocument } from 'yaml';
import { TABLE_SCHEMA } from '../../../functions/adapters/table-schema.js';
import { parseApprovalPolicy } from '../../../functions/domain/approval-policy.js';

const ROOT = join(__dirname, '../../..');
const TEMPLATE = join(ROOT, '.serverless/cloudformation-template-update-stack.json');
const ASL = join(ROOT, 'statemachines/access-request.asl.yaml');
const TABLE_SCHEMA_SOURCE = join(ROOT, 'functions/adapters/table-schema.ts');
const SOURCES = [
  join(ROOT, 'serverless.yml'),
  ASL,
  TABLE_SCHEMA_SOURCE,
  join(ROOT, 'scripts/package-offline.sh'),
  ...readdirSync(join(ROOT, 'config')).map((name) => join(ROOT, 'config', name)),
];
const PACKAGE_TIMEOUT_MS = 240_000;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };
interface Resource {
  Type: string;
  Properties: JsonObject;
  Condition?: string;
}
interface Template {
  Resources: Record<string, Resource>;
  Outputs: Record<string, { Value: Json }>;
}
interface Statement {
  Effect: string;
  Action: string[];
  Resource: Json;
  Condition?: Json;
}

function templateIsStale(): boolean {
  if (!existsSync(TEMPLATE)) return true;
  const built = statSync(TEMPLATE).mtimeMs;
  return SOURCES.some((file) => statSync(file).mtimeMs > built);
}

let template: Template;
let resources: Record<string, Resource>;
/** serverless.yml function key → its Lambda resource's logical id. */
let functions: Record<string, string>;
/** serverless.yml as written (variables unresolved). */
let config: ServerlessConfig;

interface ServerlessConfig {
  frameworkVersion: string;
  configValidationMode: string;
  functions: Record<string, unknown>;
  /** Parts merged by the CLI: `${file(...)}` references and written-out parts. */
  resources: (string | { Resources: Record<string, { Type: string; Properties?: JsonObject }> })[];
}

beforeAll(() => {
  if (templateIsStale()) {
    const run = spawnSync('bash', ['scripts/package-offline.sh'], { cwd: ROOT, encoding: 'utf8', timeout: PACKAGE_TIMEOUT_MS });
    if (run.status !== 0) {
      throw new Error(`npm run package failed (${run.error?.message ?? `exit ${run.status}`}):\n${`${run.stdout}\n${run.stderr}`.slice(-4000)}`);
    }
  }
  template = JSON.parse(readFileSync(TEMPLATE, 'utf8')) as Template;
  resources = template.Resources;
  config = parse(readFileSync(join(ROOT, 'serverless.yml'), 'utf8'), { logLevel: 'silent' }) as ServerlessConfig;
  functions = Object.fromEntries(Object.keys(config.functions).map((key) => [key, `${key[0]?.toUpperCase()}${key.slice(1)}LambdaFunction`]));
}, PACKAGE_TIMEOUT_MS + 10_000);

const ofType = (type: string): [string, Resource][] => Object.entries(resources).filter(([, resource]) => resource.Type === type);

function resource(logicalId: string, type: string): Resource {
  const found = resources[logicalId];
  if (!found) throw new Error(`The template has no ${logicalId}`);
  expect(found.Type).toBe(type);
  return found;
}

function environmentOf(functionKey: string): Record<string, Json> {
  const lambda = resource(functions[functionKey] ?? '', 'AWS::Lambda::Function');
  return ((lambda.Properties.Environment as JsonObject | undefined)?.Variables ?? {}) as Record<string, Json>;
}

/** The role a function runs with, and its statements. */
function roleOf(functionKey: string): { logicalId: string; statements: Statement[] } {
  const lambda = resource(functions[functionKey] ?? '', 'AWS::Lambda::Function');
  const [logicalId] = (lambda.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'];
  const role = resource(logicalId, 'AWS::IAM::Role');
  expect(role.Properties.ManagedPolicyArns ?? []).toEqual([]);
  return { logicalId, statements: statementsOf(role) };
}

function statementsOf(role: Resource): Statement[] {
  const policies = role.Properties.Policies as unknown as { PolicyDocument: { Statement: Statement[] } }[];
  return policies.flatMap((policy) => policy.PolicyDocument.Statement);
}

const stateMachineName = (): string => resource('AccessRequestStateMachine', 'AWS::StepFunctions::StateMachine').Properties.StateMachineName as string;

const ACCOUNT_ARN = /^arn:\$\{AWS::Partition\}:([a-z0-9-]+):\$\{AWS::Region\}:\$\{AWS::AccountId\}:(.+)$/;

/**
 * A resource as a short name: the table, its indexes, the state machine, the function's own secret parameter
 * and sender identities (from its environment), or `service:resource` for the other ARNs of this account.
 */
function describeResource(value: Json, env: Record<string, Json>): string {
  if (value === '*') return '*';
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return JSON.stringify(value);
  const getAtt = value['Fn::GetAtt'];
  if (Array.isArray(getAtt) && getAtt[0] === 'RequestsTable' && getAtt[1] === 'Arn') return 'table';
  if (Array.isArray(getAtt) && getAtt[0] === 'NotificationQueue' && getAtt[1] === 'Arn') return 'notification queue';
  if (value.Ref === 'AccessRequestStateMachine') return 'state machine';
  const sub = value['Fn::Sub'];
  if (sub === '${RequestsTable.Arn}/index/*') return 'table indexes';
  let text: string | undefined;
  if (typeof sub === 'string') text = sub;
  else if (Array.isArray(sub) && typeof sub[0] === 'string') {
    // [template, { domain: Fn::Select [1, Fn::Split ['@', sender]] }]: the sender's domain.
    const variables = sub[1] as JsonObject;
    const domain = JSON.stringify(variables.domain) === JSON.stringify({ 'Fn::Select': [1, { 'Fn::Split': ['@', env.EMAIL_FROM ?? null] }] });
    if (Object.keys(variables).length === 1 && domain) text = sub[0].replace('${domain}', `domain of ${String(env.EMAIL_FROM)}`);
  }
  const arn = text?.match(ACCOUNT_ARN);
  if (!arn) return JSON.stringify(value);
  const [, service, rest] = arn;
  if (service === 'states' && rest === `stateMachine:${stateMachineName()}`) return 'state machine';
  if (service === 'ssm' && env.LINK_SIGNING_KEY_PARAMETER !== undefined && rest === `parameter${String(env.LINK_SIGNING_KEY_PARAMETER)}`) return 'link-signing-key parameter';
  for (const [variable, name] of [
    ['SLACK_BOT_TOKEN_PARAMETER', 'slack-bot-token parameter'],
    ['SLACK_WEBHOOK_URL_PARAMETER', 'slack-webhook-url parameter'],
    ['SLACK_SIGNING_SECRET_PARAMETER', 'slack-signing-secret parameter'],
    ['APPROVAL_POLICY_PARAMETER', 'approval-policy parameter'],
  ] as const) {
    if (service === 'ssm' && env[variable] !== undefined && rest === `parameter${String(env[variable])}`) return name;
  }
  if (service === 'ses' && rest === `identity/${String(env.EMAIL_FROM)}`) return 'sender identity';
  if (service === 'ses' && rest === `identity/domain of ${String(env.EMAIL_FROM)}`) return 'sender domain identity';
  return `${service}:${rest}`;
}

/** "action resource [if condition]" for every action × resource a function's role allows, logs and X-Ray aside. */
function grantsOf(functionKey: string): string[] {
  const env = environmentOf(functionKey);
  const grants: string[] = [];
  for (const statement of roleOf(functionKey).statements) {
    const resourceList = Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];
    for (const action of statement.Action) {
      if (action.startsWith('logs:')) continue;
      for (const item of resourceList) {
        const condition = statement.Condition === undefined ? '' : ` if ${JSON.stringify(statement.Condition)}`;
        grants.push(`${action} ${describeResource(item, env)}${condition}`);
      }
    }
  }
  return grants.sort();
}

const dynamo = (...actions: string[]): string[] => actions.map((action) => `dynamodb:${action} table`);
const SECRET = 'ssm:GetParameters link-signing-key parameter';
const POLICY = 'ssm:GetParameters approval-policy parameter';
const EMAIL = ['ses:SendEmail sender domain identity', 'ses:SendEmail sender identity'];
const RESUME = 'states:SendTaskSuccess state machine';
const QUEUE = 'sqs:SendMessage notification queue';
const SLACK = ['ssm:GetParameters slack-bot-token parameter', 'ssm:GetParameters slack-webhook-url parameter'];
const CACHE_GROUPS = 'elasticache:securitygroup:*';
const EC2_GROUPS = ['ec2:security-group/*', 'ec2:security-group-rule/*'];
const DESCRIBE_RULES = 'ec2:DescribeSecurityGroupRules *';
/** No managed group configured (the default '{}'): an ARN no group has, so the grant reaches nothing. */
const NO_MANAGED_GROUP = 'ec2:security-group/sg-00000000none';
const DESCRIBE_RULE = `ec2:UpdateSecurityGroupRuleDescriptionsIngress ${NO_MANAGED_GROUP}`;

/** What each function calls (functions/services and adapters), and so all its role may allow. */
const EXPECTED_GRANTS: Record<string, string[]> = {
  createRequest: [
    ...dynamo('GetItem', 'PutItem', 'UpdateItem', 'DeleteItem'),
    POLICY,
    'states:StartExecution state machine',
    `elasticache:DescribeCacheSecurityGroups ${CACHE_GROUPS}`,
    'elasticache:DescribeCacheClusters elasticache:cluster:*',
    'elasticache:DescribeReplicationGroups elasticache:replicationgroup:*',
    DESCRIBE_RULES,
    'dynamodb:Query table indexes',
  ],
  getRequest: [...dynamo('GetItem'), POLICY],
  cancelRequest: [...dynamo('GetItem', 'UpdateItem'), 'states:SendTaskFailure state machine'],
  listRequests: ['dynamodb:Query table indexes'],
  listTargets: [POLICY],
  decideRequest: [...dynamo('GetItem', 'UpdateItem'), RESUME],
  auditRequests: [POLICY, 'dynamodb:Query table indexes'],
  showApproval: [...dynamo('GetItem'), SECRET],
  decideApproval: [...dynamo('GetItem', 'UpdateItem'), SECRET, RESUME, QUEUE],
  slackInteractions: [...dynamo('GetItem', 'UpdateItem'), 'ssm:GetParameters slack-signing-secret parameter', RESUME, ...SLACK],
  recordRequest: dynamo('UpdateItem'),
  waitForApproval: [...dynamo('GetItem', 'PutItem', 'UpdateItem'), RESUME, 'states:SendTaskFailure state machine', QUEUE],
  remindApprovers: [...dynamo('GetItem', 'UpdateItem'), QUEUE],
  grantIngress: [
    ...dynamo('GetItem', 'PutItem', 'UpdateItem', 'DeleteItem'),
    QUEUE,
    `elasticache:AuthorizeCacheSecurityGroupIngress ${CACHE_GROUPS}`,
    ...EC2_GROUPS.map((groups) => `ec2:AuthorizeSecurityGroupIngress ${groups}`),
    'ec2:CreateTags ec2:security-group-rule/* if {"StringEquals":{"ec2:CreateAction":"AuthorizeSecurityGroupIngress"}}',
    DESCRIBE_RULES,
  ],
  checkGrantStatus: [...dynamo('GetItem', 'UpdateItem', 'DeleteItem'), `elasticache:DescribeCacheSecurityGroups ${CACHE_GROUPS}`, DESCRIBE_RULES],
  revokeIngress: [
    ...dynamo('GetItem', 'PutItem', 'UpdateItem'),
    `elasticache:RevokeCacheSecurityGroupIngress ${CACHE_GROUPS}`,
    ...EC2_GROUPS.map((groups) => `ec2:RevokeSecurityGroupIngress ${groups}`),
    DESCRIBE_RULE,
  ],
  finishRequest: [...dynamo('GetItem', 'PutItem', 'UpdateItem', 'DeleteItem'), QUEUE, DESCRIBE_RULE],
  checkAccess: [...dynamo('GetItem', 'PutItem', 'UpdateItem'), QUEUE, DESCRIBE_RULE],
  holdAccess: [...dynamo('GetItem', 'PutItem'), RESUME],
  revokeRequest: [...dynamo('GetItem', 'UpdateItem'), RESUME],
  extendRequest: [...dynamo('GetItem', 'UpdateItem'), POLICY, RESUME, QUEUE],
  reconcileGrants: [
    ...dynamo('GetItem', 'PutItem', 'UpdateItem', 'DeleteItem'),
    'dynamodb:Query table indexes',
    'states:DescribeExecution states:execution:cachegate-dev-access-request:*',
    RESUME,
    QUEUE,
    DESCRIBE_RULES,
    `elasticache:DescribeCacheSecurityGroups ${CACHE_GROUPS}`,
    `elasticache:RevokeCacheSecurityGroupIngress ${CACHE_GROUPS}`,
    `ec2:RevokeSecurityGroupIngress ${NO_MANAGED_GROUP}`,
    DESCRIBE_RULE,
  ],
  deliverNotifications: [
    ...dynamo('GetItem', 'PutItem', 'UpdateItem', 'BatchWriteItem'),
    ...['ReceiveMessage', 'DeleteMessage', 'GetQueueAttributes', 'ChangeMessageVisibility'].map((action) => `sqs:${action} notification queue`),
    SECRET,
    ...EMAIL,
    ...SLACK,
    // Status change events (docs/events.md), on the default bus only.
    'events:PutEvents events:event-bus/default',
  ],
};

describe('functions', () => {
  it('are the functions of serverless.yml, each in the template', () => {
    expect(Object.keys(functions).sort()).toEqual(Object.keys(EXPECTED_GRANTS).sort());
    expect(ofType('AWS::Lambda::Function').map(([id]) => id).sort()).toEqual(Object.values(functions).sort());
  });

  it('run on nodejs24.x, arm64, without X-Ray (README, "Tracing"), and source maps', () => {
    for (const logicalId of Object.values(functions)) {
      const { Properties } = resource(logicalId, 'AWS::Lambda::Function');
      expect({ logicalId, runtime: Properties.Runtime, architectures: Properties.Architectures, tracing: Properties.TracingConfig }).toEqual({
        logicalId,
        runtime: 'nodejs24.x',
        architectures: ['arm64'],
        tracing: undefined,
      });
    }
    for (const key of Object.keys(functions)) expect(environmentOf(key).NODE_OPTIONS).toBe('--enable-source-maps');
  });

  it('are each one ES module bundle (.mjs) in a zip of its own', () => {
    for (const [key, logicalId] of Object.entries(functions)) {
      const handler = resource(logicalId, 'AWS::Lambda::Function').Properties.Handler as string;
      const zip = join(ROOT, '.serverless', `${key}.zip`);
      expect(existsSync(zip)).toBe(true);
      // Zip entries keep their names in plain text.
      const entry = `${handler.replace(/\.handler$/, '')}.mjs`;
      expect({ key, bundled: readFileSync(zip).includes(Buffer.from(entry)) }).toEqual({ key, bundled: true });
    }
  });
});

describe('IAM: one role per function, least privilege', () => {
  it.each(Object.keys(EXPECTED_GRANTS))('%s may make exactly its own calls', (key) => {
    expect(grantsOf(key)).toEqual([...(EXPECTED_GRANTS[key] ?? [])].sort());
  });

  it('gives every function a role of its own, used by no other function', () => {
    const roles = Object.keys(functions).map((key) => roleOf(key).logicalId);
    expect(new Set(roles).size).toBe(roles.length);
    expect(roles).not.toContain('IamRoleLambdaExecution');
  });

  it('names no wildcard action, allows only, and uses the * resource only where AWS has no resource-level permission', () => {
    for (const key of Object.keys(functions)) {
      for (const statement of roleOf(key).statements) {
        expect(statement.Effect).toBe('Allow');
        expect(Object.keys(statement).sort()).toEqual(['Action', 'Effect', 'Resource', ...(statement.Condition ? ['Condition'] : [])].sort());
        for (const action of statement.Action) expect(action).toMatch(/^[a-z0-9-]+:[A-Za-z]+$/);
        const resourceList = Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];
        if (resourceList.includes('*')) {
          expect(resourceList).toEqual(['*']);
          expect(statement.Action.every((action) => action === 'ec2:DescribeSecurityGroupRules')).toBe(true);
        }
      }
    }
  });

  it('writes logs only to the function’s own log group', () => {
    for (const [key, logicalId] of Object.entries(functions)) {
      const name = resource(logicalId, 'AWS::Lambda::Function').Properties.FunctionName as string;
      const logs = roleOf(key).statements.filter((statement) => statement.Action.some((action) => action.startsWith('logs:')));
      expect(logs).toHaveLength(1);
      expect(logs[0]?.Resource).toEqual([{ 'Fn::Sub': `arn:\${AWS::Partition}:logs:\${AWS::Region}:\${AWS::AccountId}:log-group:/aws/lambda/${name}:*:*` }]);
    }
  });

  it('scopes every DynamoDB permission to the table or its indexes', () => {
    for (const key of Object.keys(functions)) {
      for (const grant of grantsOf(key).filter((g) => g.startsWith('dynamodb:'))) expect(grant).toMatch(/ table( indexes)?$/);
    }
  });
});

/**
 * The plugin's validation (asl-validator) writes the default `QueryLanguage: JSONPath` into every state of
 * the definition it deploys; the default, spelled out or not, means the same.
 */
function withoutDefaultQueryLanguage(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutDefaultQueryLanguage);
  if (node === null || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([key, value]) => !(key === 'QueryLanguage' && value === 'JSONPath'))
      .map(([key, value]) => [key, withoutDefaultQueryLanguage(value)]),
  );
}

describe('the state machine', () => {
  it('is the ASL file, with each Lambda task pointing at a function of this stack', () => {
    const machine = resource('AccessRequestStateMachine', 'AWS::StepFunctions::StateMachine');
    const definitionString = machine.Properties.DefinitionString as { 'Fn::Sub': [string, Record<string, Json>] };
    const [text, substitutions] = definitionString['Fn::Sub'];
    // The plugin replaces each Fn::GetAtt with ${<hash>}, quoted or not; put the intrinsic back.
    const json = text.replace(/"?\$\{([0-9a-f]{32})\}"?/g, (_match, key: string) => JSON.stringify(substitutions[key] ?? `unknown substitution ${key}`));
    const deployed = withoutDefaultQueryLanguage(JSON.parse(json));
    const source = withoutDefaultQueryLanguage(parse(readFileSync(ASL, 'utf8')));
    expect(deployed).toEqual(source);

    const targets = new Set(Object.values(substitutions).map((value) => (value as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0]));
    expect(targets.size).toBeGreaterThan(0);
    for (const target of targets) expect(Object.values(functions)).toContain(target);
  });

  it('is named and logged as configured, and only its task functions may be invoked by it', () => {
    const machine = resource('AccessRequestStateMachine', 'AWS::StepFunctions::StateMachine');
    expect(machine.Properties.StateMachineName).toMatch(/^cachegate-[a-z0-9-]+-access-request$/);
    expect(machine.Properties.TracingConfiguration).toBeUndefined();
    expect((machine.Properties.LoggingConfiguration as JsonObject).Level).toBe('ERROR');
    expect((machine.Properties.LoggingConfiguration as JsonObject).IncludeExecutionData).toBe(false);

    const statements = statementsOf(resource('AccessRequestStateMachineRole', 'AWS::IAM::Role'));
    const invoke = statements.filter((statement) => statement.Action.includes('lambda:InvokeFunction'));
    expect(invoke).toHaveLength(1);
    expect(invoke[0]?.Action).toEqual(['lambda:InvokeFunction']);
    const invoked = new Set((JSON.stringify(invoke[0]?.Resource).match(/"[A-Za-z]+LambdaFunction"/g) ?? []).map((id) => JSON.parse(id) as string));
    const tasks = Object.values(functions).filter((logicalId) => readFileSync(ASL, 'utf8').includes(logicalId));
    expect([...invoked].sort()).toEqual(tasks.sort());
    expect(tasks).not.toContain('CreateRequestLambdaFunction');
  });

  it('writes each retry list and each retrier of the ASL file once: repeats are YAML aliases', () => {
    const document = parseDocument(readFileSync(ASL, 'utf8'));
    const states = document.get('States');
    if (!isMap(states)) throw new Error('The ASL file has no States map');
    const values = (document.toJS() as { States: Record<string, { Retry?: Json[] }> }).States;
    const written: string[] = [];
    let retrying = 0;
    for (const pair of states.items) {
      const name = String(pair.key);
      const retry = isMap(pair.value) ? pair.value.get('Retry', true) : undefined;
      if (retry === undefined) continue;
      retrying++;
      if (isAlias(retry)) continue;
      if (!isSeq(retry)) throw new Error(`${name}: Retry is not a list`);
      written.push(JSON.stringify(values[name]?.Retry));
      retry.items.forEach((retrier, index) => {
        if (!isAlias(retrier)) written.push(JSON.stringify(values[name]?.Retry?.[index]));
      });
    }
    expect(retrying).toBeGreaterThan(written.length / 2);
    expect(written.filter((text, index) => written.indexOf(text) !== index)).toEqual([]);
  });

  it('is started by createRequest alone, and no task function refers to it (no circular dependency)', () => {
    expect(environmentOf('createRequest').STATE_MACHINE_ARN).toEqual({ Ref: 'AccessRequestStateMachine' });
    const text = readFileSync(ASL, 'utf8');
    for (const [key, logicalId] of Object.entries(functions)) {
      // The reconciler describes executions (its role may not start one): the ARN from the name, no reference.
      if (key === 'reconcileGrants') expect(JSON.stringify(environmentOf(key).STATE_MACHINE_ARN)).toContain(`:stateMachine:${stateMachineName()}`);
      else if (key !== 'createRequest') expect(environmentOf(key).STATE_MACHINE_ARN).toBeUndefined();
      if (!text.includes(logicalId)) continue;
      const role = roleOf(key).logicalId;
      for (const id of [logicalId, role]) expect(JSON.stringify(resources[id])).not.toContain('AccessRequestStateMachine');
    }
  });
});

describe('the HTTP API', () => {
  const routes = (): { key: string; authorization: Json | undefined; authorizer: Json | undefined }[] =>
    ofType('AWS::ApiGatewayV2::Route').map(([, route]) => ({
      key: route.Properties.RouteKey as string,
      authorization: route.Properties.AuthorizationType,
      authorizer: route.Properties.AuthorizerId,
    }));

  it('has the twelve routes', () => {
    expect(routes().map((route) => route.key).sort()).toEqual([
      'GET /approvals/{token}',
      'GET /audit/requests',
      'GET /requests',
      'GET /requests/{id}',
      'GET /targets',
      'POST /approvals/{token}',
      'POST /requests',
      'POST /requests/{id}/cancel',
      'POST /requests/{id}/decision',
      'POST /requests/{id}/extend',
      'POST /requests/{id}/revoke',
      'POST /slack/interactions',
    ]);
  });

  it('puts the JWT authorizer on the web app\'s routes (/targets, /audit/requests)', () => {
    for (const route of routes().filter((r) => / \/(targets|audit\/requests)$/.test(r.key))) {
      expect(route).toEqual({ key: route.key, authorization: 'JWT', authorizer: { Ref: 'HttpApiAuthorizerRequesterJwt' } });
    }
  });

  it('puts the JWT authorizer on every /requests route', () => {
    for (const route of routes().filter((r) => / \/requests(\/|$)/.test(r.key))) {
      expect(route).toEqual({ key: route.key, authorization: 'JWT', authorizer: { Ref: 'HttpApiAuthorizerRequesterJwt' } });
    }
    const authorizer = resource('HttpApiAuthorizerRequesterJwt', 'AWS::ApiGatewayV2::Authorizer').Properties;
    expect(authorizer.AuthorizerType).toBe('JWT');
    expect(authorizer.IdentitySource).toEqual(['$request.header.Authorization']);
    const jwt = authorizer.JwtConfiguration as { Issuer: string; Audience: string[] };
    expect(jwt.Issuer).toMatch(/^https:\/\//);
    expect(jwt.Audience).toHaveLength(1);
  });

  it('leaves the /approvals and /slack routes public (the signed link, Slack’s signature are the proof)', () => {
    const approvals = routes().filter((r) => r.key.includes(' /approvals/') || r.key.includes(' /slack/'));
    expect(approvals).toHaveLength(3);
    for (const route of approvals) expect([route.authorization ?? 'NONE', route.authorizer]).toEqual(['NONE', undefined]);
  });
});

describe('configuration', () => {
  it('holds no secret value: secrets are SSM parameter names only', () => {
    const secretLike = /(SECRET|TOKEN|KEY|PASSWORD|WEBHOOK)/;
    for (const key of Object.keys(functions)) {
      const env = environmentOf(key);
      for (const name of Object.keys(env)) {
        if (secretLike.test(name) && name !== 'SECRETS_SOURCE') expect({ key, name }).toEqual({ key, name: expect.stringMatching(/_PARAMETER$/) });
      }
      if (env.LINK_SIGNING_KEY_PARAMETER !== undefined) {
        expect(env.SECRETS_SOURCE).toBe('ssm');
        expect(env.LINK_SIGNING_KEY_PARAMETER).toMatch(/^\/cachegate\/[a-z0-9-]+\/link-signing-key$/);
      }
    }
    const text = readFileSync(TEMPLATE, 'utf8');
    expect(text).not.toMatch(/xox[abpr]-|hooks\.slack\.com\/services|\{\{resolve:ssm-secure|BEGIN [A-Z ]*PRIVATE KEY/);
    expect(text).not.toMatch(/"(LINK_SIGNING_KEY|SLACK_SIGNING_SECRET|SLACK_BOT_TOKEN|SLACK_WEBHOOK_URL)"/);
  });

  it('gives the secrets and email settings to the functions that use them, and only to those', () => {
    for (const key of Object.keys(functions)) {
      const env = environmentOf(key);
      const grants = grantsOf(key);
      expect({ key, secrets: env.LINK_SIGNING_KEY_PARAMETER !== undefined }).toEqual({ key, secrets: grants.includes(SECRET) });
      expect({ key, email: env.EMAIL_TRANSPORT === 'ses' && typeof env.EMAIL_FROM === 'string' }).toEqual({ key, email: grants.some((g) => g.startsWith('ses:')) });
    }
  });

  it('writes the approval policy file to an SSM parameter that the policy parser accepts, read only by the functions that use it', () => {
    const parameter = resource('ApprovalPolicyParameter', 'AWS::SSM::Parameter').Properties;
    expect(parameter).toMatchObject({ Name: '/cachegate/dev/approval-policy', Type: 'String', Tier: 'Intelligent-Tiering' });
    expect(JSON.parse(parameter.Value as string)).toEqual(JSON.parse(readFileSync(join(ROOT, 'config/approval-policy.json'), 'utf8')));
    expect(() => parseApprovalPolicy(parameter.Value as string)).not.toThrow();
    // Not slackInteractions: requests carry their approvers' Slack ids.
    const readers = ['createRequest', 'extendRequest', 'getRequest', 'listTargets', 'auditRequests'];
    for (const key of Object.keys(functions)) {
      const env = environmentOf(key);
      expect(env.APPROVAL_POLICY).toBeUndefined();
      const reads = readers.includes(key);
      expect({ key, parameter: env.APPROVAL_POLICY_PARAMETER }).toEqual({ key, parameter: reads ? '/cachegate/dev/approval-policy' : undefined });
      expect({ key, granted: grantsOf(key).includes(POLICY) }).toEqual({ key, granted: reads });
    }
  });

  it('keeps every function’s environment within Lambda’s 4 KB', () => {
    for (const key of Object.keys(functions)) {
      const size = Object.entries(environmentOf(key)).reduce((total, [name, value]) => total + name.length + JSON.stringify(value).length, 0);
      expect({ key, withinLimit: size < 4096 }).toEqual({ key, withinLimit: true });
    }
  });
});

describe('serverless.yml', () => {
  const written = (): Record<string, { Type: string; Properties?: JsonObject }> =>
    Object.assign({}, ...config.resources.map((part) => (typeof part === 'string' ? {} : part.Resources)));

  it('is built by osls with strict validation, and nothing installs the serverless package (Framework v4)', () => {
    expect(config.configValidationMode).toBe('error');
    const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string }> };
    expect(lock.packages['node_modules/osls']?.version?.split('.')[0]).toBe(config.frameworkVersion);
    expect(Object.keys(lock.packages).filter((path) => /(^|\/)node_modules\/serverless$/.test(path))).toEqual([]);
  });

  it('writes no alarm, dashboard or metric filter itself: config/alarms.cjs and config/dashboard.cjs generate them', () => {
    expect(config.resources).toContain('${file(./config/alarms.cjs)}');
    expect(config.resources).toContain('${file(./config/dashboard.cjs)}');
    const types = Object.values(written()).map((resource) => resource.Type);
    expect(types).toContain('AWS::DynamoDB::Table');
    expect(types.filter((type) => ['AWS::CloudWatch::Alarm', 'AWS::CloudWatch::Dashboard', 'AWS::Logs::MetricFilter'].includes(type))).toEqual([]);
  });

  it('takes the table keys and indexes from functions/adapters/table-schema.ts instead of repeating them', () => {
    const table = written().RequestsTable;
    expect(table?.Type).toBe('AWS::DynamoDB::Table');
    for (const key of Object.keys(TABLE_SCHEMA)) expect({ key, value: table?.Properties?.[key] }).toEqual({ key, value: `\${file(./config/table-schema.cjs):${key}}` });
  });
});

describe('the table', () => {
  it('has the keys and indexes of functions/adapters/table-schema.ts, on demand, with PITR and TTL', () => {
    const table = resource('RequestsTable', 'AWS::DynamoDB::Table').Properties;
    expect(table.BillingMode).toBe('PAY_PER_REQUEST');
    expect(table.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    expect(table.TimeToLiveSpecification).toEqual({ AttributeName: 'ttl', Enabled: true });
    const schema = JSON.parse(JSON.stringify(TABLE_SCHEMA)) as JsonObject;
    expect({ AttributeDefinitions: table.AttributeDefinitions, KeySchema: table.KeySchema, GlobalSecondaryIndexes: table.GlobalSecondaryIndexes }).toEqual(schema);
  });
});

describe('alarms', () => {
  const alarms = (): JsonObject[] => ofType('AWS::CloudWatch::Alarm').map(([, alarm]) => alarm.Properties);
  const dimensionValues = (metric: JsonObject): Json[] => ((metric.Dimensions ?? []) as JsonObject[]).map((dimension) => dimension.Value ?? null);
  /** Single-metric alarms and each metric of a metric-math alarm, as { namespace, name, dimension values }. */
  const metricsOf = (alarm: JsonObject): { namespace: Json; name: Json; dimensions: Json[] }[] => {
    if (alarm.MetricName !== undefined) return [{ namespace: alarm.Namespace ?? null, name: alarm.MetricName, dimensions: dimensionValues(alarm) }];
    return ((alarm.Metrics ?? []) as JsonObject[])
      .filter((query) => query.MetricStat !== undefined)
      .map((query) => {
        const metric = (query.MetricStat as JsonObject).Metric as JsonObject;
        return { namespace: metric.Namespace ?? null, name: metric.MetricName ?? null, dimensions: dimensionValues(metric) };
      });
  };

  it('notify the AlarmTopic SNS topic', () => {
    resource('AlarmTopic', 'AWS::SNS::Topic');
    expect(alarms().length).toBeGreaterThan(0);
    for (const alarm of alarms()) expect(alarm.AlarmActions).toEqual([{ Ref: 'AlarmTopic' }]);
  });

  it.each(['ExecutionsFailed', 'ExecutionsTimedOut'])('watch the state machine: %s', (name) => {
    const watching = alarms().filter((alarm) =>
      metricsOf(alarm).some((m) => m.namespace === 'AWS/States' && m.name === name && JSON.stringify(m.dimensions) === JSON.stringify([{ Ref: 'AccessRequestStateMachine' }])),
    );
    expect(watching).toHaveLength(1);
  });

  it.each(['Errors', 'Throttles'])('watch every function: %s', (name) => {
    const watched = alarms()
      .flatMap(metricsOf)
      .filter((m) => m.namespace === 'AWS/Lambda' && m.name === name)
      .flatMap((m) => m.dimensions);
    expect(watched.map((value) => (value as { Ref: string }).Ref).sort()).toEqual(Object.values(functions).sort());
  });

  it('count notifications given up in the product metric, per channel, and the dead-letter queue; never from log text', () => {
    const givenUp = alarms().flatMap(metricsOf).filter((m) => m.name === 'NotificationsGivenUp');
    expect(givenUp.map((m) => m.dimensions)).toEqual(['email', 'slack', 'events', 'unknown'].map((channel) => ['cachegate', channel]));
    for (const metric of givenUp) expect(metric.namespace).toBe('cachegate/dev');
    expect(ofType('AWS::Logs::MetricFilter')).toEqual([]);
    const deadLetters = alarms().flatMap(metricsOf).filter((m) => m.namespace === 'AWS/SQS');
    expect(deadLetters).toEqual([{ namespace: 'AWS/SQS', name: 'ApproximateNumberOfMessagesVisible', dimensions: [{ 'Fn::GetAtt': ['NotificationDeadLetterQueue', 'QueueName'] }] }]);
  });

  it('deliver notifications from the queue with partial batch failures, and dead-letter what keeps failing', () => {
    const mapping = ofType('AWS::Lambda::EventSourceMapping').map(([, m]) => m.Properties);
    expect(mapping).toEqual([
      expect.objectContaining({
        FunctionName: { 'Fn::GetAtt': ['DeliverNotificationsLambdaFunction', 'Arn'] },
        EventSourceArn: { 'Fn::GetAtt': ['NotificationQueue', 'Arn'] },
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        ScalingConfig: { MaximumConcurrency: 2 },
      }),
    ]);
    const queue = resource('NotificationQueue', 'AWS::SQS::Queue').Properties;
    expect(queue.RedrivePolicy).toEqual({ deadLetterTargetArn: { 'Fn::GetAtt': ['NotificationDeadLetterQueue', 'Arn'] }, maxReceiveCount: 15 });
    const timeout = resources.DeliverNotificationsLambdaFunction?.Properties.Timeout as number;
    expect(queue.VisibilityTimeout).toBeGreaterThanOrEqual(6 * timeout);
  });

  it('are named <service>-<stage>-…, each name once', () => {
    const names = alarms().map((alarm) => alarm.AlarmName as string);
    for (const name of names) expect(name).toMatch(/^cachegate-dev-[a-z-]+$/);
    expect(new Set(names).size).toBe(names.length);
  });

  it('stay within CloudWatch’s 10 metrics per metric-math alarm, summing them', () => {
    for (const alarm of alarms().filter((a) => a.Metrics !== undefined)) {
      const queries = alarm.Metrics as JsonObject[];
      expect(queries.filter((query) => query.MetricStat !== undefined).length).toBeLessThanOrEqual(10);
      expect(queries.filter((query) => query.ReturnData === true)).toEqual([expect.objectContaining({ Expression: 'SUM(METRICS())' })]);
    }
  });
});

describe('product metrics: the alarms and the dashboard', () => {
  type MetricRef = { namespace: string; name: string; dimensions: Json[] };
  /** Every metric the dashboard draws: [namespace, name, dimension name, value, …, options?]. */
  const dashboardMetrics = (): MetricRef[] => {
    const body = resource('Dashboard', 'AWS::CloudWatch::Dashboard').Properties.DashboardBody as { 'Fn::Sub': string };
    const { widgets } = JSON.parse(body['Fn::Sub']) as { widgets: { properties: { metrics: Json[][] } }[] };
    return widgets.flatMap((widget) =>
      widget.properties.metrics.map((line) => {
        const parts = line.filter((part) => typeof part === 'string') as string[];
        return { namespace: parts[0] ?? '', name: parts[1] ?? '', dimensions: parts.slice(2) };
      }),
    );
  };
  /** Alarm metrics as the dashboard writes them: dimension names and values, in order. */
  const alarmMetrics = (): MetricRef[] =>
    ofType('AWS::CloudWatch::Alarm').flatMap(([, { Properties: alarm }]) => {
      const metrics = alarm.MetricName !== undefined ? [alarm] : ((alarm.Metrics ?? []) as JsonObject[]).filter((q) => q.MetricStat).map((q) => (q.MetricStat as JsonObject).Metric as JsonObject);
      return metrics.map((m) => ({ namespace: m.Namespace as string, name: m.MetricName as string, dimensions: ((m.Dimensions ?? []) as JsonObject[]).flatMap((d) => [d.Name ?? null, d.Value ?? null]) }));
    });
  const productNamespace = 'cachegate/dev';
  /** The metric names the functions emit (functions/adapters/metrics.ts callers and domain/status-events.ts). */
  const emitted = (): Set<string> => {
    const names = new Set<string>();
    const walk = (dir: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) walk(path);
        else for (const match of readFileSync(path, 'utf8').matchAll(/(?:countMetric|secondsMetric)\('([A-Za-z]+)'|name: '([A-Za-z]+)', unit:/g)) names.add(match[1] ?? match[2] ?? '');
      }
    };
    walk(join(ROOT, 'functions'));
    return names;
  };

  it('derive no metric from log text: no metric filter; every metric is AWS\'s own or one the functions emit (EMF)', () => {
    expect(ofType('AWS::Logs::MetricFilter')).toEqual([]);
    const names = emitted();
    for (const metric of [...alarmMetrics(), ...dashboardMetrics()]) {
      if (metric.namespace === productNamespace) expect({ metric: metric.name, emitted: names.has(metric.name) }).toEqual({ metric: metric.name, emitted: true });
      else expect(metric.namespace).toMatch(/^AWS\/(Lambda|States|SQS)$/);
    }
  });

  it('alarm on requests that failed and grants that needed clean-up, per mode, with the dimension set they are emitted with', () => {
    const product = alarmMetrics().filter((m) => m.namespace === productNamespace);
    expect(product.filter((m) => m.name === 'RequestsByOutcome').map((m) => m.dimensions)).toEqual(['classic', 'vpc'].map((mode) => ['service', 'cachegate', 'outcome', 'FAILED', 'mode', mode]));
    expect(product.filter((m) => m.name === 'GrantsCleanedUp').map((m) => m.dimensions)).toEqual(['classic', 'vpc'].map((mode) => ['service', 'cachegate', 'mode', mode]));
    for (const metric of product) expect(metric.dimensions.slice(0, 2)).toEqual(['service', 'cachegate']);
  });

  it('has a dashboard with every product metric an alarm watches, the named metrics, executions by status, and every function\'s errors, throttles and duration', () => {
    const drawn = dashboardMetrics();
    const key = (m: MetricRef): string => {
      const pairs: string[] = [];
      for (let i = 0; i < m.dimensions.length; i += 2) pairs.push(`${String(m.dimensions[i])}=${JSON.stringify(m.dimensions[i + 1])}`);
      return `${m.namespace} ${m.name} ${pairs.sort().join(',')}`;
    };
    const drawnKeys = new Set(drawn.map(key));
    for (const metric of alarmMetrics().filter((m) => m.namespace === productNamespace)) expect(drawnKeys).toContain(key(metric));
    const names = new Set(drawn.filter((m) => m.namespace === productNamespace).map((m) => m.name));
    for (const name of ['RequestsSubmitted', 'RequestsByOutcome', 'TimeToDecision', 'TimeFromApprovalToActive', 'GrantsCleanedUp', 'NotificationsGivenUp', 'OldestPendingApprovalAgeSeconds', 'AccessRemovedOutside', 'OrphanGrantsRevoked']) {
      expect(names).toContain(name);
    }
    for (const status of ['ExecutionsStarted', 'ExecutionsSucceeded', 'ExecutionsFailed', 'ExecutionsTimedOut', 'ExecutionsAborted']) {
      expect(drawnKeys).toContain(`AWS/States ${status} StateMachineArn="\${AccessRequestStateMachine}"`);
    }
    for (const metric of ['Errors', 'Throttles', 'Duration']) {
      const watched = drawn.filter((m) => m.namespace === 'AWS/Lambda' && m.name === metric).map((m) => String(m.dimensions[1]).replace(/^\$\{|\}$/g, ''));
      expect(new Set(watched)).toEqual(new Set(Object.values(functions)));
    }
    expect(resource('Dashboard', 'AWS::CloudWatch::Dashboard').Properties.DashboardName).toBe('cachegate-dev');
  });
});

describe('the reconciler', () => {
  it('runs on its EventBridge schedule, one run at a time', () => {
    const rules = ofType('AWS::Events::Rule').map(([, rule]) => rule.Properties);
    expect(rules).toEqual([expect.objectContaining({ ScheduleExpression: 'rate(5 minutes)', Targets: [expect.objectContaining({ Arn: { 'Fn::GetAtt': ['ReconcileGrantsLambdaFunction', 'Arn'] } })] })]);
    expect(resource('ReconcileGrantsLambdaFunction', 'AWS::Lambda::Function').Properties.ReservedConcurrentExecutions).toBe(1);
  });

  it('alarms on its findings and its errors, from the product metrics', () => {
    const names = ofType('AWS::CloudWatch::Alarm').map(([, alarm]) => alarm.Properties.MetricName);
    for (const name of ['OrphanGrantsRevoked', 'AccessRemovedOutside', 'StuckRevokesRetried', 'OverdueAccessEnded', 'ReconcileErrors']) expect(names).toContain(name);
  });

  it('alarms when the oldest request waiting for approval is older than pendingApprovalAlarmHours (default 25)', () => {
    const overdue = ofType('AWS::CloudWatch::Alarm').filter(([, alarm]) => alarm.Properties.MetricName === 'OldestPendingApprovalAgeSeconds');
    expect(overdue.map(([, alarm]) => alarm.Properties)).toEqual([
      expect.objectContaining({ Statistic: 'Maximum', Threshold: 25 * 3600, ComparisonOperator: 'GreaterThanThreshold', AlarmName: 'cachegate-dev-pending-approval-overdue' }),
    ]);
  });
});

describe('outputs', () => {
  it('give the API URL and the state machine ARN', () => {
    expect(template.Outputs.HttpApiUrl).toBeDefined();
    expect(template.Outputs.StateMachineArn?.Value).toEqual({ Ref: 'AccessRequestStateMachine' });
  });
});

/** The file names in a zip's central directory (signature PK\\1\\2; name length at +28, name at +46). */
function zipEntryNames(zip: Buffer): string[] {
  const names: string[] = [];
  for (let at = zip.indexOf('PK\x01\x02'); at !== -1; at = zip.indexOf('PK\x01\x02', at + 46)) {
    const length = zip.readUInt16LE(at + 28);
    names.push(zip.subarray(at + 46, at + 46 + length).toString('utf8'));
  }
  return names;
}

describe('the web app', () => {
  const distribution = () => resource('WebDistribution', 'AWS::CloudFront::Distribution').Properties.DistributionConfig as unknown as {
    Origins: { Id: string; S3OriginConfig?: unknown; OriginAccessControlId?: unknown; CustomOriginConfig?: { OriginProtocolPolicy: string } }[];
    DefaultCacheBehavior: { TargetOriginId: string; ViewerProtocolPolicy: string; ResponseHeadersPolicyId: Json };
    CacheBehaviors: { PathPattern: string; TargetOriginId: string; CachePolicyId: string; OriginRequestPolicyId: string }[];
  };

  it('serves the app and every API route from one CloudFront origin (no CORS): the API paths go to the HTTP API, uncached', () => {
    const config = distribution();
    expect(config.DefaultCacheBehavior).toMatchObject({ TargetOriginId: 'web', ViewerProtocolPolicy: 'redirect-to-https', ResponseHeadersPolicyId: { Ref: 'WebSecurityHeaders' } });
    const forwarded = config.CacheBehaviors.filter((b) => b.TargetOriginId === 'api');
    for (const route of ofType('AWS::ApiGatewayV2::Route').map(([, r]) => (r.Properties.RouteKey as string).split(' ')[1] as string)) {
      const pattern = (glob: string) => new RegExp(`^${glob.replace(/\*/g, '.*')}$`);
      expect({ route, forwarded: forwarded.some((b) => pattern(b.PathPattern).test(route.replace(/\{[^}]+\}/g, 'x'))) }).toEqual({ route, forwarded: true });
    }
    // Managed-CachingDisabled, and every viewer header but Host (the bearer token included).
    for (const behaviour of forwarded) expect(behaviour).toMatchObject({ CachePolicyId: '4135ea2d-6df8-44a3-9df3-4b5a84be39ad', OriginRequestPolicyId: 'b689b0a8-53d0-40ab-baf2-68738e2966ac' });
    expect(config.Origins.find((o) => o.Id === 'api')?.CustomOriginConfig?.OriginProtocolPolicy).toBe('https-only');
    expect(JSON.stringify(environmentOf('getRequest').PUBLIC_BASE_URL)).toContain('WebDistribution.DomainName');
  });

  it('keeps the static files in a private bucket that only this distribution reads', () => {
    const bucket = resource('WebBucket', 'AWS::S3::Bucket').Properties;
    expect(bucket.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
    expect(distribution().Origins.find((o) => o.Id === 'web')?.OriginAccessControlId).toEqual({ 'Fn::GetAtt': ['WebOriginAccessControl', 'Id'] });
    const statements = (resource('WebBucketPolicy', 'AWS::S3::BucketPolicy').Properties.PolicyDocument as { Statement: { Principal: Json; Action: string; Condition: Json }[] }).Statement;
    expect(statements).toEqual([expect.objectContaining({ Principal: { Service: 'cloudfront.amazonaws.com' }, Action: 's3:GetObject' })]);
    expect(JSON.stringify(statements[0]?.Condition)).toContain('distribution/${WebDistribution}');
  });

  it('sends the app\'s strict CSP: own scripts only, no inline script, Trusted Types, the issuer as the one other origin', () => {
    const headers = (resource('WebSecurityHeaders', 'AWS::CloudFront::ResponseHeadersPolicy').Properties.ResponseHeadersPolicyConfig as { SecurityHeadersConfig: { ContentSecurityPolicy: { ContentSecurityPolicy: string } } }).SecurityHeadersConfig;
    const csp = headers.ContentSecurityPolicy.ContentSecurityPolicy;
    expect(csp).toContain("script-src 'self';");
    expect(csp).toContain("connect-src 'self' https://cognito-idp.eu-west-1.amazonaws.com;");
    expect(csp).toContain("require-trusted-types-for 'script'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|sandbox/);
  });

  it('leaves browser assets out of every function zip', () => {
    for (const zip of readdirSync(join(ROOT, '.serverless')).filter((f) => f.endsWith('.zip'))) {
      const names = zipEntryNames(readFileSync(join(ROOT, '.serverless', zip)));
      expect(names.length).toBeGreaterThan(0);
      expect({ zip, web: names.filter((f) => /^web\/|\.(html|css|svg)$/.test(f)) }).toEqual({ zip, web: [] });
      expect({ zip, oidcClient: readFileSync(join(ROOT, '.serverless', zip)).includes('oidc-client-ts') }).toEqual({ zip, oidcClient: false });
    }
  });
});
