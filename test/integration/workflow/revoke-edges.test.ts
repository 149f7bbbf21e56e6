/**
 * The edges of ending access, on the local stack: an approval that arrives while the shared grant is being
 * revoked for its last holder (the new holder waits, grants again, and ends ACTIVE with the grant present),
 * in both modes; and a revoke whose group is gone (deleted), which counts as revoked, in both modes.
 * "Wait for revoke" is held at 1.5 s here so the revoking window is wide enough to approve into; nothing
 * sleeps: the test waits on the workflow's states and the request's status.
 */
import { EC2Client, RevokeSecurityGroupIngressCommand } from '@aws-sdk/client-ec2';
import { CreateCacheSecurityGroupCommand, DeleteCacheSecurityGroupCommand, ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { startLocalStack, type LocalStack } from '../../../local/stack.js';
import type { requestStore as RequestStore } from '../../../functions/adapters/request-store.js';
import { approvalLinkFor, call, waitForStatus, type RequestBody } from './local-api.js';
import { seedWithSources, sourceGroupIds } from '../../support/emulator-seed.js';

const OWNER = '987654321021';
const SESSIONS = 'sg-0cac4e9a7e0000002';
const sources = sourceGroupIds('0b97000000000', 4);
const seed = seedWithSources(sources, 're');

let stack: LocalStack;
let store: typeof RequestStore;
let keyOf: (target: never) => string;
let ec2: EC2Client;
let elasticache: ElastiCacheClient;
let groups = 0;

beforeAll(async () => {
  stack = await startLocalStack({
    emulator: { propagationDelayMs: 0, ec2PropagationDelayMs: 0, seed },
    waitOverridesMs: { 'Wait before next check': 0, 'Wait for revoke': 1500, 'Wait before next revoke check': 0 },
    // A new holder meeting a grant being revoked retries (GrantBusy) for longer than the revoke takes.
    retryIntervalOverridesMs: { 'Grant ingress': 300, 'Check grant status': 0, 'Revoke access': 0, 'Check revoke': 0 },
    grant: { firstCheckSeconds: 0, pollIntervalMs: 10, pollWindowMs: 100, verifyTimeoutSeconds: 5 },
    policy: { default: { approvers: ['bob@example.com', 'carol@example.com'], defaultDurationMinutes: 60, maxDurationMinutes: 480 }, targets: {} },
  });
  store = (await import('../../../functions/adapters/request-store.js')).requestStore;
  keyOf = (await import('../../../functions/domain/access-request.js')).targetKey as never;
  const credentials = { accessKeyId: 'x', secretAccessKey: 'x' };
  ec2 = new EC2Client({ endpoint: stack.emulator.url, region: 'us-east-1', credentials });
  elasticache = new ElastiCacheClient({ endpoint: stack.emulator.url, region: 'us-east-1', credentials });
});

afterAll(async () => {
  ec2?.destroy();
  elasticache?.destroy();
  await stack?.stop();
});

beforeEach(() => stack.emulator.faults.reset());

interface Rule {
  ruleId: string;
  groupId: string;
  referencedGroupId?: string;
  tags: Record<string, string>;
  revoked: boolean;
}

const rulesFrom = (source: string): Rule[] =>
  (stack.emulator.inspect() as unknown as { securityGroupRules: Rule[] }).securityGroupRules.filter((r) => r.groupId === SESSIONS && r.referencedGroupId === source && !r.revoked);

function authorizations(group: string): { status: string }[] {
  const snapshot = stack.emulator.inspect() as unknown as { cacheSecurityGroups: { name: string; authorizations: { status: string }[] }[] };
  return snapshot.cacheSecurityGroups.find((g) => g.name === group)?.authorizations ?? [];
}

async function newClassicGroup(): Promise<string> {
  const group = `re-classic-${++groups}`;
  await elasticache.send(new CreateCacheSecurityGroupCommand({ CacheSecurityGroupName: group, Description: 'revoke edges' }));
  return group;
}

const bodyFor = (mode: 'vpc' | 'classic', where: string) =>
  mode === 'vpc'
    ? { cacheClusterId: 'sessions-mc', sourceSecurityGroupId: where, reason: 'revoke edges' }
    : { cacheSecurityGroupName: where, ec2SecurityGroupName: 'myec2group', ec2SecurityGroupOwnerId: OWNER, reason: 'revoke edges' };

async function submit(body: object, as: string): Promise<string> {
  const reply = await call<RequestBody>(stack, 'POST', '/requests', { as, json: body });
  expect(reply.status).toBe(202);
  return reply.body.id;
}

async function approve(id: string, requester: string): Promise<RequestBody> {
  const link = await approvalLinkFor(stack, 'bob@example.com', id, 10_000);
  expect((await call(stack, 'POST', link, { form: { decision: 'approve' } })).status).toBe(200);
  return waitForStatus(stack, id, ['ACTIVE', 'FAILED', 'ENDED'], requester, 20_000);
}

/** Waits until the request's execution has entered `state` (polling its history of states). */
async function entered(id: string, state: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!stack.stepFunctions.execution(id)?.statesEntered.includes(state)) {
    if (Date.now() > deadline) throw new Error(`${id} never entered ${state}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('an approval while the shared grant is REVOKING', () => {
  it.each(['vpc', 'classic'] as const)('%s: the new holder waits for the revoke, grants again, and ends ACTIVE with the grant present', async (mode) => {
    const where = mode === 'vpc' ? (sources[0] as string) : await newClassicGroup();
    const body = bodyFor(mode, where);
    const present = (): number => (mode === 'vpc' ? rulesFrom(where).length : authorizations(where).filter((a) => a.status === 'available').length);

    const first = await submit(body, 'alice@example.com');
    expect((await approve(first, 'alice@example.com')).status).toBe('ACTIVE');
    // The second request for the same grant, waiting for its approval while the first ends.
    const second = await submit(body, 'carol@example.com');
    const link = await approvalLinkFor(stack, 'bob@example.com', second, 10_000);

    expect((await call(stack, 'POST', `/requests/${first}/revoke`, { as: 'alice@example.com' })).status).toBe(202);
    await entered(first, 'Wait for revoke');
    const key = keyOf((await store.get(first))?.target as never);
    // The last holder has left and revoked: the grant record is `revoking`, with no holder.
    expect(await store.grantRecord(key)).toMatchObject({ state: 'revoking', holders: [] });

    expect((await call(stack, 'POST', link, { form: { decision: 'approve' } })).status).toBe(200);
    const active = await waitForStatus(stack, second, ['ACTIVE', 'FAILED'], 'carol@example.com', 20_000);
    expect(active.status).toBe('ACTIVE');
    expect((await waitForStatus(stack, first, ['ENDED'], 'alice@example.com', 20_000)).endReason).toBe('revoked');

    // Everything settled: the grant is there once, and it is the second request's own.
    expect(present()).toBe(1);
    expect(await store.grantRecord(key)).toMatchObject({ state: 'active', holders: [second], createdBy: second });
    if (mode === 'vpc') expect(rulesFrom(where)[0]?.tags['cachegate-request']).toBe(second);

    await call(stack, 'POST', `/requests/${second}/revoke`, { as: 'carol@example.com' });
    await waitForStatus(stack, second, ['ENDED'], 'carol@example.com', 20_000);
    expect(present()).toBe(0);
  }, 60_000);
});

describe('a revoke whose group is gone', () => {
  it('VPC: the managed group deleted (InvalidGroup.NotFound) counts as revoked: ENDED', async () => {
    const source = sources[1] as string;
    const id = await submit(bodyFor('vpc', source), 'alice@example.com');
    expect((await approve(id, 'alice@example.com')).status).toBe('ACTIVE');
    // As EC2 answers once the group is deleted: its rules are gone, and a revoke names the group missing.
    for (const rule of rulesFrom(source)) await ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: SESSIONS, SecurityGroupRuleIds: [rule.ruleId] }));
    stack.emulator.faults.set({ failOperation: { RevokeSecurityGroupIngress: { code: 'InvalidGroup.NotFound', status: 400, message: `The security group '${SESSIONS}' does not exist` } } });
    await call(stack, 'POST', `/requests/${id}/revoke`, { as: 'alice@example.com' });
    const ended = await waitForStatus(stack, id, ['ENDED', 'FAILED'], 'alice@example.com', 20_000);
    expect(ended).toMatchObject({ status: 'ENDED', endReason: 'revoked' });
    expect(ended.history.find((e) => e.event === 'grant already gone')?.detail).toMatch(/does not exist/);
    expect(stack.stepFunctions.execution(id)?.status).toBe('SUCCEEDED');
  }, 30_000);

  it('classic: the cache security group deleted counts as revoked: ENDED, never stuck REVOKING', async () => {
    const group = await newClassicGroup();
    const id = await submit(bodyFor('classic', group), 'alice@example.com');
    expect((await approve(id, 'alice@example.com')).status).toBe('ACTIVE');
    await elasticache.send(new DeleteCacheSecurityGroupCommand({ CacheSecurityGroupName: group }));
    await call(stack, 'POST', `/requests/${id}/revoke`, { as: 'alice@example.com' });
    const ended = await waitForStatus(stack, id, ['ENDED', 'FAILED'], 'alice@example.com', 20_000);
    expect(ended).toMatchObject({ status: 'ENDED', endReason: 'revoked' });
    expect(ended.history.map((e) => e.event)).toEqual(expect.arrayContaining(['grant already gone', 'grant gone']));
    expect(stack.stepFunctions.execution(id)?.status).toBe('SUCCEEDED');
  }, 30_000);
});
