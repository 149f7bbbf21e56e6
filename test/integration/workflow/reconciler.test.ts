/**
 * The reconciler on the local stack, through POST /dev/reconcile, in both grant modes: access removed
 * outside cachegate ends (two sightings a minute apart), orphans are revoked, a stuck revoke is retried,
 * a "never available" clean-up is finished, and a crash between any two of the ordered writes (grant
 * record, request, open slot) is repaired. Crashes are written through the store, as the half-done write
 * would have left them; "a minute later" is the first sighting moved back a minute, never a sleep.
 */
import { AuthorizeSecurityGroupIngressCommand, EC2Client, RevokeSecurityGroupIngressCommand } from '@aws-sdk/client-ec2';
import {
  AuthorizeCacheSecurityGroupIngressCommand,
  CreateCacheSecurityGroupCommand,
  ElastiCacheClient,
  RevokeCacheSecurityGroupIngressCommand,
} from '@aws-sdk/client-elasticache';
import { startLocalStack, type LocalStack } from '../../../local/stack.js';
import type { requestStore as RequestStore } from '../../../functions/adapters/request-store.js';
import type { GrantRecord } from '../../../functions/domain/grant-record.js';
import { approvalLinkFor, call, waitForStatus, type RequestBody } from './local-api.js';
import { alarmMetrics, captureEmf, unmatched, type EmfCapture } from '../../support/emf-lines.js';
import { NO_GRANT_WAITS, seedWithSources, sourceGroupIds } from '../../support/emulator-seed.js';

const OWNER = '987654321021';
const SESSIONS = 'sg-0cac4e9a7e0000002';
const ORDERS = 'sg-0cac4e9a7e0000001';
const sources = sourceGroupIds('0b98000000000', 40);
const seed = seedWithSources(sources, 'rc');

let stack: LocalStack;
let store: typeof RequestStore;
let keyOf: (target: never) => string;
let ec2: EC2Client;
let elasticache: ElastiCacheClient;
let nextSource = 0;
let groups = 0;

interface Summary {
  checked: number;
  ended: number;
  orphansRevoked: number;
  errors: number;
}

const POLICY = { approvers: ['bob@example.com', 'carol@example.com'], defaultDurationMinutes: 60, maxDurationMinutes: 480 };

let emf: EmfCapture;

beforeAll(async () => {
  emf = captureEmf();
  stack = await startLocalStack({
    emulator: { propagationDelayMs: 0, ec2PropagationDelayMs: 0, seed },
    ...NO_GRANT_WAITS,
    grant: { firstCheckSeconds: 0, pollIntervalMs: 10, pollWindowMs: 100, verifyTimeoutSeconds: 1 },
    reconcile: { quietSeconds: 0 },
    // A small quota, so that filling a managed group takes four requests.
    rulesPerSecurityGroup: 4,
    policy: { default: POLICY, targets: {} },
  });
  // Loaded after the stack set the environment, as the handlers were.
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
  emf?.stop();
});

beforeEach(() => stack.emulator.faults.reset());

const reconcile = async (): Promise<Summary> => {
  const reply = await call<Summary>(stack, 'POST', '/dev/reconcile');
  expect(reply.status).toBe(200);
  return reply.body;
};

const rulesOn = (source: string) =>
  (stack.emulator.inspect() as unknown as { securityGroupRules: { ruleId: string; groupId: string; referencedGroupId?: string; description?: string }[] }).securityGroupRules.filter(
    (r) => r.groupId === SESSIONS && r.referencedGroupId === source,
  );

function authorizationStatus(group: string): string | undefined {
  const snapshot = stack.emulator.inspect() as unknown as { cacheSecurityGroups: { name: string; authorizations: { ec2SecurityGroupName: string; status: string }[] }[] };
  return snapshot.cacheSecurityGroups.find((g) => g.name === group)?.authorizations.find((a) => a.ec2SecurityGroupName === 'myec2group')?.status;
}

async function activeVpc(): Promise<{ id: string; source: string }> {
  const source = sources[nextSource++] as string;
  const reply = await call<RequestBody>(stack, 'POST', '/requests', { as: 'alice@example.com', json: { cacheClusterId: 'sessions-mc', sourceSecurityGroupId: source, reason: 'reconciler test' } });
  expect(reply.status).toBe(202);
  await approve(reply.body.id);
  expect(rulesOn(source)).toHaveLength(1);
  await describedUntilItsEnd(reply.body.id);
  return { id: reply.body.id, source };
}

