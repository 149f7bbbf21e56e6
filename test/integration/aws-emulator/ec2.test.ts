/**
 * The EC2 half of the emulator, driven by the real @aws-sdk/client-ec2: security group rules created,
 * described (filters, ids, paging), revoked two ways, and every error code the VPC driver maps.
 */
import type { EC2Client, IpPermission } from '@aws-sdk/client-ec2';
import {
  AuthorizeSecurityGroupIngressCommand,
  DescribeSecurityGroupRulesCommand,
  DescribeSecurityGroupsCommand,
  paginateDescribeSecurityGroupRules,
  RevokeSecurityGroupIngressCommand,
} from '@aws-sdk/client-ec2';
import type { AwsEmulator } from '../../../local/aws-emulator/index.js';
import { emulatorClients, ManualClock, startAwsEmulator } from '../../../local/aws-emulator/index.js';

const OWNER = '987654321021';
const MANAGED = 'sg-0cac4e9a7e0000001';
const APP = 'sg-0a99000000000001';
const OTHER_APP = 'sg-0a99000000000002';
const SPARE = 'sg-0cac4e9a7e0000009';
const VPC = 'vpc-0de70000000000001';

const seed = {
  ownerId: OWNER,
  securityGroups: [
    { groupId: MANAGED, groupName: 'cachegate-orders', vpcId: VPC },
    { groupId: APP, groupName: 'orders-app', vpcId: VPC },
    { groupId: OTHER_APP, groupName: 'billing-app', vpcId: VPC },
    { groupId: SPARE, groupName: 'spare', vpcId: VPC },
  ],
};

let emu: AwsEmulator;
let ec2: EC2Client;
const clock = new ManualClock();

beforeAll(async () => {
  emu = await startAwsEmulator({ seed, clock });
  ec2 = emulatorClients(emu, { maxAttempts: 1 }).ec2;
});

afterAll(async () => {
  ec2.destroy();
  await emu.close();
});

function fromGroup(groupId: string, port = 6379, extra: { UserId?: string; Description?: string } = {}): IpPermission {
  return { IpProtocol: 'tcp', FromPort: port, ToPort: port, UserIdGroupPairs: [{ GroupId: groupId, ...extra }] };
}

const tagged = (requestId: string) => [{ ResourceType: 'security-group-rule' as const, Tags: [{ Key: 'cachegate-request', Value: requestId }] }];

