/**
 * The signed Query calls that replace @aws-sdk/client-ec2 and @aws-sdk/client-elasticache in the functions
 * (functions/adapters/aws-query-call.ts, ec2-client.ts, elasticache-client.ts). Every operation the grant
 * drivers make is made twice with the same input, once by our call and once by the SDK's client, each
 * against its own emulator (same seed) behind a recording proxy: the same method, path, content type and
 * parameters (encoded alike, in any order), each validly signed in the service's scope; the same reply read
 * the same way; the errors the drivers tell apart named by their wire code. Then the retries: throttling
 * and 5xx are tried again (3 attempts, as the SDK's standard mode), other errors are not.
 */
import type { Server } from 'node:http';
import type { SecurityGroupRule as SdkRule } from '@aws-sdk/client-ec2';
import {
  AuthorizeSecurityGroupIngressCommand,
  paginateDescribeSecurityGroupRules,
  RevokeSecurityGroupIngressCommand,
  UpdateSecurityGroupRuleDescriptionsIngressCommand,
} from '@aws-sdk/client-ec2';
import {
  AuthorizeCacheSecurityGroupIngressCommand,
  DescribeCacheClustersCommand,
  DescribeCacheSecurityGroupsCommand,
  DescribeReplicationGroupsCommand,
  RevokeCacheSecurityGroupIngressCommand,
} from '@aws-sdk/client-elasticache';
import type { AwsEmulator } from '../../../local/aws-emulator/index.js';
import { DEMO_SEED_PATH, emulatorClients, ManualClock, startAwsEmulator } from '../../../local/aws-emulator/index.js';
import type { Received } from '../../support/aws-stand-in.js';
import { sigV4Valid } from '../../support/aws-stand-in.js';
import { adaptersAgainst } from '../../support/query-adapters.js';
import { recordingProxy } from '../../support/recording-proxy.js';

const MANAGED = 'sg-0cac4e9a7e0000001';
const APP = 'sg-0a99000000000001';
const PEER = '111122223333';
const OWNER = '987654321021';
const peerGroup = (i: number): string => `sg-0bbbbcccc0000000${i}`;

const loadAdapters = async () => ({
  ec2: await import('../../../functions/adapters/ec2-client.js'),
  elasticache: await import('../../../functions/adapters/elasticache-client.js'),
  query: await import('../../../functions/adapters/aws-query-call.js'),
});

let oursEmulator: AwsEmulator;
let sdkEmulator: AwsEmulator;
let ours: Awaited<ReturnType<typeof loadAdapters>>;
let sdk: ReturnType<typeof emulatorClients>;
let oursSent: Received[];
let sdkSent: Received[];
const servers: Server[] = [];

beforeAll(async () => {
  oursEmulator = await startAwsEmulator({ seed: DEMO_SEED_PATH, clock: new ManualClock(), ec2PropagationDelayMs: 0 });
  sdkEmulator = await startAwsEmulator({ seed: DEMO_SEED_PATH, clock: new ManualClock(), ec2PropagationDelayMs: 0 });
  const oursProxy = await recordingProxy(oursEmulator.url);
  const sdkProxy = await recordingProxy(sdkEmulator.url);
  servers.push(oursProxy.server, sdkProxy.server);
  oursSent = oursProxy.requests;
  sdkSent = sdkProxy.requests;
  ours = await adaptersAgainst(oursProxy, loadAdapters);
  // The same region and credentials as ours (adaptersAgainst), one attempt: these calls never fail by chance.
  sdk = emulatorClients(sdkProxy, { maxAttempts: 1 });
});

afterAll(async () => {
  sdk.ec2.destroy();
  sdk.elasticache.destroy();
  for (const server of servers) server.close();
  await Promise.all([oursEmulator.close(), sdkEmulator.close()]);
});

/** What a call gave: its value, or the name of its error. */
async function outcome(call: () => Promise<unknown>): Promise<unknown> {
  try {
    return { value: await call() };
  } catch (error) {
    return { error: (error as Error).name };
  }
}

