/**
 * EC2 (ec2 protocol, 2016-11-15) operations on VPC security group rules: the production grant path.
 * Requests arrive flattened (`IpPermissions.1.Groups.1.GroupId`, `TagSpecification.1.Tag.1.Key`,
 * `Filter.1.Value.1`, `SecurityGroupRuleId.1`); answers have no Result wrapper, camelCase elements
 * and `item` list entries, as the SDK's schemas (@aws-sdk/client-ec2) expect. Each operation returns
 * the children after `<requestId>`.
 */
import type { QueryParams } from './query.js';
import type { RuleSpec } from './seed.js';
import { AwsApiError, pageOf } from './query.js';
import type { AwsEmulatorState, RuleRecord, SecurityGroupRecord, Tag } from './state.js';
import type { XmlChild, XmlElement } from './xml.js';
import { el, opt } from './xml.js';

export const EC2_VERSION = '2016-11-15';
export const EC2_NAMESPACE = 'http://ec2.amazonaws.com/doc/2016-11-15/';

export type Ec2Operation = (state: AwsEmulatorState, params: QueryParams) => XmlChild[];

/** EC2 names the missing parameter in camelCase, as in "The request must contain the parameter groupId". */
export function ec2MissingParameter(name: string): AwsApiError {
  const last = name.split('.').at(-1) ?? name;
  return new AwsApiError('MissingParameter', `The request must contain the parameter ${last.charAt(0).toLowerCase()}${last.slice(1)}`);
}

