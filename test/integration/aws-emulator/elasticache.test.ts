/**
 * The ElastiCache half of the emulator, driven by the real @aws-sdk/client-elasticache: every operation,
 * every modelled error by the SDK's name and HTTP status, and paging through the SDK's paginator.
 */
import type { ElastiCacheClient } from '@aws-sdk/client-elasticache';
import {
  AuthorizeCacheSecurityGroupIngressCommand,
  CreateCacheSecurityGroupCommand,
  DeleteCacheSecurityGroupCommand,
  DescribeCacheClustersCommand,
  DescribeCacheSecurityGroupsCommand,
  DescribeReplicationGroupsCommand,
  paginateDescribeCacheSecurityGroups,
  RevokeCacheSecurityGroupIngressCommand,
} from '@aws-sdk/client-elasticache';
import type { AwsEmulator } from '../../../local/aws-emulator/index.js';
import { DEMO_SEED_PATH, emulatorClients, ManualClock, startAwsEmulator } from '../../../local/aws-emulator/index.js';

const OWNER = '987654321021';
let emu: AwsEmulator;
let client: ElastiCacheClient;
const clock = new ManualClock();

beforeAll(async () => {
  emu = await startAwsEmulator({ seed: DEMO_SEED_PATH, clock, propagationDelayMs: 60_000 });
  client = emulatorClients(emu, { maxAttempts: 1 }).elasticache;
});

afterAll(async () => {
  client.destroy();
  await emu.close();
});

const authorize = (group: string, ec2Group = 'myec2group', owner = OWNER) =>
  client.send(new AuthorizeCacheSecurityGroupIngressCommand({ CacheSecurityGroupName: group, EC2SecurityGroupName: ec2Group, EC2SecurityGroupOwnerId: owner }));
const revoke = (group: string, ec2Group = 'myec2group', owner = OWNER) =>
  client.send(new RevokeCacheSecurityGroupIngressCommand({ CacheSecurityGroupName: group, EC2SecurityGroupName: ec2Group, EC2SecurityGroupOwnerId: owner }));