describe('AuthorizeSecurityGroupIngress', () => {
  test('creates a tagged rule and answers with its sgr- id and every member', async () => {
    const out = await ec2.send(
      new AuthorizeSecurityGroupIngressCommand({ GroupId: MANAGED, IpPermissions: [fromGroup(APP, 6379, { Description: 'cachegate r-1 alice until revoked' })], TagSpecifications: tagged('r-1') }),
    );
    expect(out.Return).toBe(true);
    expect(out.SecurityGroupRules).toEqual([
      {
        SecurityGroupRuleId: expect.stringMatching(/^sgr-[0-9a-f]{17}$/),
        GroupId: MANAGED,
        GroupOwnerId: OWNER,
        IsEgress: false,
        IpProtocol: 'tcp',
        FromPort: 6379,
        ToPort: 6379,
        ReferencedGroupInfo: { GroupId: APP, UserId: OWNER },
        Description: 'cachegate r-1 alice until revoked',
        Tags: [{ Key: 'cachegate-request', Value: 'r-1' }],
      },
    ]);
  });

  test('the same rule again is InvalidPermission.Duplicate (400), even with another description', async () => {
    await expect(
      ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: MANAGED, IpPermissions: [fromGroup(APP, 6379, { Description: 'other' })] })),
    ).rejects.toMatchObject({ name: 'InvalidPermission.Duplicate', message: expect.stringContaining(`peer: ${APP}, TCP, from port: 6379`), $metadata: { httpStatusCode: 400 } });
  });

  test('a cross-account source keeps its UserId and is not looked up', async () => {
    const out = await ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: MANAGED, IpPermissions: [fromGroup('sg-0aaaabbbbcccc0001', 6379, { UserId: '111122223333' })] }));
    expect(out.SecurityGroupRules?.[0]?.ReferencedGroupInfo).toEqual({ GroupId: 'sg-0aaaabbbbcccc0001', UserId: '111122223333' });
  });

  test('an unknown target or same-account source group is InvalidGroup.NotFound; a malformed id is InvalidGroupId.Malformed', async () => {
    await expect(ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: 'sg-0000000000000dead', IpPermissions: [fromGroup(APP)] }))).rejects.toMatchObject({
      name: 'InvalidGroup.NotFound',
      $metadata: { httpStatusCode: 400 },
    });
    await expect(ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: MANAGED, IpPermissions: [fromGroup('sg-0000000000000beef')] }))).rejects.toMatchObject({
      name: 'InvalidGroup.NotFound',
    });
    for (const GroupId of ['sg-XYZ', 'app-servers', 'sg-123']) {
      await expect(ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId, IpPermissions: [fromGroup(APP)] }))).rejects.toMatchObject({
        name: 'InvalidGroupId.Malformed',
        $metadata: { httpStatusCode: 400 },
      });
    }
  });

  test('descriptions outside EC2’s character set, bad ports and unknown protocols are InvalidParameterValue', async () => {
    const bad: IpPermission[] = [
      fromGroup(OTHER_APP, 6379, { Description: 'Zoë <ops>' }),
      fromGroup(OTHER_APP, 6379, { Description: 'x'.repeat(256) }),
      { IpProtocol: 'tcp', FromPort: 7000, ToPort: 6000, UserIdGroupPairs: [{ GroupId: OTHER_APP }] },
      { IpProtocol: 'tcp', FromPort: 70000, ToPort: 70000, UserIdGroupPairs: [{ GroupId: OTHER_APP }] },
      { IpProtocol: 'sctp-ish', FromPort: 1, ToPort: 1, UserIdGroupPairs: [{ GroupId: OTHER_APP }] },
      { IpProtocol: 'tcp', FromPort: 1, ToPort: 1, IpRanges: [{ CidrIp: '10.0.0.0/33' }] },
    ];
    for (const permission of bad) {
      await expect(ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: MANAGED, IpPermissions: [permission] }))).rejects.toMatchObject({
        name: 'InvalidParameterValue',
        $metadata: { httpStatusCode: 400 },
      });
    }
    expect(emu.inspect().securityGroupRules.filter((rule) => rule.referencedGroupId === OTHER_APP)).toEqual([]);
  });

  test('tags for another resource type are InvalidParameterValue; a missing GroupId is MissingParameter', async () => {
    await expect(
      ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: MANAGED, IpPermissions: [fromGroup(OTHER_APP)], TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'a', Value: 'b' }] }] })),
    ).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    await expect(ec2.send(new AuthorizeSecurityGroupIngressCommand({ IpPermissions: [fromGroup(OTHER_APP)] }))).rejects.toMatchObject({
      name: 'MissingParameter',
      message: expect.stringContaining('groupId'),
      $metadata: { httpStatusCode: 400 },
    });
  });

  test('an IpRanges source works too, and shows in DescribeSecurityGroups', async () => {
    await ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: SPARE, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '10.1.0.0/16', Description: 'bastion' }] }] }));
    const out = await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [SPARE] }));
    const [group] = out.SecurityGroups ?? [];
    expect(group).toMatchObject({ GroupId: SPARE, GroupName: 'spare', VpcId: VPC, OwnerId: OWNER });
    expect(group?.IpPermissions).toEqual([
      { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, UserIdGroupPairs: [], IpRanges: [{ CidrIp: '10.1.0.0/16', Description: 'bastion' }], Ipv6Ranges: [], PrefixListIds: [] },
    ]);
    // Every VPC group starts with the allow-all outbound rule.
    expect(group?.IpPermissionsEgress?.[0]).toMatchObject({ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] });
  });

  test('DescribeSecurityGroups on an unknown or malformed id fails like EC2', async () => {
    await expect(ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: ['sg-0000000000000dead'] }))).rejects.toMatchObject({ name: 'InvalidGroup.NotFound' });
    await expect(ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: ['nope'] }))).rejects.toMatchObject({ name: 'InvalidGroupId.Malformed' });
  });
});