/** Ours and the SDK's request for the same call: the same on the wire, both validly signed for `service`. */
function expectSameRequest(mine: Received, theirs: Received, service: string): void {
  for (const request of [mine, theirs]) {
    expect(sigV4Valid(request, 'emulator')).toBe(true);
    expect(/Credential=[^/]+\/\d{8}\/([^/]+\/[^/]+)\/aws4_request/.exec(String(request.headers.authorization))?.[1]).toBe(`us-east-1/${service}`);
  }
  expect({ method: mine.method, url: mine.url, contentType: mine.headers['content-type'] }).toEqual({ method: theirs.method, url: theirs.url, contentType: theirs.headers['content-type'] });
  expect(mine.body.split('&').sort()).toEqual(theirs.body.split('&').sort());
}

/** The same call made by both: the requests each sent and what each gave must agree. */
async function same(service: 'ec2' | 'elasticache', mine: () => Promise<unknown>, theirs: () => Promise<unknown>): Promise<unknown> {
  const [oursBefore, sdkBefore] = [oursSent.length, sdkSent.length];
  const mineGave = await outcome(mine);
  const theirsGave = await outcome(theirs);
  const [mineRequests, theirRequests] = [oursSent.slice(oursBefore), sdkSent.slice(sdkBefore)];
  expect(mineRequests.length).toBeGreaterThan(0);
  expect(mineRequests).toHaveLength(theirRequests.length);
  mineRequests.forEach((request, i) => expectSameRequest(request, theirRequests[i] as Received, service));
  expect(mineGave).toEqual(theirsGave);
  return mineGave;
}

/** The SDK's error named by its wire code (the SDK names ElastiCache's modelled errors by shape: …Fault, …Exception). */
const byCode = (codes: Record<string, string>) => (error: Error) => {
  throw Object.assign(new Error(error.message), { name: codes[error.name] ?? error.name });
};

const ruleFromSdk = (rule: SdkRule) => ({
  securityGroupRuleId: rule.SecurityGroupRuleId,
  groupId: rule.GroupId,
  isEgress: rule.IsEgress ?? false,
  ipProtocol: rule.IpProtocol,
  fromPort: rule.FromPort,
  toPort: rule.ToPort,
  ...(rule.ReferencedGroupInfo ? { referencedGroupInfo: { groupId: rule.ReferencedGroupInfo.GroupId, userId: rule.ReferencedGroupInfo.UserId } } : {}),
  ...(rule.Description !== undefined ? { description: rule.Description } : {}),
  tags: (rule.Tags ?? []).map((tag) => ({ key: tag.Key, value: tag.Value })),
});