describe('cache security groups', () => {
  test('create stores the name lowercase, with an empty EC2SecurityGroups list, and describe finds it in any case', async () => {
    const created = await client.send(new CreateCacheSecurityGroupCommand({ CacheSecurityGroupName: 'Create-Test', Description: 'for <tests> & "quotes"' }));
    expect(created.CacheSecurityGroup).toEqual({
      OwnerId: OWNER,
      CacheSecurityGroupName: 'create-test',
      Description: 'for <tests> & "quotes"',
      EC2SecurityGroups: [],
      ARN: `arn:aws:elasticache:us-east-1:${OWNER}:securitygroup:create-test`,
    });
    expect(created.$metadata.httpStatusCode).toBe(200);
    expect(created.$metadata.requestId).toMatch(/^[0-9a-f-]{36}$/);

    const described = await client.send(new DescribeCacheSecurityGroupsCommand({ CacheSecurityGroupName: 'CREATE-TEST' }));
    expect(described.CacheSecurityGroups?.map((group) => group.CacheSecurityGroupName)).toEqual(['create-test']);
    expect(described.Marker).toBeUndefined();
  });

  test('creating a name that differs only in case fails with CacheSecurityGroupAlreadyExistsFault (400)', async () => {
    await client.send(new CreateCacheSecurityGroupCommand({ CacheSecurityGroupName: 'dup-test', Description: 'x' }));
    await expect(client.send(new CreateCacheSecurityGroupCommand({ CacheSecurityGroupName: 'DUP-test', Description: 'y' }))).rejects.toMatchObject({
      name: 'CacheSecurityGroupAlreadyExistsFault',
      $fault: 'client',
      $metadata: { httpStatusCode: 400 },
    });
  });

  test('invalid names, "Default" and a missing description are InvalidParameterValueException (400)', async () => {
    for (const input of [
      { CacheSecurityGroupName: 'bad_name!', Description: 'x' },
      { CacheSecurityGroupName: 'Default', Description: 'x' },
      { CacheSecurityGroupName: 'no-description' },
      { CacheSecurityGroupName: 'x'.repeat(256), Description: 'x' },
    ]) {
      await expect(client.send(new CreateCacheSecurityGroupCommand(input as { CacheSecurityGroupName: string; Description: string }))).rejects.toMatchObject({
        name: 'InvalidParameterValueException',
        $metadata: { httpStatusCode: 400 },
      });
    }
  });

  test('more than 50 tags is TagQuotaPerResourceExceeded', async () => {
    const Tags = Array.from({ length: 51 }, (_, i) => ({ Key: `k${i}`, Value: 'v' }));
    await expect(client.send(new CreateCacheSecurityGroupCommand({ CacheSecurityGroupName: 'tagged', Description: 'x', Tags }))).rejects.toMatchObject({
      name: 'TagQuotaPerResourceExceeded',
      $metadata: { httpStatusCode: 400 },
    });
  });

  test('the group quota is CacheSecurityGroupQuotaExceededFault', async () => {
    const small = await startAwsEmulator({ cacheSecurityGroupQuota: 2 });
    const { elasticache } = emulatorClients(small, { maxAttempts: 1 });
    try {
      await elasticache.send(new CreateCacheSecurityGroupCommand({ CacheSecurityGroupName: 'one', Description: 'x' }));
      await expect(elasticache.send(new CreateCacheSecurityGroupCommand({ CacheSecurityGroupName: 'two', Description: 'x' }))).rejects.toMatchObject({
        name: 'CacheSecurityGroupQuotaExceededFault',
        $metadata: { httpStatusCode: 400 },
      });
    } finally {
      elasticache.destroy();
      await small.close();
    }
  });

  test('describing, authorizing on, revoking from and deleting a missing group is CacheSecurityGroupNotFoundFault (404)', async () => {
    const calls = [
      () => client.send(new DescribeCacheSecurityGroupsCommand({ CacheSecurityGroupName: 'nope' })),
      () => authorize('nope'),
      () => revoke('nope'),
      () => client.send(new DeleteCacheSecurityGroupCommand({ CacheSecurityGroupName: 'nope' })),
    ];
    for (const call of calls) {
      await expect(call()).rejects.toMatchObject({ name: 'CacheSecurityGroupNotFoundFault', $metadata: { httpStatusCode: 404 } });
    }
  });

  test('delete removes the group and answers with no result; default and groups in use cannot be deleted', async () => {
    await client.send(new CreateCacheSecurityGroupCommand({ CacheSecurityGroupName: 'delete-me', Description: 'x' }));
    const deleted = await client.send(new DeleteCacheSecurityGroupCommand({ CacheSecurityGroupName: 'Delete-Me' }));
    expect(deleted.$metadata.httpStatusCode).toBe(200);
    await expect(client.send(new DescribeCacheSecurityGroupsCommand({ CacheSecurityGroupName: 'delete-me' }))).rejects.toMatchObject({
      name: 'CacheSecurityGroupNotFoundFault',
    });
    await expect(client.send(new DeleteCacheSecurityGroupCommand({ CacheSecurityGroupName: 'default' }))).rejects.toMatchObject({
      name: 'InvalidParameterValueException',
      $metadata: { httpStatusCode: 400 },
    });

    const classic = await startAwsEmulator({
      seed: { cacheSecurityGroups: [{ name: 'in-use', description: 'x' }], cacheClusters: [{ cacheClusterId: 'classic-1', engine: 'memcached', port: 11211, cacheSecurityGroupNames: ['in-use'] }] },
    });
    const { elasticache } = emulatorClients(classic, { maxAttempts: 1 });
    try {
      await expect(elasticache.send(new DeleteCacheSecurityGroupCommand({ CacheSecurityGroupName: 'in-use' }))).rejects.toMatchObject({
        name: 'InvalidCacheSecurityGroupStateFault',
        $metadata: { httpStatusCode: 400 },
      });
    } finally {
      elasticache.destroy();
      await classic.close();
    }
  });
});

