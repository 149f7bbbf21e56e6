/**
 * What an ElastiCache or EC2 Query API call asks of IAM: the action, the resources (ARN formats from the
 * Service Authorization Reference, filled from the request's parameters), and the condition keys the
 * request sets. EC2's tag-on-create is two authorizations: the action on the security group and the new
 * rule, and ec2:CreateTags on the new rule with ec2:CreateAction naming the creating action.
 */
import type { QueryParams } from '../aws-emulator/query.js';
import { resourceArn, type AccessRequest } from './policy.js';

/** Which parameter names the resource, per action (`*` when the request names none, as for a describe of all). */
const RESOURCE_PARAMETERS: Record<string, { type: string; parameter: string; variable: string }> = {
  'elasticache:AuthorizeCacheSecurityGroupIngress': { type: 'securitygroup', parameter: 'CacheSecurityGroupName', variable: 'CacheSecurityGroupName' },
  'elasticache:RevokeCacheSecurityGroupIngress': { type: 'securitygroup', parameter: 'CacheSecurityGroupName', variable: 'CacheSecurityGroupName' },
  'elasticache:DescribeCacheSecurityGroups': { type: 'securitygroup', parameter: 'CacheSecurityGroupName', variable: 'CacheSecurityGroupName' },
  'elasticache:CreateCacheSecurityGroup': { type: 'securitygroup', parameter: 'CacheSecurityGroupName', variable: 'CacheSecurityGroupName' },
  'elasticache:DeleteCacheSecurityGroup': { type: 'securitygroup', parameter: 'CacheSecurityGroupName', variable: 'CacheSecurityGroupName' },
  'elasticache:DescribeCacheClusters': { type: 'cluster', parameter: 'CacheClusterId', variable: 'CacheClusterId' },
  'elasticache:DescribeReplicationGroups': { type: 'replicationgroup', parameter: 'ReplicationGroupId', variable: 'ReplicationGroupId' },
  'ec2:AuthorizeSecurityGroupIngress': { type: 'security-group', parameter: 'GroupId', variable: 'SecurityGroupId' },
  'ec2:RevokeSecurityGroupIngress': { type: 'security-group', parameter: 'GroupId', variable: 'SecurityGroupId' },
  'ec2:UpdateSecurityGroupRuleDescriptionsIngress': { type: 'security-group', parameter: 'GroupId', variable: 'SecurityGroupId' },
};

export async function queryAccessRequests(service: 'ec2' | 'elasticache', operation: string, params: QueryParams, where: { region: string; account: string }): Promise<AccessRequest[]> {
  const action = `${service}:${operation}`;
  const mapping = RESOURCE_PARAMETERS[action];
  const resources = [await resourceArn(action, mapping?.type ?? '', mapping ? { [mapping.variable]: params.optional(mapping.parameter) ?? '*' } : {}, where)];
  const requests: AccessRequest[] = [];
  const tagSpecifications = service === 'ec2' ? params.indexed('TagSpecification') : [];
  if (tagSpecifications.length > 0) {
    // The rule does not exist yet: its ARN ends in `*`, as for any resource being created.
    const created = await resourceArn(action, 'security-group-rule', { SecurityGroupRuleId: '*' }, where);
    resources.push(created);
    const tags = tagSpecifications.flatMap((spec) => spec.indexed('Tag').map((tag) => [tag.optional('Key') ?? '', tag.optional('Value') ?? ''] as const));
    requests.push({
      action: 'ec2:CreateTags',
      resources: [created],
      context: { 'ec2:CreateAction': [operation], 'aws:TagKeys': tags.map(([key]) => key), ...Object.fromEntries(tags.map(([key, value]) => [`aws:RequestTag/${key}`, [value]])) },
    });
  }
  return [{ action, resources }, ...requests];
}