describe('ElastiCache', () => {
  const ingress = { cacheSecurityGroupName: 'default', ec2SecurityGroupName: 'myec2group', ec2SecurityGroupOwnerId: OWNER };
  const sdkIngress = { CacheSecurityGroupName: 'default', EC2SecurityGroupName: 'myec2group', EC2SecurityGroupOwnerId: OWNER };
  const elastiCacheCodes = {
    CacheSecurityGroupNotFoundFault: 'CacheSecurityGroupNotFound',
    AuthorizationAlreadyExistsFault: 'AuthorizationAlreadyExists',
    InvalidCacheSecurityGroupStateFault: 'InvalidCacheSecurityGroupState',
    CacheClusterNotFoundFault: 'CacheClusterNotFound',
  };
  const describeGroup = () =>
    sdk.elasticache.send(new DescribeCacheSecurityGroupsCommand({ CacheSecurityGroupName: 'default' })).then(({ CacheSecurityGroups: [group] = [] }) => ({
      cacheSecurityGroupName: group?.CacheSecurityGroupName,
      ec2SecurityGroups: (group?.EC2SecurityGroups ?? []).map((ec2) => ({ status: ec2.Status, ec2SecurityGroupName: ec2.EC2SecurityGroupName, ec2SecurityGroupOwnerId: ec2.EC2SecurityGroupOwnerId })),
    }));

  it('cache security groups: describe, authorize, revoke, and their errors', async () => {
    await expect(same('elasticache', () => ours.elasticache.describeCacheSecurityGroup('default'), describeGroup)).resolves.toEqual({
      value: { cacheSecurityGroupName: 'default', ec2SecurityGroups: [] },
    });
    await same('elasticache', () => ours.elasticache.changeCacheSecurityGroupIngress('Authorize', ingress), () => sdk.elasticache.send(new AuthorizeCacheSecurityGroupIngressCommand(sdkIngress)).then(() => undefined));
    await expect(same('elasticache', () => ours.elasticache.describeCacheSecurityGroup('default'), describeGroup)).resolves.toMatchObject({
      value: { ec2SecurityGroups: [{ status: 'authorizing', ec2SecurityGroupName: 'myec2group', ec2SecurityGroupOwnerId: OWNER }] },
    });
    const again = () => sdk.elasticache.send(new AuthorizeCacheSecurityGroupIngressCommand(sdkIngress)).catch(byCode(elastiCacheCodes));
    await expect(same('elasticache', () => ours.elasticache.changeCacheSecurityGroupIngress('Authorize', ingress), again)).resolves.toEqual({ error: 'AuthorizationAlreadyExists' });
    // Still authorizing: not revocable yet.
    const revoke = () => sdk.elasticache.send(new RevokeCacheSecurityGroupIngressCommand(sdkIngress)).catch(byCode(elastiCacheCodes));
    await expect(same('elasticache', () => ours.elasticache.changeCacheSecurityGroupIngress('Revoke', ingress), revoke)).resolves.toEqual({ error: 'InvalidCacheSecurityGroupState' });
    const missing = () => sdk.elasticache.send(new DescribeCacheSecurityGroupsCommand({ CacheSecurityGroupName: 'no-such-group' })).catch(byCode(elastiCacheCodes));
    await expect(same('elasticache', () => ours.elasticache.describeCacheSecurityGroup('no-such-group'), missing)).resolves.toEqual({ error: 'CacheSecurityGroupNotFound' });
  });

  it('clusters and replication groups: security groups, port, members', async () => {
    const cluster = (id: string) => () =>
      sdk.elasticache
        .send(new DescribeCacheClustersCommand({ CacheClusterId: id, ShowCacheNodeInfo: true }))
        .then(({ CacheClusters: [found] = [] }) => ({
          cacheClusterId: found?.CacheClusterId,
          replicationGroupId: found?.ReplicationGroupId,
          securityGroupIds: (found?.SecurityGroups ?? []).map((group) => group.SecurityGroupId),
          port: found?.CacheNodes?.find((node) => node.Endpoint?.Port !== undefined)?.Endpoint?.Port ?? found?.ConfigurationEndpoint?.Port,
        }))
        .catch(byCode(elastiCacheCodes));
    await expect(same('elasticache', () => ours.elasticache.describeCacheCluster('orders-cache-001'), cluster('orders-cache-001'))).resolves.toEqual({
      value: { cacheClusterId: 'orders-cache-001', replicationGroupId: 'orders-cache', securityGroupIds: [MANAGED, 'sg-0095000000000001'], port: 6379 },
    });
    await expect(same('elasticache', () => ours.elasticache.describeCacheCluster('sessions-mc'), cluster('sessions-mc'))).resolves.toMatchObject({ value: { port: 11211 } });
    await expect(same('elasticache', () => ours.elasticache.describeCacheCluster('nope'), cluster('nope'))).resolves.toEqual({ error: 'CacheClusterNotFound' });
    const members = (id: string) => () =>
      sdk.elasticache.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: id })).then(({ ReplicationGroups: [group] = [] }) => group?.MemberClusters);
    await expect(same('elasticache', () => ours.elasticache.replicationGroupMembers('orders-cache'), members('orders-cache'))).resolves.toEqual({
      value: ['orders-cache-001', 'orders-cache-002'],
    });
    await expect(same('elasticache', () => ours.elasticache.replicationGroupMembers('nope'), members('nope'))).resolves.toEqual({ error: 'ReplicationGroupNotFoundFault' });
  });
});

