/**
 * The VPC grant driver against the emulator over HTTP (its signed Query calls): resolving a cluster to its managed group
 * and port, the rule it creates, status, revoking only its own rule, and the error mapping.
 */
import type { EC2Client } from '@aws-sdk/client-ec2';
import { AuthorizeSecurityGroupIngressCommand, RevokeSecurityGroupIngressCommand } from '@aws-sdk/client-ec2';
import type { VpcTarget } from '../../../functions/domain/access-request.js';
import type { GrantDriver, GrantRequest } from '../../../functions/domain/grant-driver.js';
import { ruleDescription } from '../../../functions/adapters/rule-description.js';
import type { AwsEmulator, AwsEmulatorSeed } from '../../../local/aws-emulator/index.js';
import { DEMO_SEED_PATH, emulatorClients, loadSeedFile, ManualClock, startAwsEmulator } from '../../../local/aws-emulator/index.js';
import { adaptersAgainst } from '../../support/query-adapters.js';

const OWNER = '987654321021';
const ORDERS_MANAGED = 'sg-0cac4e9a7e0000001';
const SESSIONS_MANAGED = 'sg-0cac4e9a7e0000002';
const OPS = 'sg-0095000000000001';
const APP = 'sg-0a99000000000001';
const VPC = 'vpc-0de70000000000001';
const managedGroups = { 'orders-cache': ORDERS_MANAGED, 'sessions-mc': SESSIONS_MANAGED };

// The demo seed plus a few more source groups and a cluster whose managed group is missing from EC2.
const demo = loadSeedFile(DEMO_SEED_PATH);
const sources = Array.from({ length: 6 }, (_, i) => `sg-0a9900000000001${i}`);
const seed: AwsEmulatorSeed = {
  ...demo,
  securityGroups: [...(demo.securityGroups ?? []), ...sources.map((groupId, i) => ({ groupId, groupName: `source-${i}`, vpcId: VPC }))],
  cacheClusters: [
    ...(demo.cacheClusters ?? []),
    { cacheClusterId: 'unmanaged', engine: 'redis', port: 6380, securityGroupIds: [OPS] },
    { cacheClusterId: 'ghost-group', engine: 'redis', port: 6379, securityGroupIds: ['sg-0000000000000dead'] },
  ],
};

const clock = new ManualClock();
let emu: AwsEmulator;
// Someone else's EC2 calls, outside cachegate.
let ec2: EC2Client;
let driver: GrantDriver;
let createVpcGrantDriver: typeof import('../../../functions/adapters/vpc-grant.js').createVpcGrantDriver;

/** A VPC driver whose AWS calls go to `emulator`. */
async function driverAgainst(emulator: AwsEmulator, groups: Record<string, string>): Promise<GrantDriver> {
  const adapters = await adaptersAgainst(emulator, () => import('../../../functions/adapters/vpc-grant.js'));
  return adapters.createVpcGrantDriver({ managedGroups: groups });
}

beforeAll(async () => {
  emu = await startAwsEmulator({ seed, clock, ec2PropagationDelayMs: 0 });
  ({ ec2 } = emulatorClients(emu, { maxAttempts: 2 }));
  ({ createVpcGrantDriver } = await adaptersAgainst(emu, () => import('../../../functions/adapters/vpc-grant.js')));
  driver = createVpcGrantDriver({ managedGroups: { ...managedGroups, 'ghost-group': 'sg-0000000000000dead' } });
});

afterEach(() => emu.faults.reset());

afterAll(async () => {
  ec2.destroy();
  await emu.close();
});

const ordersTarget = (sourceSecurityGroupId: string, extra: Partial<VpcTarget> = {}): VpcTarget => ({ mode: 'vpc', replicationGroupId: 'orders-cache', sourceSecurityGroupId, ...extra });

async function requestFor(requestId: string, target: VpcTarget, until?: string): Promise<GrantRequest> {
  const resolved = await driver.resolveTarget(target);
  return { requestId, requester: 'alice@example.com', target, resolved, until };
}

function rulesOn(groupId: string) {
  return emu.inspect().securityGroupRules.filter((rule) => rule.groupId === groupId && !rule.isEgress);
}

