/**
 * The EC2 half of the emulator, driven by the real @aws-sdk/client-ec2: security group rules created,
 * described (filters, ids, paging), re-described, revoked two ways, every error code the VPC driver
 * maps, and EC2's eventual consistency (a new or revoked rule shows late in the Describe calls).
 */
import type { EC2Client, IpPermission, UpdateSecurityGroupRuleDescriptionsIngressCommandInput } from '@aws-sdk/client-ec2';
import {
  AuthorizeSecurityGroupIngressCommand,
  DescribeSecurityGroupRulesCommand,
  DescribeSecurityGroupsCommand,
  paginateDescribeSecurityGroupRules,
  RevokeSecurityGroupIngressCommand,
  UpdateSecurityGroupRuleDescriptionsIngressCommand,
} from '@aws-sdk/client-ec2';
import type { AwsEmulator } from '../../../local/aws-emulator/index.js';
import { EC2_VISIBILITY_SPREAD, emulatorClients, ManualClock, startAwsEmulator } from '../../../local/aws-emulator/index.js';

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
  emu = await startAwsEmulator({ seed, clock, ec2PropagationDelayMs: 0 });
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
    const limited = await startAwsEmulator({ seed, rulesPerGroupLimit: 2, ec2PropagationDelayMs: 0 });
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
    const many = await startAwsEmulator({ seed, ec2PropagationDelayMs: 0 });
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

describe('DescribeSecurityGroupRules filters', () => {
  test('security-group-rule-id and group-id filters select exactly the named rules; an unknown filter is refused', async () => {
    const a = await ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: SPARE, IpPermissions: [fromGroup(APP, 7001)] }));
    await ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: SPARE, IpPermissions: [fromGroup(APP, 7002)] }));
    const id = a.SecurityGroupRules?.[0]?.SecurityGroupRuleId ?? '';
    const byId = await ec2.send(new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: 'security-group-rule-id', Values: [id] }] }));
    expect(byId.SecurityGroupRules?.map((rule) => rule.SecurityGroupRuleId)).toEqual([id]);
    const both = await ec2.send(
      new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: 'group-id', Values: [SPARE] }, { Name: 'security-group-rule-id', Values: [id, 'sgr-0000000000000ffff'] }] }),
    );
    expect(both.SecurityGroupRules?.map((rule) => rule.FromPort)).toEqual([7001]);
    // A filter that matches nothing is an empty answer, not an error (unlike SecurityGroupRuleIds).
    const none = await ec2.send(new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: 'security-group-rule-id', Values: ['sgr-0000000000000ffff'] }] }));
    expect(none.SecurityGroupRules).toEqual([]);
  });
});

