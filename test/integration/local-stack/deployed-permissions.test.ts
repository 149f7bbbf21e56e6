/**
 * The local stack runs what serverless.yml deploys, so a deployment mistake fails the workflow, by name.
 * Each case starts the stack from a mutated copy of serverless.yml (packaged as `serverless package` does),
 * drives the workflow over HTTP, and expects `stop()` (every workflow test's afterAll) to fail naming the
 * function and what it lacks. A role grown wider instead (a dropped condition, a resource widened to "*")
 * would pass every workflow, as it would in AWS: the stack refuses to start with it (local/iam/least-privilege.ts).
 */
import { readFileSync } from 'node:fs';
import { startLocalStack, type LocalStack } from '../../../local/stack.js';
import { approvalLinkFor, call, waitForStatus, type RequestBody } from '../workflow/local-api.js';

const SERVERLESS_YML = readFileSync('serverless.yml', 'utf8');
const CLASSIC = { cacheSecurityGroupName: 'default', ec2SecurityGroupName: 'myec2group', ec2SecurityGroupOwnerId: '987654321021', reason: 'deployed permissions' };
const VPC = { replicationGroupId: 'orders-cache', sourceSecurityGroupId: 'sg-0a99000000000001', reason: 'deployed permissions' };
const FAST = {
  emulator: { propagationDelayMs: 0 },
  waitOverridesMs: { 'Wait for propagation': 0, 'Wait before next check': 0 },
  retryIntervalOverridesMs: { 'Record request': 0, 'Grant ingress': 0, 'Check grant status': 0, 'Clean up grant': 0 },
  grant: { pollIntervalMs: 10, pollWindowMs: 100, verifyTimeoutSeconds: 2 },
};

/** serverless.yml with `from` replaced by `to` (exactly once, or the test is wrong). */
function mutated(from: string, to: string): string {
  const at = SERVERLESS_YML.indexOf(from);
  expect(at).toBeGreaterThanOrEqual(0);
  expect(SERVERLESS_YML.indexOf(from, at + 1)).toBe(-1);
  return SERVERLESS_YML.slice(0, at) + to + SERVERLESS_YML.slice(at + from.length);
}

/** Submits and approves; the reply of the decision. */
async function submitAndApprove(stack: LocalStack, body: object): Promise<{ id: string; decision: number }> {
  const submitted = await call<RequestBody>(stack, 'POST', '/requests', { as: 'alice@example.com', json: body });
  expect(submitted.status).toBe(202);
  const link = await approvalLinkFor(stack, 'bob@example.com', submitted.body.id, 10_000);
  const decided = await call(stack, 'POST', link, { form: { decision: 'approve' } });
  return { id: submitted.body.id, decision: decided.status };
}

let stack: LocalStack | undefined;

afterEach(async () => {
  await stack?.stop({ allowViolations: true });
  stack = undefined;
});

async function stopFailure(): Promise<string> {
  const running = stack;
  stack = undefined;
  const failure = await running?.stop().then(
    () => 'stopped without a violation',
    (error: Error) => error.message,
  );
  return failure ?? 'no stack';
}

it('without ec2:AuthorizeSecurityGroupIngress, the VPC grant fails, naming grantIngress and the action', async () => {
  stack = await startLocalStack({ ...FAST, serverlessYml: mutated('Action: [ec2:AuthorizeSecurityGroupIngress]', 'Action: [ec2:DescribeSecurityGroups]') });
  const { id } = await submitAndApprove(stack, VPC);
  expect((await waitForStatus(stack, id, ['ACTIVE', 'FAILED'])).status).toBe('FAILED');
  expect(await stopFailure()).toMatch(/cachegate-dev-grantIngress is not authorized to perform: ec2:AuthorizeSecurityGroupIngress on resource: arn:aws:ec2:us-east-1:000000000000:security-group\/sg-0cac4e9a7e0000001/);
});

it('without states:SendTaskSuccess, an approval never resumes the workflow, naming decideApproval and the action', async () => {
  stack = await startLocalStack({ ...FAST, serverlessYml: mutated('Action: [states:SendTaskSuccess]', 'Action: [states:DescribeExecution]') });
  const { id, decision } = await submitAndApprove(stack, CLASSIC);
  expect(decision).toBe(500);
  expect(stack.stepFunctions.execution(id)?.statesEntered).not.toContain('Grant ingress');
  expect(await stopFailure()).toMatch(/decideApproval is not authorized to perform: states:SendTaskSuccess on resource: arn:aws:states:us-east-1:000000000000:stateMachine:cachegate-dev-access-request/);
});