describe('paging DescribeCacheSecurityGroups', () => {
  let paged: AwsEmulator;
  let pagedClient: ElastiCacheClient;

  beforeAll(async () => {
    const cacheSecurityGroups = Array.from({ length: 45 }, (_, i) => ({ name: `group-${String(i).padStart(2, '0')}`, description: `group ${i}` }));
    paged = await startAwsEmulator({ seed: { cacheSecurityGroups } });
    pagedClient = emulatorClients(paged, { maxAttempts: 1 }).elasticache;
  });

  afterAll(async () => {
    pagedClient.destroy();
    await paged.close();
  });

  test('the SDK paginator walks every group exactly once in pages of MaxRecords', async () => {
    const pages: string[][] = [];
    for await (const page of paginateDescribeCacheSecurityGroups({ client: pagedClient, pageSize: 20 }, {})) {
      pages.push((page.CacheSecurityGroups ?? []).map((group) => group.CacheSecurityGroupName ?? ''));
    }
    expect(pages.map((page) => page.length)).toEqual([20, 20, 6]); // 45 seeded + default
    const names = pages.flat();
    expect(new Set(names).size).toBe(46);
    expect(names).toContain('default');
    expect(paged.callCount('DescribeCacheSecurityGroups')).toBe(3);
  });

  test('without MaxRecords a page holds 100, so one page has them all and no Marker', async () => {
    const all = await pagedClient.send(new DescribeCacheSecurityGroupsCommand({}));
    expect(all.CacheSecurityGroups).toHaveLength(46);
    expect(all.Marker).toBeUndefined();
  });

  test('MaxRecords outside 20..100 and a made-up Marker are InvalidParameterValueException', async () => {
    for (const input of [{ MaxRecords: 19 }, { MaxRecords: 101 }, { Marker: 'not-a-marker' }]) {
      await expect(pagedClient.send(new DescribeCacheSecurityGroupsCommand(input))).rejects.toMatchObject({
        name: 'InvalidParameterValueException',
        $metadata: { httpStatusCode: 400 },
      });
    }
  });
});

describe('authorizations', () => {
  beforeAll(async () => {
    await client.send(new CreateCacheSecurityGroupCommand({ CacheSecurityGroupName: 'auth-test', Description: 'x' }));
  });

  test('authorize answers with the whole group and the entry authorizing', async () => {
    const out = await authorize('auth-test');
    expect(out.CacheSecurityGroup?.EC2SecurityGroups).toEqual([{ Status: 'authorizing', EC2SecurityGroupName: 'myec2group', EC2SecurityGroupOwnerId: OWNER }]);
    expect(out.CacheSecurityGroup?.CacheSecurityGroupName).toBe('auth-test');
  });

  test('authorizing the same group again is AuthorizationAlreadyExistsFault (400)', async () => {
    await expect(authorize('auth-test')).rejects.toMatchObject({ name: 'AuthorizationAlreadyExistsFault', $metadata: { httpStatusCode: 400 } });
  });

  test('a dashed owner id is accepted and stored as 12 digits', async () => {
    const out = await authorize('auth-test', 'partner-group', '1111-2222-3333');
    expect(out.CacheSecurityGroup?.EC2SecurityGroups).toContainEqual({ Status: 'authorizing', EC2SecurityGroupName: 'partner-group', EC2SecurityGroupOwnerId: '111122223333' });
    await expect(authorize('auth-test', 'partner-group', '111122223333')).rejects.toMatchObject({ name: 'AuthorizationAlreadyExistsFault' });
  });

  test('bad owner ids, bad EC2 names and an unknown group of this account are InvalidParameterValueException', async () => {
    for (const [group, owner] of [
      ['myec2group', '12345'],
      ['myec2group', 'AKIAIOSFODNN7EXAMPLE'],
      ['myec2group', '1234-5678-901'],
      ['bad\u0001name', OWNER],
      ['no-such-ec2-group', OWNER],
    ] as const) {
      await expect(authorize('auth-test', group, owner)).rejects.toMatchObject({ name: 'InvalidParameterValueException', $metadata: { httpStatusCode: 400 } });
    }
  });

  test('a missing required parameter is InvalidParameterValueException, not a crash', async () => {
    await expect(
      client.send(new AuthorizeCacheSecurityGroupIngressCommand({ CacheSecurityGroupName: 'auth-test', EC2SecurityGroupName: 'myec2group' } as never)),
    ).rejects.toMatchObject({ name: 'InvalidParameterValueException', message: expect.stringContaining('EC2SecurityGroupOwnerId'), $metadata: { httpStatusCode: 400 } });
  });

  test('revoking an authorization that is not there is AuthorizationNotFoundFault (404)', async () => {
    await expect(revoke('auth-test', 'never-authorized')).rejects.toMatchObject({ name: 'AuthorizationNotFoundFault', $metadata: { httpStatusCode: 404 } });
  });

  test('revoking one that is still authorizing is InvalidCacheSecurityGroupStateFault (400)', async () => {
    await client.send(new CreateCacheSecurityGroupCommand({ CacheSecurityGroupName: 'early-revoke', Description: 'x' }));
    await authorize('early-revoke');
    await expect(revoke('early-revoke')).rejects.toMatchObject({ name: 'InvalidCacheSecurityGroupStateFault', $metadata: { httpStatusCode: 400 } });
  });

  test('re-authorizing while a revocation is in progress is InvalidCacheSecurityGroupStateFault', async () => {
    await client.send(new CreateCacheSecurityGroupCommand({ CacheSecurityGroupName: 'reauth', Description: 'x' }));
    await authorize('reauth');
    clock.advance(60_000);
    const revoked = await revoke('reauth');
    expect(revoked.CacheSecurityGroup?.EC2SecurityGroups?.[0]?.Status).toBe('revoking');
    await expect(authorize('reauth')).rejects.toMatchObject({ name: 'InvalidCacheSecurityGroupStateFault' });
  });
});