describe('EC2', () => {
  const sdkAuthorize = (source: { groupId: string; userId?: string; description?: string }, requestId: string) =>
    sdk.ec2
      .send(
        new AuthorizeSecurityGroupIngressCommand({
          GroupId: MANAGED,
          IpPermissions: [{ IpProtocol: 'tcp', FromPort: 6379, ToPort: 6379, UserIdGroupPairs: [{ GroupId: source.groupId, UserId: source.userId, Description: source.description }] }],
          TagSpecifications: [{ ResourceType: 'security-group-rule', Tags: [{ Key: 'cachegate-request', Value: requestId }] }],
        }),
      )
      .then((output) => (output.SecurityGroupRules ?? []).map(ruleFromSdk));
  const oursAuthorize = (source: { groupId: string; userId?: string; description?: string }, requestId: string) =>
    ours.ec2.authorizeSecurityGroupIngress({ groupId: MANAGED, ipProtocol: 'tcp', fromPort: 6379, toPort: 6379, source, tags: { 'cachegate-request': requestId } });
  const sdkRules = async (filters: { name: string; values: string[] }[], pageSize: number) => {
    const rules: ReturnType<typeof ruleFromSdk>[] = [];
    for await (const page of paginateDescribeSecurityGroupRules({ client: sdk.ec2, pageSize }, { Filters: filters.map((f) => ({ Name: f.name, Values: f.values })) })) {
      rules.push(...(page.SecurityGroupRules ?? []).map(ruleFromSdk));
    }
    return rules;
  };

  it('rules: authorize (tagged, described, cross-account), describe page by page, describe again, revoke, and the errors', async () => {
    const created = await same('ec2', () => oursAuthorize({ groupId: APP, description: 'cachegate r-1 alice@example.com until revoked' }, 'r-1'), () =>
      sdkAuthorize({ groupId: APP, description: 'cachegate r-1 alice@example.com until revoked' }, 'r-1'),
    );
    expect(created).toMatchObject({
      value: [{ groupId: MANAGED, isEgress: false, ipProtocol: 'tcp', fromPort: 6379, toPort: 6379, referencedGroupInfo: { groupId: APP, userId: OWNER }, tags: [{ key: 'cachegate-request', value: 'r-1' }] }],
    });
    for (let i = 1; i <= 6; i++) await same('ec2', () => oursAuthorize({ groupId: peerGroup(i), userId: PEER }, `r-peer-${i}`), () => sdkAuthorize({ groupId: peerGroup(i), userId: PEER }, `r-peer-${i}`));
    // Eight rules (the seeded egress rule and seven ingress rules) at five a page: two pages (NextToken).
    const all = await same('ec2', () => ours.ec2.describeSecurityGroupRules([{ name: 'group-id', values: [MANAGED] }], 5), () => sdkRules([{ name: 'group-id', values: [MANAGED] }], 5));
    expect((all as { value: unknown[] }).value).toHaveLength(8);
    expect(oursSent.slice(-2).map((request) => new URLSearchParams(request.body).has('NextToken'))).toEqual([false, true]);
    const tagged = [{ name: 'group-id', values: [MANAGED] }, { name: 'tag:cachegate-request', values: ['r-peer-3', 'r-peer-4'] }];
    await expect(same('ec2', () => ours.ec2.describeSecurityGroupRules(tagged), () => sdkRules(tagged, 1000))).resolves.toMatchObject({
      value: [{ referencedGroupInfo: { groupId: peerGroup(3), userId: PEER } }, { referencedGroupInfo: { groupId: peerGroup(4), userId: PEER } }],
    });

    const ruleId = (created as { value: { securityGroupRuleId: string }[] }).value[0]?.securityGroupRuleId as string;
    await same('ec2', () => ours.ec2.updateRuleDescription(MANAGED, ruleId, 'cachegate r-1 alice@example.com until 2026-11-29T12:00:00Z'), () =>
      sdk.ec2
        .send(new UpdateSecurityGroupRuleDescriptionsIngressCommand({ GroupId: MANAGED, SecurityGroupRuleDescriptions: [{ SecurityGroupRuleId: ruleId, Description: 'cachegate r-1 alice@example.com until 2026-11-29T12:00:00Z' }] }))
        .then(() => undefined),
    );
    const byRequest = [{ name: 'tag:cachegate-request', values: ['r-1'] }];
    await expect(same('ec2', () => ours.ec2.describeSecurityGroupRules(byRequest), () => sdkRules(byRequest, 1000))).resolves.toMatchObject({
      value: [{ description: 'cachegate r-1 alice@example.com until 2026-11-29T12:00:00Z' }],
    });
    await expect(same('ec2', () => oursAuthorize({ groupId: APP }, 'r-2'), () => sdkAuthorize({ groupId: APP }, 'r-2'))).resolves.toEqual({ error: 'InvalidPermission.Duplicate' });
    const revoke = () => sdk.ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: MANAGED, SecurityGroupRuleIds: [ruleId] })).then(() => undefined);
    await expect(same('ec2', () => ours.ec2.revokeSecurityGroupIngress(MANAGED, [ruleId]), revoke)).resolves.toEqual({ value: undefined });
    await expect(same('ec2', () => ours.ec2.revokeSecurityGroupIngress(MANAGED, [ruleId]), revoke)).resolves.toEqual({ error: 'InvalidSecurityGroupRuleId.NotFound' });
    const ghost = () => sdk.ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: 'sg-0000000000000dead', SecurityGroupRuleIds: [ruleId] })).then(() => undefined);
    await expect(same('ec2', () => ours.ec2.revokeSecurityGroupIngress('sg-0000000000000dead', [ruleId]), ghost)).resolves.toEqual({ error: 'InvalidGroup.NotFound' });
  });
});