describe('UpdateSecurityGroupRuleDescriptionsIngress', () => {
  async function ruleOn(groupId: string, port: number, description?: string): Promise<string> {
    const out = await ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: groupId, IpPermissions: [fromGroup(OTHER_APP, port, description ? { Description: description } : {})] }));
    return out.SecurityGroupRules?.[0]?.SecurityGroupRuleId ?? '';
  }

  async function descriptionOf(ruleId: string): Promise<string | undefined> {
    const out = await ec2.send(new DescribeSecurityGroupRulesCommand({ SecurityGroupRuleIds: [ruleId] }));
    return out.SecurityGroupRules?.[0]?.Description;
  }

  test('by rule id: replaces the description, answers Return true, and leaves other rules alone', async () => {
    const first = await ruleOn(SPARE, 7101, 'cachegate r-7 alice until revoked');
    const second = await ruleOn(SPARE, 7102, 'untouched');
    const out = await ec2.send(
      new UpdateSecurityGroupRuleDescriptionsIngressCommand({
        GroupId: SPARE,
        SecurityGroupRuleDescriptions: [{ SecurityGroupRuleId: first, Description: 'cachegate r-7 alice until 2026-11-29T12:00:00Z' }],
      }),
    );
    expect(out.Return).toBe(true);
    expect(await descriptionOf(first)).toBe('cachegate r-7 alice until 2026-11-29T12:00:00Z');
    expect(await descriptionOf(second)).toBe('untouched');
  });

  test('by IpPermissions: the source’s Description is the new text; without one the description is removed', async () => {
    const ruleId = await ruleOn(SPARE, 7103, 'old');
    await ec2.send(new UpdateSecurityGroupRuleDescriptionsIngressCommand({ GroupId: SPARE, IpPermissions: [fromGroup(OTHER_APP, 7103, { Description: 'new' })] }));
    expect(await descriptionOf(ruleId)).toBe('new');
    await ec2.send(new UpdateSecurityGroupRuleDescriptionsIngressCommand({ GroupId: SPARE, SecurityGroupRuleDescriptions: [{ SecurityGroupRuleId: ruleId }] }));
    expect(await descriptionOf(ruleId)).toBeUndefined();
  });

  test('errors: unknown rule id or permission, rule of another group, both forms, neither, bad text; nothing changes', async () => {
    const ruleId = await ruleOn(SPARE, 7104, 'keep');
    const send = (input: UpdateSecurityGroupRuleDescriptionsIngressCommandInput) => ec2.send(new UpdateSecurityGroupRuleDescriptionsIngressCommand(input));
    await expect(send({ GroupId: SPARE, SecurityGroupRuleDescriptions: [{ SecurityGroupRuleId: ruleId, Description: 'x' }, { SecurityGroupRuleId: 'sgr-0000000000000ffff', Description: 'x' }] })).rejects.toMatchObject({
      name: 'InvalidSecurityGroupRuleId.NotFound',
      $metadata: { httpStatusCode: 400 },
    });
    await expect(send({ GroupId: MANAGED, SecurityGroupRuleDescriptions: [{ SecurityGroupRuleId: ruleId, Description: 'x' }] })).rejects.toMatchObject({ name: 'InvalidSecurityGroupRuleId.NotFound' });
    await expect(send({ GroupId: SPARE, SecurityGroupRuleDescriptions: [{ SecurityGroupRuleId: 'rule-1', Description: 'x' }] })).rejects.toMatchObject({ name: 'InvalidSecurityGroupRuleId.Malformed' });
    await expect(send({ GroupId: SPARE, IpPermissions: [fromGroup(OTHER_APP, 7199, { Description: 'x' })] })).rejects.toMatchObject({ name: 'InvalidPermission.NotFound' });
    await expect(
      send({ GroupId: SPARE, IpPermissions: [fromGroup(OTHER_APP, 7104)], SecurityGroupRuleDescriptions: [{ SecurityGroupRuleId: ruleId, Description: 'x' }] }),
    ).rejects.toMatchObject({ name: 'InvalidParameterCombination' });
    await expect(send({ GroupId: SPARE })).rejects.toMatchObject({ name: 'MissingParameter' });
    await expect(send({ GroupId: SPARE, SecurityGroupRuleDescriptions: [{ SecurityGroupRuleId: ruleId, Description: 'no <tags>' }] })).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    await expect(send({ GroupId: 'sg-0000000000000dead', SecurityGroupRuleDescriptions: [{ SecurityGroupRuleId: ruleId, Description: 'x' }] })).rejects.toMatchObject({ name: 'InvalidGroup.NotFound' });
    expect(await descriptionOf(ruleId)).toBe('keep');
  });
});