const GROUP_ID = /^sg-[0-9a-f]{8,17}$/;
const RULE_ID = /^sgr-[0-9a-f]{17}$/;
const USER_ID = /^(\d{12}|\d{4}-\d{4}-\d{4})$/;
const CIDR_V4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}\/(3[0-2]|[12]?\d)$/;
// The characters EC2 allows in a rule description (AWS's error message lists the same set).
const DESCRIPTION = /^[a-zA-Z0-9. _\-:/()#,@[\]+=&;{}!$*]{0,255}$/;
const MAX_TAGS = 50;

function invalid(message: string): AwsApiError {
  return new AwsApiError('InvalidParameterValue', message);
}

function groupId(value: string): string {
  if (!GROUP_ID.test(value)) throw new AwsApiError('InvalidGroupId.Malformed', `Invalid id: "${value}" (expecting "sg-...")`);
  return value;
}

function findGroup(state: AwsEmulatorState, id: string): SecurityGroupRecord {
  const group = state.securityGroups.get(groupId(id));
  if (!group) throw new AwsApiError('InvalidGroup.NotFound', `The security group '${id}' does not exist`);
  return group;
}


function protocol(raw: string): string {
  const value = raw.toLowerCase();
  const known: Record<string, string> = { tcp: 'tcp', '6': 'tcp', udp: 'udp', '17': 'udp', icmp: 'icmp', '1': 'icmp', '-1': '-1', all: '-1' };
  const normalized = known[value];
  if (!normalized) throw invalid(`Invalid value '${raw}' for IP protocol. Unknown protocol.`);
  return normalized;
}

function portRange(permission: QueryParams, ipProtocol: string): { fromPort: number; toPort: number } {
  if (ipProtocol === '-1') return { fromPort: -1, toPort: -1 };
  const min = ipProtocol === 'icmp' ? -1 : 0;
  const max = ipProtocol === 'icmp' ? 255 : 65535;
  const fromPort = permission.integer('FromPort', { min, max });
  const toPort = permission.integer('ToPort', { min, max });
  if (fromPort === undefined || toPort === undefined) throw invalid(`Invalid value for portRange. Must specify both from and to ports with ${ipProtocol}.`);
  if (ipProtocol !== 'icmp' && fromPort > toPort) throw invalid(`Invalid value for portRange. From port ${fromPort} must not be greater than to port ${toPort}.`);
  return { fromPort, toPort };
}

function description(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  if (!DESCRIPTION.test(raw)) {
    throw invalid('Invalid rule description. Valid descriptions are strings less than 256 characters from the following set:  a-zA-Z0-9. _-:/()#,@[]+=&;{}!$*');
  }
  return raw;
}

/** The rules an `IpPermissions` list asks for, one per (permission, source). */
function ruleSpecs(state: AwsEmulatorState, params: QueryParams, checkDescriptions: boolean): RuleSpec[] {
  const specs: RuleSpec[] = [];
  for (const permission of params.indexed('IpPermissions')) {
    const ipProtocol = protocol(permission.required('IpProtocol'));
    const ports = portRange(permission, ipProtocol);
    if (permission.hasPrefix('Ipv6Ranges') || permission.hasPrefix('PrefixListIds')) {
      throw new AwsApiError('UnsupportedOperation', 'The AWS emulator supports Groups and IpRanges sources only (no Ipv6Ranges or PrefixListIds).');
    }
    const groups = permission.indexed('Groups');
    const ranges = permission.indexed('IpRanges');
    if (groups.length + ranges.length === 0) throw invalid('Each IP permission needs a source: Groups (UserIdGroupPairs) or IpRanges.');
    for (const pair of groups) {
      const referencedGroupId = groupId(pair.required('GroupId'));
      const rawUser = pair.optional('UserId');
      if (rawUser !== undefined && !USER_ID.test(rawUser)) throw invalid(`Invalid user id: '${rawUser}'`);
      const referencedUserId = rawUser?.replace(/-/g, '') ?? state.ownerId;
      // Only this account's groups can be checked; a peer account's group is taken on trust.
      if (referencedUserId === state.ownerId && !state.securityGroups.has(referencedGroupId)) {
        throw new AwsApiError('InvalidGroup.NotFound', `The security group '${referencedGroupId}' does not exist`);
      }
      const text = pair.optional('Description');
      specs.push({ ipProtocol, ...ports, referencedGroupId, referencedUserId, description: checkDescriptions ? description(text) : text });
    }
    for (const range of ranges) {
      const cidrIpv4 = range.required('CidrIp');
      if (!CIDR_V4.test(cidrIpv4)) throw invalid(`CIDR block ${cidrIpv4} is malformed`);
      const text = range.optional('Description');
      specs.push({ ipProtocol, ...ports, cidrIpv4, description: checkDescriptions ? description(text) : text });
    }
  }
  return specs;
}

/** Rules are equal when protocol, ports and source are; descriptions and tags do not count (as in EC2). */
function sameRule(a: RuleSpec, b: RuleSpec): boolean {
  return (
    a.ipProtocol === b.ipProtocol &&
    a.fromPort === b.fromPort &&
    a.toPort === b.toPort &&
    a.referencedGroupId === b.referencedGroupId &&
    (a.referencedGroupId === undefined || a.referencedUserId === b.referencedUserId) &&
    a.cidrIpv4 === b.cidrIpv4
  );
}

function describeSpec(spec: RuleSpec): string {
  const peer = spec.referencedGroupId ?? spec.cidrIpv4 ?? '?';
  const proto = spec.ipProtocol === '-1' ? 'ALL' : spec.ipProtocol.toUpperCase();
  return `peer: ${peer}, ${proto}, from port: ${spec.fromPort}, to port: ${spec.toPort}, ALLOW`;
}

function tagSpecifications(params: QueryParams): Tag[] {
  const tags: Tag[] = [];
  for (const spec of params.indexed('TagSpecification')) {
    const resourceType = spec.required('ResourceType');
    if (resourceType !== 'security-group-rule') {
      throw invalid(`'${resourceType}' is not a valid taggable resource type for this operation.`);
    }
    for (const tag of spec.indexed('Tag')) {
      const key = tag.required('Key');
      if (key.toLowerCase().startsWith('aws:')) throw invalid(`Tag keys starting with 'aws:' are reserved for internal use: ${key}`);
      tags.push({ key, value: tag.optional('Value') ?? '' });
    }
  }
  if (tags.length > MAX_TAGS) throw new AwsApiError('TagLimitExceeded', `The maximum number of tags (${MAX_TAGS}) for a resource has been reached.`);
  return tags;
}

function tagSetXml(tags: readonly Tag[]): XmlElement {
  return el('tagSet', tags.map((tag) => el('item', [el('key', tag.key), el('value', tag.value)])));
}

function ruleXml(rule: RuleRecord): XmlElement {
  return el('item', [
    el('securityGroupRuleId', rule.ruleId),
    el('groupId', rule.groupId),
    el('groupOwnerId', rule.groupOwnerId),
    el('isEgress', rule.isEgress),
    el('ipProtocol', rule.ipProtocol),
    el('fromPort', rule.fromPort),
    el('toPort', rule.toPort),
    opt('cidrIpv4', rule.cidrIpv4),
    rule.referencedGroupId !== undefined &&
      el('referencedGroupInfo', [el('groupId', rule.referencedGroupId), opt('userId', rule.referencedUserId)]),
    opt('description', rule.description),
    tagSetXml(rule.tags),
  ]);
}

/** The legacy top-level form (CidrIp/IpProtocol/FromPort/… without IpPermissions) is not emulated. */
function rejectLegacyForm(params: QueryParams): void {
  for (const name of ['CidrIp', 'IpProtocol', 'FromPort', 'ToPort', 'SourceSecurityGroupName', 'SourceSecurityGroupOwnerId', 'GroupName']) {
    if (params.has(name)) {
      throw new AwsApiError('UnsupportedOperation', `The AWS emulator supports GroupId with IpPermissions only; ${name} is not emulated.`);
    }
  }
}

/** The group's ingress rules as they are (writes act on these, whatever the Describe calls show yet). */
function ingressRules(state: AwsEmulatorState, group: string): RuleRecord[] {
  return state.liveRules().filter((rule) => rule.groupId === group && !rule.isEgress);
}

const authorizeSecurityGroupIngress: Ec2Operation = (state, params) => {
  rejectLegacyForm(params);
  const group = findGroup(state, params.required('GroupId'));
  const specs = ruleSpecs(state, params, true);
  if (specs.length === 0) throw ec2MissingParameter('ipPermissions');
  const tags = tagSpecifications(params);
  const existing = ingressRules(state, group.groupId);
  specs.forEach((spec, i) => {
    // A rule already there (visible or still propagating), or the same rule twice in one request.
    if (existing.some((rule) => sameRule(rule, spec)) || specs.slice(0, i).some((other) => sameRule(other, spec))) {
      throw new AwsApiError('InvalidPermission.Duplicate', `the specified rule "${describeSpec(spec)}" already exists`);
    }
  });
  if (existing.length + specs.length > state.settings.rulesPerGroupLimit) {
    throw new AwsApiError('RulesPerSecurityGroupLimitExceeded', 'The maximum number of rules per security group has been reached.');
  }
  const created = specs.map((spec) => state.createRule({ ...spec, groupId: group.groupId, groupOwnerId: group.ownerId, isEgress: false, tags: [...tags] }));
  return [el('return', true), el('securityGroupRuleSet', created.map(ruleXml))];
};

const revokeSecurityGroupIngress: Ec2Operation = (state, params) => {
  rejectLegacyForm(params);
  const group = findGroup(state, params.required('GroupId'));
  const ruleIds = params.strings('SecurityGroupRuleId');
  const byPermissions = params.hasPrefix('IpPermissions');
  if (ruleIds.length > 0 && byPermissions) {
    throw new AwsApiError('InvalidParameterCombination', 'Specify either SecurityGroupRuleIds or IpPermissions, not both.');
  }
  const rules = ingressRules(state, group.groupId);
  let revoked: RuleRecord[];
  if (ruleIds.length > 0) {
    revoked = ruleIds.map((id) => {
      if (!RULE_ID.test(id)) throw new AwsApiError('InvalidSecurityGroupRuleId.Malformed', `Invalid security group rule id: "${id}" (expecting "sgr-...")`);
      const rule = rules.find((candidate) => candidate.ruleId === id);
      if (!rule) throw new AwsApiError('InvalidSecurityGroupRuleId.NotFound', `The security group rule ID '${id}' does not exist`);
      return rule;
    });
  } else if (byPermissions) {
    // As in a non-default VPC: an unmatched permission fails the whole call and nothing is revoked.
    revoked = ruleSpecs(state, params, false).map((spec) => {
      const rule = rules.find((candidate) => sameRule(candidate, spec));
      if (!rule) throw new AwsApiError('InvalidPermission.NotFound', 'The specified rule does not exist in this security group.');
      return rule;
    });
  } else {
    throw ec2MissingParameter('ipPermissions');
  }
  state.removeRules(new Set(revoked.map((rule) => rule.ruleId)));
  return [
    el('return', true),
    el(
      'revokedSecurityGroupRuleSet',
      revoked.map((rule) =>
        el('item', [
          el('securityGroupRuleId', rule.ruleId),
          el('groupId', rule.groupId),
          el('isEgress', rule.isEgress),
          el('ipProtocol', rule.ipProtocol),
          el('fromPort', rule.fromPort),
          el('toPort', rule.toPort),
          opt('cidrIpv4', rule.cidrIpv4),
          opt('referencedGroupId', rule.referencedGroupId),
          opt('description', rule.description),
        ]),
      ),
    ),
  ];
};

/**
 * Sets (or, with no Description, removes) the descriptions of ingress rules, named by rule id
 * (`SecurityGroupRuleDescription.N`) or by permission (`IpPermissions.N`, matched as Revoke matches them;
 * each source's Description is the new text). All named rules must exist, or nothing changes.
 */
const updateSecurityGroupRuleDescriptionsIngress: Ec2Operation = (state, params) => {
  rejectLegacyForm(params);
  const group = findGroup(state, params.required('GroupId'));
  const byId = params.indexed('SecurityGroupRuleDescription');
  const byPermissions = params.hasPrefix('IpPermissions');
  if (byId.length > 0 && byPermissions) {
    throw new AwsApiError('InvalidParameterCombination', 'Specify either SecurityGroupRuleDescriptions or IpPermissions, not both.');
  }
  const rules = ingressRules(state, group.groupId);
  let updates: Array<{ rule: RuleRecord; description: string | undefined }>;
  if (byId.length > 0) {
    updates = byId.map((item) => {
      const id = item.required('SecurityGroupRuleId');
      if (!RULE_ID.test(id)) throw new AwsApiError('InvalidSecurityGroupRuleId.Malformed', `Invalid security group rule id: "${id}" (expecting "sgr-...")`);
      const rule = rules.find((candidate) => candidate.ruleId === id);
      if (!rule) throw new AwsApiError('InvalidSecurityGroupRuleId.NotFound', `The security group rule ID '${id}' does not exist`);
      return { rule, description: description(item.optional('Description')) };
    });
  } else if (byPermissions) {
    updates = ruleSpecs(state, params, true).map((spec) => {
      const rule = rules.find((candidate) => sameRule(candidate, spec));
      if (!rule) throw new AwsApiError('InvalidPermission.NotFound', 'The specified rule does not exist in this security group.');
      return { rule, description: spec.description };
    });
  } else {
    throw ec2MissingParameter('ipPermissions');
  }
  for (const { rule, description: text } of updates) rule.description = text;
  return [el('return', true)];
};

type Filter = { name: string; values: string[] };

function filters(params: QueryParams): Filter[] {
  return params.indexed('Filter').map((filter) => ({ name: filter.required('Name'), values: filter.strings('Value') }));
}

function ruleMatches(rule: RuleRecord, filter: Filter): boolean {
  if (filter.name === 'group-id') return filter.values.includes(rule.groupId);
  if (filter.name === 'security-group-rule-id') return filter.values.includes(rule.ruleId);
  if (filter.name === 'tag-key') return rule.tags.some((tag) => filter.values.includes(tag.key));
  if (filter.name.startsWith('tag:')) {
    const key = filter.name.slice('tag:'.length);
    return rule.tags.some((tag) => tag.key === key && filter.values.includes(tag.value));
  }
  throw invalid(`The filter '${filter.name}' is invalid`);
}

const describeSecurityGroupRules: Ec2Operation = (state, params) => {
  const max = params.integer('MaxResults', { min: 5, max: 1000 }) ?? 1000;
  const ids = params.strings('SecurityGroupRuleId');
  // Eventually consistent: a rule made a moment ago may not be found yet, and a revoked one may still be.
  const visible = state.visibleRules();
  for (const id of ids) {
    if (!RULE_ID.test(id)) throw new AwsApiError('InvalidSecurityGroupRuleId.Malformed', `Invalid security group rule id: "${id}" (expecting "sgr-...")`);
    if (!visible.some((rule) => rule.ruleId === id)) {
      throw new AwsApiError('InvalidSecurityGroupRuleId.NotFound', `The security group rule ID '${id}' does not exist`);
    }
  }
  const wanted = filters(params);
  const rules = visible
    .filter((rule) => ids.length === 0 || ids.includes(rule.ruleId))
    .filter((rule) => wanted.every((filter) => ruleMatches(rule, filter)));
  const { page, next } = pageOf(rules, (rule) => rule.ruleId, max, params.optional('NextToken'), 'NextToken');
  return [el('securityGroupRuleSet', page.map(ruleXml)), opt('nextToken', next)];
};

/** Rules grouped the way DescribeSecurityGroups shows them: one permission per protocol and port range. */
function permissionsXml(name: string, rules: readonly RuleRecord[]): XmlElement {
  const permissions = new Map<string, RuleRecord[]>();
  for (const rule of rules) {
    const key = `${rule.ipProtocol}/${rule.fromPort}/${rule.toPort}`;
    permissions.set(key, [...(permissions.get(key) ?? []), rule]);
  }
  return el(
    name,
    [...permissions.values()].map((group) => {
      const [first] = group as [RuleRecord, ...RuleRecord[]];
      return el('item', [
        el('ipProtocol', first.ipProtocol),
        first.ipProtocol !== '-1' && el('fromPort', first.fromPort),
        first.ipProtocol !== '-1' && el('toPort', first.toPort),
        el(
          'groups',
          group
            .filter((rule) => rule.referencedGroupId !== undefined)
            .map((rule) => el('item', [opt('userId', rule.referencedUserId), opt('groupId', rule.referencedGroupId), opt('description', rule.description)])),
        ),
        el(
          'ipRanges',
          group.filter((rule) => rule.cidrIpv4 !== undefined).map((rule) => el('item', [opt('cidrIp', rule.cidrIpv4), opt('description', rule.description)])),
        ),
        el('ipv6Ranges'),
        el('prefixListIds'),
      ]);
    }),
  );
}

function groupMatches(group: SecurityGroupRecord, filter: Filter): boolean {
  if (filter.name === 'group-id') return filter.values.includes(group.groupId);
  if (filter.name === 'group-name') return filter.values.includes(group.groupName);
  if (filter.name === 'vpc-id') return group.vpcId !== undefined && filter.values.includes(group.vpcId);
  throw invalid(`The filter '${filter.name}' is invalid`);
}

const describeSecurityGroups: Ec2Operation = (state, params) => {
  const max = params.integer('MaxResults', { min: 5, max: 1000 }) ?? 1000;
  const ids = params.strings('GroupId');
  ids.forEach((id) => findGroup(state, id));
  const names = params.strings('GroupName');
  for (const name of names) {
    if (![...state.securityGroups.values()].some((group) => group.groupName === name)) {
      throw new AwsApiError('InvalidGroup.NotFound', `The security group '${name}' does not exist in default VPC`);
    }
  }
  const wanted = filters(params);
  const groups = [...state.securityGroups.values()]
    .filter((group) => ids.length === 0 || ids.includes(group.groupId))
    .filter((group) => names.length === 0 || names.includes(group.groupName))
    .filter((group) => wanted.every((filter) => groupMatches(group, filter)))
    .sort((a, b) => (a.groupId < b.groupId ? -1 : 1));
  const { page, next } = pageOf(groups, (group) => group.groupId, max, params.optional('NextToken'), 'NextToken');
  return [
    el(
      'securityGroupInfo',
      page.map((group) => {
        const visible = state.visibleRules().filter((rule) => rule.groupId === group.groupId);
        return el('item', [
          el('ownerId', group.ownerId),
          el('groupId', group.groupId),
          el('groupName', group.groupName),
          el('groupDescription', group.description),
          opt('vpcId', group.vpcId),
          permissionsXml('ipPermissions', visible.filter((rule) => !rule.isEgress)),
          permissionsXml('ipPermissionsEgress', visible.filter((rule) => rule.isEgress)),
          el('tagSet'),
          el('securityGroupArn', `arn:aws:ec2:${state.region}:${group.ownerId}:security-group/${group.groupId}`),
        ]);
      }),
    ),
    opt('nextToken', next),
  ];
};

export const ec2Operations: Readonly<Record<string, Ec2Operation>> = {
  AuthorizeSecurityGroupIngress: authorizeSecurityGroupIngress,
  RevokeSecurityGroupIngress: revokeSecurityGroupIngress,
  DescribeSecurityGroupRules: describeSecurityGroupRules,
  DescribeSecurityGroups: describeSecurityGroups,
  UpdateSecurityGroupRuleDescriptionsIngress: updateSecurityGroupRuleDescriptionsIngress,
};