async function activeClassic(options: { neverAvailable?: boolean } = {}): Promise<{ id: string; group: string }> {
  const group = `rc-classic-${++groups}`;
  await elasticache.send(new CreateCacheSecurityGroupCommand({ CacheSecurityGroupName: group, Description: 'reconciler' }));
  if (options.neverAvailable) stack.emulator.faults.set({ neverAvailable: true });
  const reply = await call<RequestBody>(stack, 'POST', '/requests', {
    as: 'alice@example.com',
    json: { cacheSecurityGroupName: group, ec2SecurityGroupName: 'myec2group', ec2SecurityGroupOwnerId: OWNER, reason: 'classic reconciler test' },
  });
  expect(reply.status).toBe(202);
  await approve(reply.body.id, options.neverAvailable ? ['FAILED'] : ['ACTIVE']);
  return { id: reply.body.id, group };
}

async function approve(id: string, expected = ['ACTIVE']): Promise<RequestBody> {
  const link = await approvalLinkFor(stack, 'bob@example.com', id, 10_000);
  expect((await call(stack, 'POST', link, { form: { decision: 'approve' } })).status).toBe(200);
  const reached = await waitForStatus(stack, id, ['ACTIVE', 'FAILED', 'ENDED'], 'alice@example.com', 15_000);
  expect(reached.status).toEqual(expect.stringMatching(new RegExp(`^(${expected.join('|')})$`)));
  return reached;
}

/** Once ACTIVE, the rule's description says who and until when (the end is kept on the grant record). */
async function describedUntilItsEnd(id: string): Promise<void> {
  const request = await store.get(id);
  const until = Date.now() + 5000;
  while (Date.now() < until) {
    const record = await store.grantRecord(keyOf(request?.target as never));
    const [rule] = rulesOn((request?.target as { sourceSecurityGroupId: string }).sourceSecurityGroupId);
    if (record?.ends[id] === request?.expiresAt && rule?.description === `cachegate ${id} alice@example.com until ${request?.expiresAt}`) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`request ${id}: its end never reached its grant record`);
}

/** "A minute later": the first sighting of the missing grant moved back 61 s. */
async function aMinuteLater(id: string): Promise<void> {
  const request = await store.get(id);
  expect(request?.grantMissingSince).toBeDefined();
  await store.update(id, { set: { grantMissingSince: new Date(Date.parse(request?.grantMissingSince as string) - 61_000).toISOString() }, now: new Date() });
}

/** Rewrites a grant record as a crash would have left it (re-read if the workflow's last write lands meanwhile). */
async function rewriteRecord(key: string, change: (record: GrantRecord) => Omit<GrantRecord, 'version' | 'updatedAt'>): Promise<void> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const record = await store.grantRecord(key);
    if (!record) throw new Error(`no grant record ${key}`);
    if (await store.putGrantRecord(change(record), record.version, new Date())) return;
  }
  throw new Error(`grant record ${key} kept changing`);
}

const get = async (id: string) => (await call<RequestBody>(stack, 'GET', `/requests/${id}`, { as: 'alice@example.com' })).body;

/** A request whose workflow is over (ENDED, its rule revoked and its record gone), to rebuild a crash's state on. */
async function finishedVpc(): Promise<{ id: string; source: string; key: string; record: Omit<GrantRecord, 'version' | 'updatedAt'> }> {
  const { id, source } = await activeVpc();
  await call(stack, 'POST', `/requests/${id}/revoke`, { as: 'alice@example.com' });
  await waitForStatus(stack, id, ['ENDED'], 'alice@example.com', 15_000);
  const request = (await store.get(id)) as NonNullable<Awaited<ReturnType<typeof store.get>>>;
  const key = keyOf(request.target as never);
  expect(await store.grantRecord(key)).toBeUndefined();
  return { id, source, key, record: { key, target: request.target, resolved: request.resolved, holders: [id], createdBy: id, state: 'granting', ends: {} } };
}