describe('clusters and replication groups', () => {
  test('DescribeCacheClusters with ShowCacheNodeInfo gives node endpoints, ports and VPC security groups', async () => {
    const out = await client.send(new DescribeCacheClustersCommand({ CacheClusterId: 'ORDERS-CACHE-001', ShowCacheNodeInfo: true }));
    const [cluster] = out.CacheClusters ?? [];
    expect(cluster).toMatchObject({
      CacheClusterId: 'orders-cache-001',
      ReplicationGroupId: 'orders-cache',
      Engine: 'redis',
      CacheClusterStatus: 'available',
      SecurityGroups: [
        { SecurityGroupId: 'sg-0cac4e9a7e0000001', Status: 'active' },
        { SecurityGroupId: 'sg-0095000000000001', Status: 'active' },
      ],
    });
    expect(cluster?.CacheNodes?.[0]?.Endpoint?.Port).toBe(6379);
    expect(cluster?.CacheNodes?.[0]?.Endpoint?.Address).toMatch(/^orders-cache-001\./);
  });

  test('without ShowCacheNodeInfo there are no CacheNodes; memcached has a ConfigurationEndpoint', async () => {
    const out = await client.send(new DescribeCacheClustersCommand({ CacheClusterId: 'sessions-mc' }));
    expect(out.CacheClusters?.[0]?.CacheNodes).toBeUndefined();
    expect(out.CacheClusters?.[0]?.ConfigurationEndpoint?.Port).toBe(11211);
    expect(out.CacheClusters?.[0]?.SecurityGroups).toEqual([{ SecurityGroupId: 'sg-0cac4e9a7e0000002', Status: 'active' }]);
  });

  test('all clusters, and only those outside replication groups', async () => {
    const all = await client.send(new DescribeCacheClustersCommand({}));
    expect(all.CacheClusters?.map((cluster) => cluster.CacheClusterId)).toEqual(['orders-cache-001', 'orders-cache-002', 'sessions-mc']);
    const standalone = await client.send(new DescribeCacheClustersCommand({ ShowCacheClustersNotInReplicationGroups: true }));
    expect(standalone.CacheClusters?.map((cluster) => cluster.CacheClusterId)).toEqual(['sessions-mc']);
  });

  test('an unknown cluster is CacheClusterNotFoundFault (404)', async () => {
    await expect(client.send(new DescribeCacheClustersCommand({ CacheClusterId: 'nope' }))).rejects.toMatchObject({
      name: 'CacheClusterNotFoundFault',
      $metadata: { httpStatusCode: 404 },
    });
  });

  test('DescribeReplicationGroups gives member clusters and node groups, and no security groups', async () => {
    const out = await client.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: 'orders-cache' }));
    const [group] = out.ReplicationGroups ?? [];
    expect(group?.MemberClusters).toEqual(['orders-cache-001', 'orders-cache-002']);
    expect(group?.NodeGroups?.[0]?.PrimaryEndpoint?.Port).toBe(6379);
    expect(group?.NodeGroups?.[0]?.NodeGroupMembers?.map((member) => member.CurrentRole)).toEqual(['primary', 'replica']);
    expect(group).not.toHaveProperty('SecurityGroups');
  });

  test('an unknown replication group is ReplicationGroupNotFoundFault (404)', async () => {
    await expect(client.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: 'nope' }))).rejects.toMatchObject({
      name: 'ReplicationGroupNotFoundFault',
      $metadata: { httpStatusCode: 404 },
    });
  });
});