describe('resolveTarget', () => {
  test('a replication group resolves through a member cluster to its managed group and endpoint port', async () => {
    const before = emu.callCount('DescribeCacheClusters');
    await expect(driver.resolveTarget(ordersTarget(APP))).resolves.toEqual({ summary: `${ORDERS_MANAGED} port 6379 on orders-cache`, managedGroupId: ORDERS_MANAGED, port: 6379 });
    expect(emu.callCount('DescribeCacheClusters')).toBe(before + 1);
  });

  test('a cache cluster resolves directly (memcached port 11211); a member cluster finds its replication group’s mapping', async () => {
    await expect(driver.resolveTarget({ mode: 'vpc', cacheClusterId: 'sessions-mc', sourceSecurityGroupId: APP })).resolves.toMatchObject({ managedGroupId: SESSIONS_MANAGED, port: 11211 });
    await expect(driver.resolveTarget({ mode: 'vpc', cacheClusterId: 'orders-cache-002', sourceSecurityGroupId: APP })).resolves.toMatchObject({ managedGroupId: ORDERS_MANAGED, port: 6379 });
  });

  test('a cluster without a managed group is InvalidTarget saying how to fix it', async () => {
    await expect(driver.resolveTarget({ mode: 'vpc', cacheClusterId: 'unmanaged', sourceSecurityGroupId: APP })).rejects.toMatchObject({
      name: 'InvalidTarget',
      message: expect.stringMatching(/MANAGED_SECURITY_GROUPS.*"unmanaged"/s),
    });
  });

  test('a managed group that is not attached to the cluster is InvalidTarget', async () => {
    const misconfigured = createVpcGrantDriver({ managedGroups: { 'orders-cache': SESSIONS_MANAGED } });
    await expect(misconfigured.resolveTarget(ordersTarget(APP))).rejects.toMatchObject({
      name: 'InvalidTarget',
      message: expect.stringContaining(`${SESSIONS_MANAGED} configured for orders-cache is not attached`),
    });
  });

  test('unknown replication groups and clusters are GroupNotFound', async () => {
    await expect(driver.resolveTarget(ordersTarget(APP, { replicationGroupId: 'nope' }))).rejects.toMatchObject({ name: 'GroupNotFound', cause: { name: 'ReplicationGroupNotFoundFault' } });
    await expect(driver.resolveTarget({ mode: 'vpc', cacheClusterId: 'nope', sourceSecurityGroupId: APP })).rejects.toMatchObject({ name: 'GroupNotFound', cause: { name: 'CacheClusterNotFound' } });
  });

  test('invalid targets are InvalidTarget before any call', async () => {
    const before = emu.callCount();
    for (const target of [
      ordersTarget('sg-XYZ'),
      ordersTarget('app-servers'),
      ordersTarget(APP, { sourceSecurityGroupOwnerId: '1234' }),
      ordersTarget(APP, { cacheClusterId: 'sessions-mc' }),
      { mode: 'vpc', sourceSecurityGroupId: APP } as VpcTarget,
      ordersTarget(APP, { replicationGroupId: 'bad_id!' }),
    ]) {
      await expect(driver.resolveTarget(target)).rejects.toMatchObject({ name: 'InvalidTarget' });
      await expect(driver.authorize({ requestId: 'r', requester: 'a', target, resolved: { summary: '', managedGroupId: ORDERS_MANAGED, port: 6379 } })).rejects.toMatchObject({
        name: 'InvalidTarget',
      });
    }
    await expect(driver.resolveTarget({ mode: 'classic', cacheSecurityGroupName: 'default', ec2SecurityGroupName: 'x', ec2SecurityGroupOwnerId: OWNER })).rejects.toMatchObject({ name: 'InvalidTarget' });
    expect(emu.callCount()).toBe(before);
  });
});