/** The rule as the grant call makes it: tagged with the request. */
async function taggedRule(source: string, id: string): Promise<string> {
  const granted = await ec2.send(
    new AuthorizeSecurityGroupIngressCommand({
      GroupId: SESSIONS,
      IpPermissions: [{ IpProtocol: 'tcp', FromPort: 11211, ToPort: 11211, UserIdGroupPairs: [{ GroupId: source }] }],
      TagSpecifications: [{ ResourceType: 'security-group-rule', Tags: [{ Key: 'cachegate-request', Value: id }] }],
    }),
  );
  return granted.SecurityGroupRules?.[0]?.SecurityGroupRuleId as string;
}

describe('access removed outside cachegate', () => {
  it('VPC: one sighting changes nothing; a second a minute later ends it (removed-outside), through its workflow, and people are told', async () => {
    const { id, source } = await activeVpc();
    const [rule] = rulesOn(source);
    await ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: SESSIONS, SecurityGroupRuleIds: [rule?.ruleId ?? ''] }));

    expect(await reconcile()).toMatchObject({ ended: 0, errors: 0 });
    expect(await reconcile()).toMatchObject({ ended: 0, errors: 0 });
    expect((await get(id)).status).toBe('ACTIVE');

    await aMinuteLater(id);
    expect(await reconcile()).toMatchObject({ ended: 1, errors: 0 });
    const ended = await waitForStatus(stack, id, ['ENDED'], 'alice@example.com', 15_000);
    expect(ended).toMatchObject({ endReason: 'removed-outside', endedBy: 'reconciler' });
    expect(ended.history.map((e) => e.event)).toEqual(expect.arrayContaining(['removed outside cachegate', 'grant already gone', 'ended']));
    expect(stack.stepFunctions.execution(id)?.status).toBe('SUCCEEDED');
    await stack.outbox.waitFor((m) => m.to.includes('alice@example.com') && /^Access ended/.test(m.subject ?? '') && m.links.some((l) => l.endsWith(id)), 10_000);
    await stack.outbox.waitFor((m) => m.to.includes('bob@example.com') && /^Access ended/.test(m.subject ?? '') && m.links.some((l) => l.endsWith(id)), 10_000);
    expect(await store.grantRecord(keyOf(ended.target as never))).toBeUndefined();
  }, 40_000);

  it('a grant seen again after one missing sighting clears it: nothing ends', async () => {
    const { id } = await activeVpc();
    await store.update(id, { set: { grantMissingSince: new Date(Date.now() - 120_000).toISOString() }, now: new Date() });
    expect(await reconcile()).toMatchObject({ ended: 0, errors: 0 });
    const request = await store.get(id);
    expect(request?.status).toBe('ACTIVE');
    expect(request?.grantMissingSince).toBeUndefined();
    await call(stack, 'POST', `/requests/${id}/revoke`, { as: 'alice@example.com' });
    await waitForStatus(stack, id, ['ENDED'], 'alice@example.com', 15_000);
  }, 40_000);

  it('classic: the authorization revoked by hand ends the request the same way', async () => {
    const { id, group } = await activeClassic();
    await elasticache.send(new RevokeCacheSecurityGroupIngressCommand({ CacheSecurityGroupName: group, EC2SecurityGroupName: 'myec2group', EC2SecurityGroupOwnerId: OWNER }));
    expect(authorizationStatus(group)).toBeUndefined();
    expect(await reconcile()).toMatchObject({ ended: 0, errors: 0 });
    await aMinuteLater(id);
    expect(await reconcile()).toMatchObject({ ended: 1, errors: 0 });
    expect(await waitForStatus(stack, id, ['ENDED'], 'alice@example.com', 15_000)).toMatchObject({ endReason: 'removed-outside' });
  }, 40_000);
});

