/**
 * The EC2 operations cachegate calls, as signed Query calls (aws-query-call.ts): shared by the VPC grant
 * driver and the rule description, so a function that needs only the description ("Check access") carries
 * no driver. Parameters are flattened as EC2's `ec2` protocol does it (every list `Name.N`, under the
 * member's query name: `UserIdGroupPairs` → `Groups`, `TagSpecifications` → `TagSpecification`, `Filters`
 * → `Filter`, `SecurityGroupRuleIds` → `SecurityGroupRuleId`); replies are read from EC2's camelCase
 * elements, list entries `<item>` (docs/aws-facts.md, section 3).
 */
import type { XmlObject } from './aws-query-call.js';
import { awsQueryService, child, integer, list, text, type QueryParameters } from './aws-query-call.js';

const ec2 = /* @__PURE__ */ awsQueryService('ec2', '2016-11-15', 'ec2', 'EC2', 'ec2');

/** A security group rule, as DescribeSecurityGroupRules and AuthorizeSecurityGroupIngress return it (the members cachegate reads). */
export interface SecurityGroupRule {
  securityGroupRuleId?: string;
  groupId?: string;
  isEgress: boolean;
  ipProtocol?: string;
  fromPort?: number;
  toPort?: number;
  referencedGroupInfo?: { groupId?: string; userId?: string };
  description?: string;
  tags: { key?: string; value?: string }[];
}

function ruleOf(item: XmlObject): SecurityGroupRule {
  const referenced = child(item, 'referencedGroupInfo');
  const description = text(item, 'description');
  return {
    securityGroupRuleId: text(item, 'securityGroupRuleId'),
    groupId: text(item, 'groupId'),
    isEgress: text(item, 'isEgress') === 'true',
    ipProtocol: text(item, 'ipProtocol'),
    fromPort: integer(item, 'fromPort'),
    toPort: integer(item, 'toPort'),
    ...(referenced ? { referencedGroupInfo: { groupId: text(referenced, 'groupId'), userId: text(referenced, 'userId') } } : {}),
    ...(description !== undefined ? { description } : {}),
    tags: list(item, 'tagSet', 'item').map((tag) => ({ key: text(tag, 'key'), value: text(tag, 'value') })),
  };
}

/**
 * Every rule DescribeSecurityGroupRules shows for the filters (`Filter.N.Name`, `Filter.N.Value.M`), page
 * after page (NextToken) at `pageSize` (AWS allows 5–1,000).
 */
export async function describeSecurityGroupRules(filters: { name: string; values: string[] }[], pageSize = 1000): Promise<SecurityGroupRule[]> {
  const parameters: QueryParameters = { MaxResults: pageSize };
  filters.forEach((filter, i) => {
    parameters[`Filter.${i + 1}.Name`] = filter.name;
    filter.values.forEach((value, j) => (parameters[`Filter.${i + 1}.Value.${j + 1}`] = value));
  });
  const rules: SecurityGroupRule[] = [];
  let nextToken: string | undefined;
  do {
    const reply = await ec2.call('DescribeSecurityGroupRules', { ...parameters, NextToken: nextToken });
    rules.push(...list(reply, 'securityGroupRuleSet', 'item').map(ruleOf));
    // An absent or empty token is the last page (as the SDK's paginator reads it).
    nextToken = text(reply, 'nextToken') || undefined;
  } while (nextToken !== undefined);
  return rules;
}

/** One ingress permission from one source group. */
export interface IngressFromGroup {
  groupId: string;
  ipProtocol: string;
  fromPort: number;
  toPort: number;
  source: { groupId: string; userId?: string; description?: string };
  /** Tags of the new rule (TagSpecification with ResourceType security-group-rule). */
  tags: Record<string, string>;
}

/** AuthorizeSecurityGroupIngress: the rules it created. */
export async function authorizeSecurityGroupIngress(ingress: IngressFromGroup): Promise<SecurityGroupRule[]> {
  const parameters: QueryParameters = {
    GroupId: ingress.groupId,
    'IpPermissions.1.IpProtocol': ingress.ipProtocol,
    'IpPermissions.1.FromPort': ingress.fromPort,
    'IpPermissions.1.ToPort': ingress.toPort,
    'IpPermissions.1.Groups.1.GroupId': ingress.source.groupId,
    'IpPermissions.1.Groups.1.UserId': ingress.source.userId,
    'IpPermissions.1.Groups.1.Description': ingress.source.description,
    'TagSpecification.1.ResourceType': 'security-group-rule',
  };
  Object.entries(ingress.tags).forEach(([key, value], i) => {
    parameters[`TagSpecification.1.Tag.${i + 1}.Key`] = key;
    parameters[`TagSpecification.1.Tag.${i + 1}.Value`] = value;
  });
  const reply = await ec2.call('AuthorizeSecurityGroupIngress', parameters);
  return list(reply, 'securityGroupRuleSet', 'item').map(ruleOf);
}

/** RevokeSecurityGroupIngress of rules by their ids. */
export async function revokeSecurityGroupIngress(groupId: string, ruleIds: string[]): Promise<void> {
  const parameters: QueryParameters = { GroupId: groupId };
  ruleIds.forEach((id, i) => (parameters[`SecurityGroupRuleId.${i + 1}`] = id));
  await ec2.call('RevokeSecurityGroupIngress', parameters);
}

/** UpdateSecurityGroupRuleDescriptionsIngress of one rule, by its id. */
export async function updateRuleDescription(groupId: string, ruleId: string, description: string): Promise<void> {
  await ec2.call('UpdateSecurityGroupRuleDescriptionsIngress', {
    GroupId: groupId,
    'SecurityGroupRuleDescription.1.SecurityGroupRuleId': ruleId,
    'SecurityGroupRuleDescription.1.Description': description,
  });
}