describe('authorize, status, revoke', () => {
  test('authorize adds a tagged, described TCP rule from the source group; status is active; revoke removes it', async () => {
    const source = sources[0] as string;
    const request = await requestFor('req-vpc-1', ordersTarget(source), '2026-11-28T12:00:00.000Z');
    await expect(driver.status(request)).resolves.toBe('absent');

    const receipt = await driver.authorize(request);
    expect(receipt).toEqual({ created: true, ruleId: expect.stringMatching(/^sgr-[0-9a-f]{17}$/) });
    const [rule] = rulesOn(ORDERS_MANAGED).filter((r) => r.referencedGroupId === source);
    expect(rule).toMatchObject({
      ruleId: receipt.ruleId,
      ipProtocol: 'tcp',
      fromPort: 6379,
      toPort: 6379,
      referencedUserId: OWNER,
      description: 'cachegate req-vpc-1 alice@example.com until 2026-11-28T12:00:00.000Z',
      tags: { 'cachegate-request': 'req-vpc-1' },
    });
    await expect(driver.status(request)).resolves.toBe('active');

    await driver.revoke(request, receipt);
    expect(rulesOn(ORDERS_MANAGED).some((r) => r.ruleId === receipt.ruleId)).toBe(false);
    await expect(driver.status(request)).resolves.toBe('absent');
  });

  test('a cross-account source sends its owner as UserId', async () => {
    const request = await requestFor('req-vpc-cross', ordersTarget('sg-0bbbbcccc00000001', { sourceSecurityGroupOwnerId: '111122223333' }));
    const receipt = await driver.authorize(request);
    expect(rulesOn(ORDERS_MANAGED).find((r) => r.ruleId === receipt.ruleId)).toMatchObject({ referencedGroupId: 'sg-0bbbbcccc00000001', referencedUserId: '111122223333' });
    await expect(driver.status(request)).resolves.toBe('active');
  });

  test('the description is kept to EC2’s character set and 255 characters', async () => {
    expect(ruleDescription({ requestId: 'r-1', requester: 'Zoë <ops> "x"', until: undefined })).toBe('cachegate r-1 Zo_ _ops_ _x_ until revoked');
    // A rule's description takes no `&` (a group's own description does).
    expect(ruleDescription({ requestId: 'r-2', requester: 'ops&dev@example.com' })).toBe('cachegate r-2 ops_dev@example.com until revoked');
    expect(ruleDescription({ requestId: 'r', requester: 'a'.repeat(400) })).toHaveLength(255);
    const request = await requestFor('req-vpc-odd', ordersTarget(sources[1] as string));
    await expect(driver.authorize({ ...request, requester: 'Zoë <ops@example.com>' })).resolves.toMatchObject({ created: true });
  });

  test('an equal rule that already existed: AlreadyAuthorized, status active through it, and revoke leaves it alone', async () => {
    const source = sources[2] as string;
    // Someone else's rule, created outside cachegate.
    const theirs = await ec2.send(
      new AuthorizeSecurityGroupIngressCommand({ GroupId: ORDERS_MANAGED, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 6379, ToPort: 6379, UserIdGroupPairs: [{ GroupId: source }] }] }),
    );
    const theirRuleId = theirs.SecurityGroupRules?.[0]?.SecurityGroupRuleId;
    const request = await requestFor('req-vpc-dup', ordersTarget(source));
    await expect(driver.authorize(request)).rejects.toMatchObject({ name: 'AlreadyAuthorized', cause: { name: 'InvalidPermission.Duplicate' } });
    await expect(driver.status(request)).resolves.toBe('active');

    // The workflow carries on with created: false, and its clean-up must not touch the rule.
    const before = emu.callCount('RevokeSecurityGroupIngress');
    await driver.revoke(request, { created: false });
    await driver.revoke(request, { created: true });
    expect(emu.callCount('RevokeSecurityGroupIngress')).toBe(before);
    expect(rulesOn(ORDERS_MANAGED).map((r) => r.ruleId)).toContain(theirRuleId);
  });

  test('a retried authorize meets its own rule and still owns it (created: true, same rule id)', async () => {
    const request = await requestFor('req-vpc-retry', ordersTarget(sources[3] as string));
    const first = await driver.authorize(request);
    const second = await driver.authorize(request);
    expect(second).toEqual(first);
  });

  test('revoke removes only this request’s rule, not another request’s', async () => {
    const mine = await requestFor('req-vpc-mine', ordersTarget(sources[4] as string));
    const other = await requestFor('req-vpc-other', ordersTarget(sources[5] as string));
    const mineReceipt = await driver.authorize(mine);
    const otherReceipt = await driver.authorize(other);
    await driver.revoke(mine, mineReceipt);
    const ids = rulesOn(ORDERS_MANAGED).map((r) => r.ruleId);
    expect(ids).not.toContain(mineReceipt.ruleId);
    expect(ids).toContain(otherReceipt.ruleId);
    await expect(driver.status(mine)).resolves.toBe('absent');
    await expect(driver.status(other)).resolves.toBe('active');
  });

  test('revoking a rule that someone already removed is NotAuthorized', async () => {
    const request = await requestFor('req-vpc-gone', { mode: 'vpc', cacheClusterId: 'sessions-mc', sourceSecurityGroupId: APP });
    const receipt = await driver.authorize(request);
    await ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: SESSIONS_MANAGED, SecurityGroupRuleIds: [receipt.ruleId as string] }));
    await expect(driver.revoke(request, receipt)).rejects.toMatchObject({ name: 'NotAuthorized' });
  });

  test('authorize, status and revoke resolve the target themselves when the request carries no resolution', async () => {
    const target: VpcTarget = { mode: 'vpc', cacheClusterId: 'sessions-mc', sourceSecurityGroupId: sources[0] as string };
    const request: GrantRequest = { requestId: 'req-vpc-unresolved', requester: 'bob', target, resolved: { summary: '' } };
    const receipt = await driver.authorize(request);
    expect(rulesOn(SESSIONS_MANAGED).find((r) => r.ruleId === receipt.ruleId)?.fromPort).toBe(11211);
    await expect(driver.status(request)).resolves.toBe('active');
    await driver.revoke(request, receipt);
    await expect(driver.status(request)).resolves.toBe('absent');
  });

  test('a managed group missing from EC2 is GroupNotFound', async () => {
    const request = await requestFor('req-vpc-ghost', { mode: 'vpc', cacheClusterId: 'ghost-group', sourceSecurityGroupId: APP });
    await expect(driver.authorize(request)).rejects.toMatchObject({ name: 'GroupNotFound', cause: { name: 'InvalidGroup.NotFound' } });
  });
});

