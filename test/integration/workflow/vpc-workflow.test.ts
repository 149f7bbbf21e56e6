/**
 * VPC mode end to end on the local stack: the same requests, approvals and state machine as classic
 * mode, granting with an EC2 ingress rule on the cluster's cachegate-managed security group.
 */
import { AuthorizeSecurityGroupIngressCommand, EC2Client } from '@aws-sdk/client-ec2';
import { startLocalStack, type LocalStack } from '../../../local/stack.js';
import { approvalLinkFor, call, waitForStatus, type RequestBody } from './local-api.js';
import { seedWithSources } from '../../support/emulator-seed.js';

const MANAGED = 'sg-0cac4e9a7e0000001';
// One source group per test, so each test's rule is its own.
const sources = [1, 2, 3, 4, 5, 6].map((n) => `sg-0a9900000000001${n}`);
const seed = seedWithSources(sources, 'app');

let stack: LocalStack;
let ec2: EC2Client;
let nextSource = 0;

interface Rule {
  ruleId: string;
  groupId: string;
  fromPort: number;
  toPort: number;
  ipProtocol: string;
  referencedGroupId?: string;
  description?: string;
  tags: Record<string, string>;
  revoked: boolean;
}

/** The rules as they are (a revoked rule may still show in EC2's Describe calls for a moment). */
function rules(): Rule[] {
  return (stack.emulator.inspect() as unknown as { securityGroupRules: Rule[] }).securityGroupRules.filter((rule) => !rule.revoked);
}

async function requestAccess(body: Record<string, unknown> = {}) {
  const source = sources[nextSource++] as string;
  const reply = await call<RequestBody>(stack, 'POST', '/requests', {
    as: 'alice@example.com',
    json: { replicationGroupId: 'orders-cache', sourceSecurityGroupId: source, reason: 'orders worker', ...body },
  });
  expect(reply.status).toBe(202);
  return { id: reply.body.id, source };
}

async function approve(id: string): Promise<void> {
  const link = await approvalLinkFor(stack, 'bob@example.com', id);
  expect((await call(stack, 'POST', link, { form: { decision: 'approve' } })).status).toBe(200);
}

/** The emulator's clock: real time, moved on by a test ("a minute later") without sleeping. */
const emulatorClock = { offsetMs: 0, now: () => Date.now() + emulatorClock.offsetMs };
/** The source group whose new rule EC2 shows only once a look has missed it: a minute passes right after that look. */
let showLateTheRuleFrom: string | undefined;
function afterEmulatorCall(call: { action: string; params: Record<string, string> }): void {
  if (call.action !== 'DescribeSecurityGroupRules' || showLateTheRuleFrom === undefined) return;
  // A look that misses ends with a describe of the whole group (after the one by the request's tag, it looks
  // for an equal rule made before); the submission's describe of the group comes before the rule exists.
  if (Object.values(call.params).includes('tag:cachegate-request')) return;
  if (!rules().some((rule) => rule.referencedGroupId === showLateTheRuleFrom)) return;
  showLateTheRuleFrom = undefined;
  emulatorClock.offsetMs += 61_000;
}