describe('drift of ends, and throttling', () => {
  it('an end that moved (an extension the rule description missed) reaches the grant record and the rule', async () => {
    const { id, source } = await activeVpc();
    const request = await store.get(id);
    const later = new Date(Date.parse(request?.expiresAt as string) + 30 * 60_000).toISOString();
    await store.update(id, { set: { expiresAt: later }, now: new Date() });
    expect(await reconcile()).toMatchObject({ ended: 0, errors: 0 });
    expect((await store.grantRecord(keyOf(request?.target as never)))?.ends[id]).toBe(later);
    expect(rulesOn(source)[0]?.description).toBe(`cachegate ${id} alice@example.com until ${later}`);
    await call(stack, 'POST', `/requests/${id}/revoke`, { as: 'alice@example.com' });
    await waitForStatus(stack, id, ['ENDED'], 'alice@example.com', 15_000);
  }, 40_000);

  it('rides out throttled describes (every other AWS call throttled): no error, nothing ended', async () => {
    const { id } = await activeVpc();
    stack.emulator.faults.set({ throttlingRate: 0.5 });
    expect(await reconcile()).toMatchObject({ ended: 0, errors: 0 });
    stack.emulator.faults.reset();
    expect((await store.get(id))?.grantMissingSince).toBeUndefined();
    await call(stack, 'POST', `/requests/${id}/revoke`, { as: 'alice@example.com' });
    await waitForStatus(stack, id, ['ENDED'], 'alice@example.com', 15_000);
  }, 40_000);
});

describe('orphans and stuck revokes', () => {
  it('a revoke refused, then retried by the reconciler once the execution is over: ENDED, the rule gone', async () => {
    const { id, source } = await activeVpc();
    stack.emulator.faults.set({ failOperation: { RevokeSecurityGroupIngress: { code: 'UnauthorizedOperation', status: 403, message: 'You are not authorized to perform this operation.' } } });
    await call(stack, 'POST', `/requests/${id}/revoke`, { as: 'alice@example.com' });
    await stack.stepFunctions.execution(id)?.done;
    expect((await get(id)).status).toBe('REVOKING');

    // Still refused: counted as an error, nothing reported ended.
    expect(await reconcile()).toMatchObject({ ended: 0, errors: 1 });
    expect((await get(id)).status).toBe('REVOKING');

    stack.emulator.faults.reset();
    expect(await reconcile()).toMatchObject({ ended: 1, errors: 0 });
    expect(await get(id)).toMatchObject({ status: 'ENDED', endReason: 'revoked' });
    expect(rulesOn(source)).toEqual([]);
    // The slot is free: the same access may be asked for again.
    const again = await call<RequestBody>(stack, 'POST', '/requests', { as: 'alice@example.com', json: { cacheClusterId: 'sessions-mc', sourceSecurityGroupId: source, reason: 'again' } });
    expect(again.status).toBe(202);
    await call(stack, 'POST', `/requests/${again.body.id}/cancel`, { as: 'alice@example.com' });
  }, 40_000);

  it('a cachegate-tagged rule with no grant record is revoked', async () => {
    // Its request ended and its record went, but the rule stayed (a revoke lost on the way).
    const { id, source, key } = await finishedVpc();
    await taggedRule(source, id);
    expect(await reconcile()).toMatchObject({ orphansRevoked: 1, errors: 0 });
    expect(rulesOn(source)).toEqual([]);
    // The claim record goes once AWS shows the rule gone.
    expect(await reconcile()).toMatchObject({ orphansRevoked: 0, errors: 0 });
    expect(await store.grantRecord(key)).toBeUndefined();
  }, 40_000);

  it('an equal rule made outside cachegate (untagged) is never touched', async () => {
    const source = sources[nextSource++] as string;
    await ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: SESSIONS, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 11211, ToPort: 11211, UserIdGroupPairs: [{ GroupId: source }] }] }));
    expect(await reconcile()).toMatchObject({ orphansRevoked: 0, errors: 0 });
    expect(rulesOn(source)).toHaveLength(1);
  });

  it('classic "never available": the failure says a clean-up is pending; the reconciler revokes it once AWS lets it', async () => {
    const { id, group } = await activeClassic({ neverAvailable: true });
    const failed = await get(id);
    expect(failed.failureReason).toMatch(/never became available.*clean-up is pending/);
    expect(authorizationStatus(group)).toBe('authorizing');
    // Still authorizing: AWS refuses the revoke, the reconciler counts it and tries again next time.
    expect(await reconcile()).toMatchObject({ orphansRevoked: 0, errors: 1 });
    // AWS finally makes it available.
    for (const auth of stack.emulator.state.cacheSecurityGroups.get(group)?.authorizations ?? []) auth.stuck = false;
    expect(authorizationStatus(group)).toBe('available');
    expect(await reconcile()).toMatchObject({ orphansRevoked: 1, errors: 0 });
    expect(authorizationStatus(group)).toBeUndefined();
    expect(await reconcile()).toMatchObject({ orphansRevoked: 0, errors: 0 });
    expect(await store.grantRecord(keyOf(failed.target as never))).toBeUndefined();
  }, 40_000);
});