it('states:SendTaskSuccess on the wrong state machine ARN is refused like a missing one', async () => {
  const wrongArn = mutated(
    'Action: [states:SendTaskSuccess]\n      Resource: !Sub arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:stateMachine:${self:custom.stateMachineName}',
    'Action: [states:SendTaskSuccess]\n      Resource: !Sub arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:stateMachine:${self:custom.stateMachineName}-old',
  );
  stack = await startLocalStack({ ...FAST, serverlessYml: wrongArn });
  const { decision } = await submitAndApprove(stack, CLASSIC);
  expect(decision).toBe(500);
  expect(await stopFailure()).toMatch(/decideApproval is not authorized to perform: states:SendTaskSuccess on resource: .*:stateMachine:cachegate-dev-access-request because/);
});

it('ec2:CreateTags whose ec2:CreateAction condition no longer matches: the tagged grant is refused, naming the condition context', async () => {
  stack = await startLocalStack({ ...FAST, serverlessYml: mutated('ec2:CreateAction: AuthorizeSecurityGroupIngress', 'ec2:CreateAction: CreateSecurityGroup') });
  const { id } = await submitAndApprove(stack, VPC);
  expect((await waitForStatus(stack, id, ['ACTIVE', 'FAILED'])).status).toBe('FAILED');
  expect(await stopFailure()).toMatch(/grantIngress is not authorized to perform: ec2:CreateTags on resource: .*security-group-rule\/\* .*ec2:CreateAction=AuthorizeSecurityGroupIngress/);
});

it('dropping the ec2:CreateAction condition stops the stack at start: grantIngress could retag any rule', async () => {
  const dropped = mutated('        Condition:\n          StringEquals:\n            ec2:CreateAction: AuthorizeSecurityGroupIngress\n', '');
  await expect(startLocalStack({ ...FAST, serverlessYml: dropped })).rejects.toThrow(
    /grantIngress's role no longer limits ec2:CreateTags to rules it is creating \(the condition ec2:CreateAction = AuthorizeSecurityGroupIngress\)/,
  );
});

it('states:SendTaskSuccess widened to every state machine stops the stack at start, naming decideApproval', async () => {
  const widened = mutated(
    'Action: [states:SendTaskSuccess]\n      Resource: !Sub arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:stateMachine:${self:custom.stateMachineName}',
    "Action: [states:SendTaskSuccess]\n      Resource: '*'",
  );
  await expect(startLocalStack({ ...FAST, serverlessYml: widened })).rejects.toThrow(/decideApproval's role no longer limits states:SendTaskSuccess to cachegate's own state machine/);
});

it('without events:PutEvents, the status events are refused at the local EventBridge, naming deliverNotifications and the action', async () => {
  stack = await startLocalStack({ ...FAST, serverlessYml: mutated('Action: [events:PutEvents]', 'Action: [events:DescribeEventBus]') });
  const reply = await call(stack, 'POST', '/requests', { as: 'alice@example.com', json: CLASSIC });
  expect(reply.status).toBe(202);
  // The submission's status event goes out through the notification queue.
  const until = Date.now() + 15_000;
  while (Date.now() < until && !stack.violations().some((v) => v.includes('events:PutEvents'))) await new Promise((resolve) => setTimeout(resolve, 50));
  expect(stack.outbox.messages({ channel: 'event' })).toEqual([]);
  expect(await stopFailure()).toMatch(/cachegate-dev-deliverNotifications is not authorized to perform: events:PutEvents on resource: arn:aws:events:us-east-1:000000000000:event-bus\/default/);
});

it('without TABLE_NAME, the first function to need it fails, naming itself and the variable', async () => {
  stack = await startLocalStack({ ...FAST, serverlessYml: mutated('    TABLE_NAME: !Ref RequestsTable\n', '') });
  const reply = await call(stack, 'POST', '/requests', { as: 'alice@example.com', json: CLASSIC });
  expect(reply.status).toBe(500);
  expect(await stopFailure()).toMatch(/createRequest \(cachegate-dev-createRequest\) failed on its configuration: Environment variable TABLE_NAME is required but not set/);
});

it('a malformed role statement stops the stack at start, naming the function (as IAM refuses it: MalformedPolicyDocument)', async () => {
  // (A statement without Action, or with an Effect other than Allow/Deny, is refused earlier, when packaging.)
  const notAnArn = mutated(
    '        Action: [dynamodb:UpdateItem]\n        Resource: !GetAtt RequestsTable.Arn\n  waitForApproval:',
    '        Action: [dynamodb:UpdateItem]\n        Resource: requests-table\n  waitForApproval:',
  );
  await expect(startLocalStack({ ...FAST, serverlessYml: notAnArn })).rejects.toThrow(/recordRequest: role statement \d+: resource "requests-table" is neither "\*" nor an ARN/);
});