beforeAll(async () => {
  stack = await startLocalStack({
    emulator: { propagationDelayMs: 0, ec2PropagationDelayMs: 0, seed, clock: emulatorClock, onCall: afterEmulatorCall },
    waitOverridesMs: { 'Wait before next check': 0 },
    retryIntervalOverridesMs: { 'Grant ingress': 0, 'Check grant status': 0 },
    // VPC looks follow the deployed schedule (0, 1, 3 s…), inside one invocation. The time-out leaves room
    // for a loaded machine: the first look may come a second or more after the grant, and must not be the last.
    grant: { firstCheckSeconds: 0, pollIntervalMs: 10, pollWindowMs: 8000, verifyTimeoutSeconds: 5 },
  });
  ec2 = new EC2Client({ endpoint: stack.emulator.url, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
});

afterAll(async () => {
  ec2?.destroy();
  await stack?.stop();
});

beforeEach(() => {
  stack.emulator.faults.reset();
  stack.emulator.state.settings.ec2PropagationDelayMs = 0;
});

describe('VPC workflow', () => {
  it('approve → ACTIVE: a TCP rule on the managed group, on the cluster port, tagged and described', async () => {
    const { id, source } = await requestAccess();
    const submitted = await call<RequestBody>(stack, 'GET', `/requests/${id}`, { as: 'alice@example.com' });
    expect(submitted.body.resolvedTarget).toContain(MANAGED);
    await approve(id);
    const done = await waitForStatus(stack, id, ['ACTIVE', 'FAILED']);
    expect(done.failureReason).toBeUndefined();
    expect(done.status).toBe('ACTIVE');
    const rule = rules().find((r) => r.referencedGroupId === source);
    expect(rule).toMatchObject({ groupId: MANAGED, ipProtocol: 'tcp', fromPort: 6379, toPort: 6379 });
    expect(rule?.tags['cachegate-request']).toBe(id);
    expect(rule?.description).toContain(id);
    expect(rule?.description).toContain('alice@example.com');
  });

  it('looks right after the grant; a rule EC2 shows late is found on the backoff, in the same invocation, with no Wait state', async () => {
    // EC2 shows the new rule a minute after the call on its clock, and the minute passes right after the first
    // look has missed it (not a real-time race between a short visibility delay and a cold start).
    stack.emulator.state.settings.ec2PropagationDelayMs = 60_000;
    const { id, source } = await requestAccess();
    showLateTheRuleFrom = source;
    await approve(id);
    const done = await waitForStatus(stack, id, ['ACTIVE', 'FAILED']);
    expect(done.status).toBe('ACTIVE');
    // Looks at 0 s (not visible yet) and at 1 s (visible).
    expect(done.grantStatusChecks).toBe(2);
    const states = stack.stepFunctions.execution(id)?.statesEntered ?? [];
    expect(states.slice(states.indexOf('Grant ingress'), states.indexOf('Notify granted') + 1)).toEqual(['Grant ingress', 'Check grant status', 'Grant active?', 'Notify granted']);
  });

  it('an equal rule made outside cachegate between submission and grant: FAILED with that reason, the rule left alone', async () => {
    const source = sources[nextSource] as string;
    const { id } = await requestAccess();
    await ec2.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId: MANAGED,
        IpPermissions: [{ IpProtocol: 'tcp', FromPort: 6379, ToPort: 6379, UserIdGroupPairs: [{ GroupId: source, Description: 'hand-made' }] }],
      }),
    );
    await approve(id);
    const done = await waitForStatus(stack, id, ['ACTIVE', 'FAILED']);
    expect(done.status).toBe('FAILED');
    expect(done.failureReason).toMatch(/already exists.*does not manage access it did not create/);
    expect(rules().filter((r) => r.referencedGroupId === source)).toHaveLength(1);
  });

  it('the group at its rule limit → FAILED with the reason', async () => {
    stack.emulator.faults.set({ failOperation: { AuthorizeSecurityGroupIngress: { code: 'RulesPerSecurityGroupLimitExceeded', status: 400, message: 'The maximum number of rules per security group has been reached.' } } });
    const { id } = await requestAccess();
    await approve(id);
    const done = await waitForStatus(stack, id, ['ACTIVE', 'FAILED']);
    expect(done.status).toBe('FAILED');
    expect(done.failureReason).toMatch(/^LimitExceeded/);
  });

  it('the managed group deleted before the grant → FAILED: GroupNotFound', async () => {
    stack.emulator.faults.set({ failOperation: { AuthorizeSecurityGroupIngress: { code: 'InvalidGroup.NotFound', status: 400, message: `The security group '${MANAGED}' does not exist` } } });
    const { id } = await requestAccess();
    await approve(id);
    const done = await waitForStatus(stack, id, ['ACTIVE', 'FAILED']);
    expect(done.status).toBe('FAILED');
    expect(done.failureReason).toMatch(/^GroupNotFound/);
  });

  it('a rule that never shows up → FAILED, and the clean-up revokes only the rule this request made', async () => {
    const bystander = rules().length;
    stack.emulator.state.settings.ec2PropagationDelayMs = 3_600_000;
    const { id, source } = await requestAccess();
    await approve(id);
    const done = await waitForStatus(stack, id, ['ACTIVE', 'FAILED'], 'alice@example.com', 15000);
    expect(done.status).toBe('FAILED');
    expect(done.failureReason).toMatch(/never became available/);
    expect(done.history.map((e) => e.event)).toContain('grant revoked');
    expect(rules().some((r) => r.referencedGroupId === source)).toBe(false);
    expect(rules()).toHaveLength(bystander);
  });
});