describe('a crash between two writes is repaired', () => {
  it('grant: after the grant record, before the grant call (the request then FAILED): the empty record goes', async () => {
    const { id, source, key, record } = await finishedVpc();
    await store.update(id, { set: { status: 'FAILED' }, now: new Date() });
    expect(await store.putGrantRecord(record, 0, new Date())).toBe(true);
    expect(await reconcile()).toMatchObject({ orphansRevoked: 0, errors: 0 });
    expect(await store.grantRecord(key)).toBeUndefined();
    expect(rulesOn(source)).toEqual([]);
  }, 40_000);

  it('grant: after the grant call, before its rule id was recorded (the request then FAILED): the tagged rule is found and revoked', async () => {
    const { id, source, key, record } = await finishedVpc();
    await store.update(id, { set: { status: 'FAILED' }, now: new Date() });
    expect(await store.putGrantRecord(record, 0, new Date())).toBe(true);
    await taggedRule(source, id);
    expect(await reconcile()).toMatchObject({ orphansRevoked: 1, errors: 0 });
    expect(rulesOn(source)).toEqual([]);
    await reconcile();
    expect(await store.grantRecord(key)).toBeUndefined();
  }, 40_000);

  it('release: after the request ended, before it left the grant record: the holder is removed and the grant revoked', async () => {
    const { id, source, key, record } = await finishedVpc();
    const ruleId = await taggedRule(source, id);
    expect(await store.putGrantRecord({ ...record, ruleId, state: 'active' }, 0, new Date())).toBe(true);
    expect(await reconcile()).toMatchObject({ orphansRevoked: 1, errors: 0 });
    expect(rulesOn(source)).toEqual([]);
    await reconcile();
    expect(await store.grantRecord(key)).toBeUndefined();
  }, 40_000);

  it('revoke: after REVOKING, before leaving the grant record (the execution over): the reconciler leaves, revokes, ends it', async () => {
    const { id, source } = await activeVpc();
    stack.emulator.faults.set({ failOperation: { RevokeSecurityGroupIngress: { code: 'UnauthorizedOperation', status: 403, message: 'refused' } } });
    await call(stack, 'POST', `/requests/${id}/revoke`, { as: 'alice@example.com' });
    await stack.stepFunctions.execution(id)?.done;
    stack.emulator.faults.reset();
    // Put the request back on its record, as if it had never left.
    const key = keyOf((await store.get(id))?.target as never);
    await rewriteRecord(key, (record) => ({ ...record, holders: [id], state: 'active' }));
    expect(await reconcile()).toMatchObject({ ended: 1, errors: 0 });
    expect((await get(id)).status).toBe('ENDED');
    expect(rulesOn(source)).toEqual([]);
    expect(await store.grantRecord(key)).toBeUndefined();
  }, 40_000);

  it('open slot: after ENDED, before the slot was released: asking again takes the slot over (202, not 409)', async () => {
    const { id, source } = await activeVpc();
    await call(stack, 'POST', `/requests/${id}/revoke`, { as: 'alice@example.com' });
    const ended = await waitForStatus(stack, id, ['ENDED'], 'alice@example.com', 15_000);
    // The slot as the crash left it: still naming the ended request.
    expect(await store.claimOpen('alice@example.com', keyOf(ended.target as never), id)).toEqual({ ok: true });
    const again = await call<RequestBody>(stack, 'POST', '/requests', { as: 'alice@example.com', json: { cacheClusterId: 'sessions-mc', sourceSecurityGroupId: source, reason: 'again' } });
    expect(again.status).toBe(202);
    await call(stack, 'POST', `/requests/${again.body.id}/cancel`, { as: 'alice@example.com' });
  }, 40_000);
});