describe('RulesPerSecurityGroupLimitExceeded', () => {
  test('the configured inbound limit is enforced and nothing is half-created', async () => {
    const limited = await startAwsEmulator({ seed, rulesPerGroupLimit: 2 });
    const { ec2: client } = emulatorClients(limited, { maxAttempts: 1 });
    try {
      await client.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: MANAGED, IpPermissions: [fromGroup(APP, 1), fromGroup(APP, 2)] }));
      await expect(client.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: MANAGED, IpPermissions: [fromGroup(APP, 3)] }))).rejects.toMatchObject({
        name: 'RulesPerSecurityGroupLimitExceeded',
        $metadata: { httpStatusCode: 400 },
      });
      expect(limited.inspect().securityGroupRules.filter((rule) => rule.groupId === MANAGED && !rule.isEgress)).toHaveLength(2);
    } finally {
      client.destroy();
      await limited.close();
    }
  });
});

describe('DescribeSecurityGroupRules', () => {
  test('filters by group-id and tag:<key>, and by rule id', async () => {
    const created = await ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: MANAGED, IpPermissions: [fromGroup(APP, 7000)], TagSpecifications: tagged('r-describe') }));
    const ruleId = created.SecurityGroupRules?.[0]?.SecurityGroupRuleId ?? '';

    const byTag = await ec2.send(new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: 'group-id', Values: [MANAGED] }, { Name: 'tag:cachegate-request', Values: ['r-describe'] }] }));
    expect(byTag.SecurityGroupRules?.map((rule) => rule.SecurityGroupRuleId)).toEqual([ruleId]);

    const byFilterId = await ec2.send(new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: 'security-group-rule-id', Values: [ruleId] }] }));
    expect(byFilterId.SecurityGroupRules?.[0]?.FromPort).toBe(7000);

    const byId = await ec2.send(new DescribeSecurityGroupRulesCommand({ SecurityGroupRuleIds: [ruleId] }));
    expect(byId.SecurityGroupRules?.[0]?.Tags).toEqual([{ Key: 'cachegate-request', Value: 'r-describe' }]);

    const byGroup = await ec2.send(new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: 'group-id', Values: [MANAGED] }] }));
    expect(byGroup.SecurityGroupRules?.some((rule) => rule.IsEgress === true)).toBe(true);
    expect(byGroup.SecurityGroupRules?.every((rule) => rule.GroupId === MANAGED)).toBe(true);

    const none = await ec2.send(new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: 'tag:cachegate-request', Values: ['no-such-request'] }] }));
    expect(none.SecurityGroupRules).toEqual([]);
  });

  test('unknown rule ids, malformed ids and unknown filters fail like EC2', async () => {
    await expect(ec2.send(new DescribeSecurityGroupRulesCommand({ SecurityGroupRuleIds: ['sgr-0000000000000dead'] }))).rejects.toMatchObject({
      name: 'InvalidSecurityGroupRuleId.NotFound',
    });
    await expect(ec2.send(new DescribeSecurityGroupRulesCommand({ SecurityGroupRuleIds: ['rule-1'] }))).rejects.toMatchObject({ name: 'InvalidSecurityGroupRuleId.Malformed' });
    await expect(ec2.send(new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: 'colour', Values: ['blue'] }] }))).rejects.toMatchObject({
      name: 'InvalidParameterValue',
      message: expect.stringContaining("'colour'"),
    });
    await expect(ec2.send(new DescribeSecurityGroupRulesCommand({ MaxResults: 4 }))).rejects.toMatchObject({ name: 'InvalidParameterValue' });
  });

  test('MaxResults / NextToken pages through every rule once (SDK paginator)', async () => {
    const many = await startAwsEmulator({ seed });
    const { ec2: client } = emulatorClients(many, { maxAttempts: 1 });
    try {
      await client.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: MANAGED, IpPermissions: Array.from({ length: 12 }, (_, i) => fromGroup(APP, 8000 + i)) }));
      const pages: number[][] = [];
      for await (const page of paginateDescribeSecurityGroupRules({ client, pageSize: 5 }, { Filters: [{ Name: 'group-id', Values: [MANAGED] }] })) {
        pages.push((page.SecurityGroupRules ?? []).map((rule) => rule.FromPort ?? 0));
      }
      // 12 ingress rules and the default egress rule.
      expect(pages.map((page) => page.length)).toEqual([5, 5, 3]);
      expect(new Set(pages.flat().filter((port) => port >= 8000)).size).toBe(12);
    } finally {
      client.destroy();
      await many.close();
    }
  });

  test('with an EC2 propagation delay, a new rule shows only once the delay has passed', async () => {
    const slowClock = new ManualClock();
    const slow = await startAwsEmulator({ seed, clock: slowClock, ec2PropagationDelayMs: 5_000 });
    const { ec2: client } = emulatorClients(slow, { maxAttempts: 1 });
    try {
      await client.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: MANAGED, IpPermissions: [fromGroup(APP)], TagSpecifications: tagged('r-slow') }));
      const query = new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: 'tag:cachegate-request', Values: ['r-slow'] }] });
      expect((await client.send(query)).SecurityGroupRules).toEqual([]);
      // Already there for duplicate detection, though.
      await expect(client.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: MANAGED, IpPermissions: [fromGroup(APP)] }))).rejects.toMatchObject({ name: 'InvalidPermission.Duplicate' });
      slowClock.advance(4_999);
      expect((await client.send(query)).SecurityGroupRules).toEqual([]);
      slowClock.advance(1);
      expect((await client.send(query)).SecurityGroupRules).toHaveLength(1);
    } finally {
      client.destroy();
      await slow.close();
    }
  });
});