describe('eventual consistency (EC2_VISIBILITY_SPREAD unless set)', () => {
  test('by default the visibility delay is drawn from the spread: 0–2 s, a tail to 10 s', async () => {
    const spread = await startAwsEmulator({ seed, clock: new ManualClock() });
    try {
      expect(spread.inspect().settings.ec2PropagationDelayMs).toEqual(EC2_VISIBILITY_SPREAD);
      const delays = Array.from({ length: 2000 }, () => spread.state.drawDelay('ec2PropagationDelayMs'));
      expect(Math.min(...delays)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...delays)).toBeLessThanOrEqual(10_000);
      const slow = delays.filter((ms) => ms > 2_000).length / delays.length;
      expect(slow).toBeGreaterThan(0.01);
      expect(slow).toBeLessThan(0.03);
    } finally {
      await spread.close();
    }
  });

  test('right after a create the rule id is NotFound and filters miss it; a revoked rule shows until its own delay has passed', async () => {
    const lagClock = new ManualClock();
    const lagging = await startAwsEmulator({ seed, clock: lagClock, ec2PropagationDelayMs: 1_500 });
    const { ec2: client } = emulatorClients(lagging, { maxAttempts: 1 });
    try {
      const created = await client.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: MANAGED, IpPermissions: [fromGroup(APP)], TagSpecifications: tagged('r-lag') }));
      const ruleId = created.SecurityGroupRules?.[0]?.SecurityGroupRuleId ?? '';
      await expect(client.send(new DescribeSecurityGroupRulesCommand({ SecurityGroupRuleIds: [ruleId] }))).rejects.toMatchObject({ name: 'InvalidSecurityGroupRuleId.NotFound' });
      const byTag = new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: 'tag:cachegate-request', Values: ['r-lag'] }] });
      expect((await client.send(byTag)).SecurityGroupRules).toEqual([]);
      // Writes see the truth at once: the rule can be re-described and revoked before it shows.
      await client.send(new UpdateSecurityGroupRuleDescriptionsIngressCommand({ GroupId: MANAGED, SecurityGroupRuleDescriptions: [{ SecurityGroupRuleId: ruleId, Description: 'early' }] }));
      lagClock.advance(1_500);
      expect((await client.send(byTag)).SecurityGroupRules?.map((rule) => rule.Description)).toEqual(['early']);

      await client.send(new RevokeSecurityGroupIngressCommand({ GroupId: MANAGED, SecurityGroupRuleIds: [ruleId] }));
      expect((await client.send(byTag)).SecurityGroupRules).toHaveLength(1);
      expect(lagging.inspect().securityGroupRules.find((rule) => rule.ruleId === ruleId)).toMatchObject({ visible: true, revoked: true });
      // …but it is gone for writes: revoking again is NotFound, and the same rule can be granted anew.
      await expect(client.send(new RevokeSecurityGroupIngressCommand({ GroupId: MANAGED, SecurityGroupRuleIds: [ruleId] }))).rejects.toMatchObject({ name: 'InvalidSecurityGroupRuleId.NotFound' });
      lagClock.advance(1_499);
      expect((await client.send(byTag)).SecurityGroupRules).toHaveLength(1);
      lagClock.advance(1);
      expect((await client.send(byTag)).SecurityGroupRules).toEqual([]);
      expect(lagging.inspect().securityGroupRules.some((rule) => rule.ruleId === ruleId)).toBe(false);
    } finally {
      client.destroy();
      await lagging.close();
    }
  });

  test('a seeded spread draws the same delays in the same order, so a run can be replayed', async () => {
    const spec = { minMs: 0, maxMs: 2_000, tail: { fraction: 0.5, maxMs: 10_000 }, seed: 7 };
    const draw = async (): Promise<number[]> => {
      const emulator = await startAwsEmulator({ seed, clock: new ManualClock(), ec2PropagationDelayMs: spec });
      try {
        return Array.from({ length: 20 }, () => emulator.state.drawDelay('ec2PropagationDelayMs'));
      } finally {
        await emulator.close();
      }
    };
    const [first, second] = [await draw(), await draw()];
    expect(first).toEqual(second);
    expect(new Set(first).size).toBe(20);
    await expect(startAwsEmulator({ ec2PropagationDelayMs: { minMs: 5, maxMs: 1 } })).rejects.toThrow(RangeError);
  });

  test('stratified draws (benches): each run of `strata` changes has the spread’s exact shape', async () => {
    const emulator = await startAwsEmulator({ seed, clock: new ManualClock(), ec2PropagationDelayMs: { ...EC2_VISIBILITY_SPREAD, strata: 50 } });
    try {
      const delays = Array.from({ length: 50 }, () => emulator.state.drawDelay('ec2PropagationDelayMs'));
      // 2% of 50: exactly one slow change; and one draw in each fiftieth of the spread.
      expect(delays.filter((ms) => ms > 2_000)).toHaveLength(1);
      const slices = delays.map((ms) => (ms <= 2_000 ? Math.floor((ms / 2_000) * 49) : 49)).sort((a, b) => a - b);
      expect(slices).toEqual(Array.from({ length: 50 }, (_, i) => i));
    } finally {
      await emulator.close();
    }
  });
});