describe('submission checks', () => {
  it('an equal rule made outside cachegate: 422 naming the rule, nothing stored', async () => {
    const source = sources[nextSource++] as string;
    const made = await ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: SESSIONS, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 11211, ToPort: 11211, UserIdGroupPairs: [{ GroupId: source }] }] }));
    const ruleId = made.SecurityGroupRules?.[0]?.SecurityGroupRuleId as string;
    const reply = await call<{ message: string; details: { field: string }[] }>(stack, 'POST', '/requests', { as: 'alice@example.com', json: { cacheClusterId: 'sessions-mc', sourceSecurityGroupId: source, reason: 'dup' } });
    expect(reply.status).toBe(422);
    expect(reply.body.message).toContain(ruleId);
    expect(reply.body.message).toMatch(/outside cachegate/);
    expect(reply.body.details[0]?.field).toBe('sourceSecurityGroupId');
  });

  it('an equal classic authorization made outside cachegate: 422 naming it', async () => {
    const group = `rc-classic-${++groups}`;
    await elasticache.send(new CreateCacheSecurityGroupCommand({ CacheSecurityGroupName: group, Description: 'reconciler' }));
    await elasticache.send(new AuthorizeCacheSecurityGroupIngressCommand({ CacheSecurityGroupName: group, EC2SecurityGroupName: 'myec2group', EC2SecurityGroupOwnerId: OWNER }));
    const reply = await call<{ message: string }>(stack, 'POST', '/requests', {
      as: 'alice@example.com',
      json: { cacheSecurityGroupName: group, ec2SecurityGroupName: 'myec2group', ec2SecurityGroupOwnerId: OWNER, reason: 'dup' },
    });
    expect(reply.status).toBe(422);
    expect(reply.body.message).toContain(`myec2group/${OWNER} on cache security group ${group}`);
  });

  it('a managed group with no free rule slot: 422 naming the group and its quota; sharing an existing grant is still accepted', async () => {
    const held: string[] = [];
    for (let n = 0; n < 4; n++) held.push((await activeVpc()).id);
    const full = await call<{ message: string }>(stack, 'POST', '/requests', { as: 'alice@example.com', json: { cacheClusterId: 'sessions-mc', sourceSecurityGroupId: sources[nextSource++], reason: 'one too many' } });
    expect(full.status).toBe(422);
    expect(full.body.message).toMatch(new RegExp(`${SESSIONS} has no free rule slot: cachegate holds 4 of its quota of 4 inbound rules`));
    // The same source as a held grant needs no new rule.
    const shared = await store.get(held[0] as string);
    const sharing = await call<RequestBody>(stack, 'POST', '/requests', {
      as: 'carol@example.com',
      json: { cacheClusterId: 'sessions-mc', sourceSecurityGroupId: (shared?.target as { sourceSecurityGroupId: string }).sourceSecurityGroupId, reason: 'share' },
    });
    expect(sharing.status).toBe(202);
    await call(stack, 'POST', `/requests/${sharing.body.id}/cancel`, { as: 'carol@example.com' });
    // A slot frees when access ends.
    await call(stack, 'POST', `/requests/${held[1]}/revoke`, { as: 'alice@example.com' });
    await waitForStatus(stack, held[1] as string, ['ENDED'], 'alice@example.com', 15_000);
    const again = await call<RequestBody>(stack, 'POST', '/requests', { as: 'alice@example.com', json: { cacheClusterId: 'sessions-mc', sourceSecurityGroupId: sources[nextSource++], reason: 'room again' } });
    expect(again.status).toBe(202);
    await call(stack, 'POST', `/requests/${again.body.id}/cancel`, { as: 'alice@example.com' });
    for (const id of [held[0], held[2], held[3]]) await call(stack, 'POST', `/requests/${id}/revoke`, { as: 'alice@example.com' });
    for (const id of [held[0], held[2], held[3]]) await waitForStatus(stack, id as string, ['ENDED'], 'alice@example.com', 15_000);
  }, 60_000);
});