describe('retries', () => {
  afterEach(() => oursEmulator.faults.reset());

  it('throttling is tried again, up to 3 attempts in all; the error carries its code and HTTP status', async () => {
    oursEmulator.faults.set({ throttlingRate: 0.5 });
    let before = oursEmulator.callCount();
    await expect(ours.elasticache.describeCacheSecurityGroup('default')).resolves.toMatchObject({ cacheSecurityGroupName: 'default' });
    expect(oursEmulator.callCount() - before).toBe(2);
    oursEmulator.faults.set({ throttlingRate: 1 });
    before = oursEmulator.callCount();
    await expect(ours.ec2.describeSecurityGroupRules([{ name: 'group-id', values: [MANAGED] }])).rejects.toMatchObject({ name: 'RequestLimitExceeded', httpStatus: 503, retryable: true });
    expect(oursEmulator.callCount() - before).toBe(3);
  });

  it('a 5xx is tried again; any other error is not', async () => {
    oursEmulator.faults.set({ failOperation: { DescribeCacheClusters: { code: 'InternalFailure', status: 500, times: 1 } } });
    let before = oursEmulator.callCount();
    await expect(ours.elasticache.describeCacheCluster('sessions-mc')).resolves.toMatchObject({ port: 11211 });
    expect(oursEmulator.callCount() - before).toBe(2);
    oursEmulator.faults.set({ failOperation: { DescribeCacheClusters: { code: 'AccessDenied', status: 403, message: 'not allowed' } } });
    before = oursEmulator.callCount();
    const denied = ours.elasticache.describeCacheCluster('sessions-mc');
    await expect(denied).rejects.toBeInstanceOf(ours.query.AwsQueryError);
    await expect(denied).rejects.toMatchObject({ name: 'AccessDenied', httpStatus: 403, retryable: false, message: 'ElastiCache DescribeCacheClusters: AccessDenied: not allowed' });
    expect(oursEmulator.callCount() - before).toBe(1);
  });
});