describe('limits, propagation and failures', () => {
  test('a full security group is LimitExceeded', async () => {
    const full = await startAwsEmulator({ seed: DEMO_SEED_PATH, rulesPerGroupLimit: 1, ec2PropagationDelayMs: 0 });
    const limited = await driverAgainst(full, managedGroups);
    try {
      const first = { requestId: 'req-a', requester: 'a', target: ordersTarget(APP), resolved: await limited.resolveTarget(ordersTarget(APP)) };
      await limited.authorize(first);
      const second = { ...first, requestId: 'req-b', target: ordersTarget(OPS) };
      await expect(limited.authorize(second)).rejects.toMatchObject({ name: 'LimitExceeded', cause: { name: 'RulesPerSecurityGroupLimitExceeded' } });
    } finally {
      await full.close();
    }
  });

  test('with EC2 propagation delay the rule reads absent until it shows, then active', async () => {
    const slowClock = new ManualClock();
    const slow = await startAwsEmulator({ seed: DEMO_SEED_PATH, clock: slowClock, ec2PropagationDelayMs: 2_000 });
    const slowDriver = await driverAgainst(slow, managedGroups);
    try {
      const request: GrantRequest = { requestId: 'req-slow', requester: 'a', target: ordersTarget(APP), resolved: await slowDriver.resolveTarget(ordersTarget(APP)) };
      await slowDriver.authorize(request);
      await expect(slowDriver.status(request)).resolves.toBe('absent');
      slowClock.advance(2_000);
      await expect(slowDriver.status(request)).resolves.toBe('active');
    } finally {
      await slow.close();
    }
  });

  test('RequestLimitExceeded past the call’s 3 attempts is GrantThrottled; a burst is absorbed', async () => {
    const request = await requestFor('req-vpc-throttle', ordersTarget(APP));
    emu.faults.set({ throttlingRate: 1 });
    const before = emu.callCount('AuthorizeSecurityGroupIngress');
    await expect(driver.authorize(request)).rejects.toMatchObject({ name: 'GrantThrottled', cause: { name: 'RequestLimitExceeded', httpStatus: 503 } });
    expect(emu.callCount('AuthorizeSecurityGroupIngress')).toBe(before + 3);
    await expect(driver.status(request)).rejects.toMatchObject({ name: 'GrantThrottled' });
    emu.faults.set({ throttlingRate: 0.5 });
    await expect(driver.authorize(request)).resolves.toMatchObject({ created: true });
  });

  test('UnauthorizedOperation is GrantFailed with the reason; malformed ids from AWS are InvalidTarget', async () => {
    const request = await requestFor('req-vpc-denied', ordersTarget(OPS));
    emu.faults.set({ failOperation: { AuthorizeSecurityGroupIngress: { code: 'UnauthorizedOperation', status: 403, message: 'You are not authorized to perform this operation.' } } });
    await expect(driver.authorize(request)).rejects.toMatchObject({
      name: 'GrantFailed',
      message: expect.stringContaining('You are not authorized'),
      cause: { name: 'UnauthorizedOperation', httpStatus: 403 },
    });
    emu.faults.set({ failOperation: { AuthorizeSecurityGroupIngress: { code: 'InvalidGroupId.Malformed', message: 'Invalid id' } } });
    await expect(driver.authorize(request)).rejects.toMatchObject({ name: 'InvalidTarget' });
    emu.faults.set({ failOperation: { DescribeReplicationGroups: { code: 'InvalidParameterValue', message: 'bad' } } });
    await expect(driver.resolveTarget(ordersTarget(OPS))).rejects.toMatchObject({ name: 'InvalidTarget', cause: { name: 'InvalidParameterValue' } });
  });
});