describe('rule slots: reserved at submission, released at a final status', () => {
  const ask = (source: string, as = 'alice@example.com') =>
    call<RequestBody & { message: string }>(stack, 'POST', '/requests', { as, json: { replicationGroupId: 'orders-cache', sourceSecurityGroupId: source, reason: 'slot test' } });
  const reservedBy = async (): Promise<string[]> => Object.values((await store.slotLedger(ORDERS)).slots).flatMap((holders) => Object.keys(holders));

  it('racing for the last slot: exactly one is accepted, the others get 422 naming the group and its quota; the slot comes back when a request ends', async () => {
    // Three of the four slots taken by requests still waiting for approval: pending requests hold theirs too.
    const pending: string[] = [];
    for (let n = 0; n < 3; n++) {
      const reply = await ask(sources[nextSource++] as string);
      expect(reply.status).toBe(202);
      pending.push(reply.body.id);
    }
    const racers = Array.from({ length: 5 }, () => sources[nextSource++] as string);
    const replies = await Promise.all(racers.map((source, n) => ask(source, n % 2 === 0 ? 'alice@example.com' : 'carol@example.com')));
    const accepted = replies.filter((reply) => reply.status === 202);
    const refused = replies.filter((reply) => reply.status === 422);
    expect(accepted).toHaveLength(1);
    expect(refused).toHaveLength(4);
    for (const reply of refused) expect(reply.body.message).toMatch(new RegExp(`^${ORDERS} has no free rule slot: cachegate holds 4 of its quota of 4 inbound rules`));
    const winner = accepted[0]?.body.id as string;
    expect((await reservedBy()).sort()).toEqual([...pending, winner].sort());

    // One request ends (cancelled): its slot is free again, and the next submission takes it.
    expect((await call(stack, 'POST', `/requests/${pending[0]}/cancel`, { as: 'alice@example.com' })).status).toBe(200);
    await waitForStatus(stack, pending[0] as string, ['CANCELLED']);
    expect(await reservedBy()).not.toContain(pending[0]);
    const next = await ask(sources[nextSource++] as string);
    expect(next.status).toBe(202);
    for (const id of [...pending.slice(1), winner, next.body.id]) {
      const requester = (await store.get(id))?.requester as string;
      await call(stack, 'POST', `/requests/${id}/cancel`, { as: requester });
      await waitForStatus(stack, id, ['CANCELLED'], requester);
    }
    expect(await reservedBy()).toEqual([]);
  }, 60_000);

  it('a crash before a release (a final request, or a request never stored) leaves a reservation the reconciler releases', async () => {
    const reply = await ask(sources[nextSource++] as string);
    expect(reply.status).toBe(202);
    await call(stack, 'POST', `/requests/${reply.body.id}/cancel`, { as: 'alice@example.com' });
    await waitForStatus(stack, reply.body.id, ['CANCELLED']);
    // As the crashes would have left it: the cancelled request's reservation, and one of a submission that
    // crashed before storing its request.
    const ledger = await store.slotLedger(ORDERS);
    const lost = '00000000-0000-4000-8000-00000000dead';
    const at = new Date(Date.now() - 1000).toISOString();
    expect(await store.putSlotLedger(ORDERS, { ...ledger.slots, k1: { [reply.body.id]: at }, k2: { [lost]: at } }, ledger.version, new Date())).toBe(true);
    expect((await reconcile()).errors).toBe(0);
    expect(await reservedBy()).toEqual([]);
  });
});

describe('overdue access', () => {
  it('ACTIVE past its end with its workflow over (its hold failed): ended by the reconciler, counted', async () => {
    const { id } = await finishedVpc();
    // The state a failed hold leaves: ACTIVE, its end long past, no execution running.
    await store.update(id, { set: { status: 'ACTIVE', expiresAt: new Date(Date.now() - 3_600_000).toISOString() }, remove: ['endReason', 'endedBy', 'endedAt'], now: new Date() });
    const before = emf.of('OverdueAccessEnded').length;
    expect(await reconcile()).toMatchObject({ ended: 1, errors: 0 });
    expect(await get(id)).toMatchObject({ status: 'ENDED', endReason: 'expired', endedBy: 'reconciler' });
    expect(emf.of('OverdueAccessEnded').length).toBe(before + 1);
  }, 40_000);
});

describe('metrics', () => {
  it("every alarm on the reconciler's findings watches the namespace, name and dimension set of a line emitted by the runs above", async () => {
    const findings = (await alarmMetrics()).filter((a) => ['AccessRemovedOutside', 'OrphanGrantsRevoked', 'StuckRevokesRetried', 'OverdueAccessEnded', 'ReconcileErrors', 'OldestPendingApprovalAgeSeconds'].includes(a.metricName));
    expect(findings.length).toBeGreaterThanOrEqual(5);
    expect(unmatched(findings, emf.lines)).toEqual([]);
  });
});