describe('RevokeSecurityGroupIngress', () => {
  test('by rule id removes exactly that rule and reports it', async () => {
    const a = await ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: MANAGED, IpPermissions: [fromGroup(OTHER_APP, 6379)] }));
    const b = await ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: MANAGED, IpPermissions: [fromGroup(OTHER_APP, 6380)] }));
    const ruleA = a.SecurityGroupRules?.[0]?.SecurityGroupRuleId ?? '';
    const ruleB = b.SecurityGroupRules?.[0]?.SecurityGroupRuleId ?? '';
    const out = await ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: MANAGED, SecurityGroupRuleIds: [ruleA] }));
    expect(out.Return).toBe(true);
    expect(out.RevokedSecurityGroupRules).toEqual([
      { SecurityGroupRuleId: ruleA, GroupId: MANAGED, IsEgress: false, IpProtocol: 'tcp', FromPort: 6379, ToPort: 6379, ReferencedGroupId: OTHER_APP },
    ]);
    const ids = emu.inspect().securityGroupRules.map((rule) => rule.ruleId);
    expect(ids).not.toContain(ruleA);
    expect(ids).toContain(ruleB);
  });

  test('by IpPermissions removes the equal rule', async () => {
    await ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: SPARE, IpPermissions: [fromGroup(APP, 5432)] }));
    const out = await ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: SPARE, IpPermissions: [fromGroup(APP, 5432)] }));
    expect(out.RevokedSecurityGroupRules?.map((rule) => rule.FromPort)).toEqual([5432]);
    expect(emu.inspect().securityGroupRules.some((rule) => rule.groupId === SPARE && rule.fromPort === 5432)).toBe(false);
  });

  test('a rule that is not there is InvalidPermission.NotFound (by permissions) or InvalidSecurityGroupRuleId.NotFound (by id)', async () => {
    await expect(ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: SPARE, IpPermissions: [fromGroup(APP, 1234)] }))).rejects.toMatchObject({
      name: 'InvalidPermission.NotFound',
      $metadata: { httpStatusCode: 400 },
    });
    await expect(ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: SPARE, SecurityGroupRuleIds: ['sgr-0000000000000dead'] }))).rejects.toMatchObject({
      name: 'InvalidSecurityGroupRuleId.NotFound',
    });
  });

  test('a rule of another group cannot be revoked through this one', async () => {
    const created = await ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: SPARE, IpPermissions: [fromGroup(APP, 9999)] }));
    const ruleId = created.SecurityGroupRules?.[0]?.SecurityGroupRuleId ?? '';
    await expect(ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: MANAGED, SecurityGroupRuleIds: [ruleId] }))).rejects.toMatchObject({
      name: 'InvalidSecurityGroupRuleId.NotFound',
    });
    expect(emu.inspect().securityGroupRules.map((rule) => rule.ruleId)).toContain(ruleId);
  });
});
