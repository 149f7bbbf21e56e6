/**
 * The VPC grant driver (the production path): an ingress rule on the cluster's cachegate-managed VPC
 * security group, from the requester's security group, on the cluster's port. cachegate only ever edits
 * the group MANAGED_SECURITY_GROUPS names for the cluster, tags each rule with the request id, and
 * revokes only the rule it created (by its sgr- id).
 */
import * as v from 'valibot';
import type { GrantTarget, VpcTarget } from '../domain/access-request.js';
import { AccountId, CacheClusterId, checkedId, ReplicationGroupId, SecurityGroupId } from '../domain/aws-identifiers.js';
import type { GrantDriver, GrantReceipt, GrantRequest, GrantState, ObservedGrant, ResolvedTarget } from '../domain/grant-driver.js';
import { AlreadyAuthorized, GroupNotFound, InvalidTarget } from '../errors.js';
import type { SecurityGroupRule } from './ec2-client.js';
import { authorizeSecurityGroupIngress, describeSecurityGroupRules, revokeSecurityGroupIngress } from './ec2-client.js';
import type { CacheCluster } from './elasticache-client.js';
import { describeCacheCluster, replicationGroupMembers } from './elasticache-client.js';
import { awsErrorName, mapAwsErrors, toGrantError, VPC_ERRORS } from './grant-errors.js';
import { ruleDescription } from './rule-description.js';

export interface VpcGrantDriverOptions {
  /** Replication group or cluster id → the security group cachegate may edit (MANAGED_SECURITY_GROUPS). */
  managedGroups: Record<string, string>;
}

/** The tag that ties a rule to its request (for status and clean-up). */
export const REQUEST_TAG = 'cachegate-request';


/** A VPC target checked by the request's own rules (domain/aws-identifiers.ts), before any call is made. */
export function validateVpcTarget(target: GrantTarget): VpcTarget & { clusterKey: string } {
  if (target.mode !== 'vpc') throw new InvalidTarget(`The VPC grant driver cannot grant a ${target.mode} target`);
  const problems: string[] = [];
  const ids = [target.replicationGroupId, target.cacheClusterId].filter((id): id is string => id !== undefined);
  if (ids.length !== 1) problems.push('exactly one of replicationGroupId and cacheClusterId must be given');
  if (target.replicationGroupId !== undefined) checkedId(ReplicationGroupId, target.replicationGroupId, 'replication group id', problems);
  if (target.cacheClusterId !== undefined) checkedId(CacheClusterId, target.cacheClusterId, 'cache cluster id', problems);
  checkedId(SecurityGroupId, target.sourceSecurityGroupId, 'source security group', problems);
  const ownerId = target.sourceSecurityGroupOwnerId === undefined ? undefined : checkedId(AccountId, target.sourceSecurityGroupOwnerId, 'source security group owner', problems);
  if (problems.length > 0) throw new InvalidTarget(`Invalid VPC target: ${problems.join('; ')}`);
  return { ...target, ...(ownerId !== undefined ? { sourceSecurityGroupOwnerId: ownerId } : {}), clusterKey: ids[0] as string };
}

/** Whether `id` is a security group id (the managed groups come from configuration and stored grant records). */
const isSecurityGroupId = (id: string): boolean => v.is(SecurityGroupId, id);

/** Whether `rule` lets the source group in on `port` (an equal rule, or a wider one that covers it). */
function grantsAccess(rule: SecurityGroupRule, groupId: string, port: number, source: { groupId: string; userId?: string }): boolean {
  const protocolMatches = rule.ipProtocol === 'tcp' || rule.ipProtocol === '6' || rule.ipProtocol === '-1';
  const portMatches = rule.ipProtocol === '-1' || ((rule.fromPort ?? -1) <= port && port <= (rule.toPort ?? -1));
  const referenced = rule.referencedGroupInfo;
  return (
    rule.groupId === groupId &&
    !rule.isEgress &&
    protocolMatches &&
    portMatches &&
    referenced?.groupId === source.groupId &&
    (source.userId === undefined || referenced.userId === undefined || referenced.userId === source.userId)
  );
}

async function describeCluster(cacheClusterId: string): Promise<CacheCluster> {
  const cluster = await mapAwsErrors(`Describing cache cluster ${cacheClusterId}`, VPC_ERRORS, () => describeCacheCluster(cacheClusterId));
  if (!cluster) throw new GroupNotFound(`Cache cluster ${cacheClusterId} was not found`);
  return cluster;
}

/** A replication group carries no security groups; a member cluster does (they all share them). */
async function clusterOf(target: VpcTarget): Promise<CacheCluster> {
  if (target.cacheClusterId !== undefined) return describeCluster(target.cacheClusterId);
  const replicationGroupId = target.replicationGroupId as string;
  const members = await mapAwsErrors(`Describing replication group ${replicationGroupId}`, VPC_ERRORS, () => replicationGroupMembers(replicationGroupId));
  const member = members?.[0];
  if (!member) throw new GroupNotFound(`Replication group ${replicationGroupId} was not found or has no member clusters`);
  return describeCluster(member);
}

/**
 * The cluster's managed group and port (ElastiCache calls only, so that a function which only resolves
 * targets, createRequest, leaves EC2 out of its bundle).
 */
export async function resolveVpcTarget(managedGroups: Record<string, string>, target: GrantTarget): Promise<ResolvedTarget> {
  const valid = validateVpcTarget(target);
  const cluster = await clusterOf(valid);
  const clusterName = valid.replicationGroupId ?? cluster.cacheClusterId ?? valid.clusterKey;
  // A member cluster may be configured under its replication group's id.
  const managedGroupId = managedGroups[valid.clusterKey] ?? (cluster.replicationGroupId ? managedGroups[cluster.replicationGroupId] : undefined);
  const attached = cluster.securityGroupIds;
  if (managedGroupId === undefined) {
    throw new InvalidTarget(
      `${clusterName} has no cachegate-managed security group. Create a dedicated security group, attach it to the cluster ` +
        `(attached now: ${attached.join(', ') || 'none'}), and map it in MANAGED_SECURITY_GROUPS, e.g. {"${clusterName}": "sg-…"}.`,
    );
  }
  if (!attached.includes(managedGroupId)) {
    throw new InvalidTarget(
      `The managed security group ${managedGroupId} configured for ${clusterName} is not attached to it (attached: ${attached.join(', ') || 'none'}). ` +
        'Attach it to the cluster, or fix MANAGED_SECURITY_GROUPS.',
    );
  }
  const port = cluster.port;
  if (port === undefined) throw new InvalidTarget(`${clusterName} has no node endpoint yet, so its port is unknown; try again once it is available.`);
  return { summary: `${managedGroupId} port ${port} on ${clusterName}`, managedGroupId, port };
}

async function ingressRules(groupId: string, requestId?: string): Promise<SecurityGroupRule[]> {
  const filters = [{ name: 'group-id', values: [groupId] }];
  if (requestId !== undefined) filters.push({ name: `tag:${REQUEST_TAG}`, values: [requestId] });
  // Full pages (1,000 rules, AWS's maximum): a managed group's rules in one call at the default quota.
  const rules = await mapAwsErrors(`Describing the rules of ${groupId}`, VPC_ERRORS, () => describeSecurityGroupRules(filters, 1000));
  return rules.filter((rule) => !rule.isEgress);
}

/** A rule as the reconciler and submission checks compare it: source group, ports, creating request. */
function observed(rule: SecurityGroupRule): ObservedGrant | undefined {
  const source = rule.referencedGroupInfo?.groupId;
  if (!rule.securityGroupRuleId || source === undefined) return undefined;
  const allTraffic = rule.ipProtocol === '-1';
  if (!allTraffic && rule.ipProtocol !== 'tcp' && rule.ipProtocol !== '6') return undefined;
  const tag = rule.tags.find((t) => t.key === REQUEST_TAG)?.value;
  return {
    id: rule.securityGroupRuleId,
    source,
    ...(allTraffic ? {} : { ports: [rule.fromPort ?? -1, rule.toPort ?? -1] as [number, number] }),
    ...(tag ? { taggedRequest: tag } : {}),
    state: 'active',
  };
}

/** Every ingress rule of a managed group that references a source group: what submission and the reconciler compare. */
export async function vpcInventory(scope: string): Promise<ObservedGrant[]> {
  if (!isSecurityGroupId(scope)) throw new InvalidTarget(`Managed security group "${scope}" is not a security group id`);
  return (await ingressRules(scope)).map(observed).filter((rule): rule is ObservedGrant => rule !== undefined);
}

export function createVpcGrantDriver(options: VpcGrantDriverOptions): GrantDriver {
  const { managedGroups } = options;

  const resolveTarget = (target: GrantTarget): Promise<ResolvedTarget> => resolveVpcTarget(managedGroups, target);

  /** The managed group and port: from the request when resolveTarget already ran, else resolved now. */
  async function resolved(request: GrantRequest): Promise<{ managedGroupId: string; port: number }> {
    const { managedGroupId, port } = request.resolved;
    if (managedGroupId !== undefined && port !== undefined) {
      if (!isSecurityGroupId(managedGroupId)) throw new InvalidTarget(`Managed security group "${managedGroupId}" is not a security group id`);
      return { managedGroupId, port };
    }
    const fresh = await resolveTarget(request.target);
    return { managedGroupId: fresh.managedGroupId as string, port: fresh.port as number };
  }

  return {
    resolveTarget,

    inventory: vpcInventory,

    async authorize(request): Promise<GrantReceipt> {
      const target = validateVpcTarget(request.target);
      const { managedGroupId, port } = await resolved(request);
      const source = { groupId: target.sourceSecurityGroupId, userId: target.sourceSecurityGroupOwnerId };
      const doing = `Adding an ingress rule on ${managedGroupId} (tcp ${port}) from ${source.groupId}`;
      try {
        const created = await authorizeSecurityGroupIngress({
          groupId: managedGroupId,
          ipProtocol: 'tcp',
          fromPort: port,
          toPort: port,
          source: { ...source, description: ruleDescription(request) },
          tags: { [REQUEST_TAG]: request.requestId },
        });
        return { created: true, ruleId: created[0]?.securityGroupRuleId };
      } catch (err) {
        if (awsErrorName(err) !== 'InvalidPermission.Duplicate') throw toGrantError(err, doing, VPC_ERRORS);
        // A retried task can meet the rule its own first attempt created: that one is still ours to revoke.
        const own = (await ingressRules(managedGroupId, request.requestId)).find((rule) => grantsAccess(rule, managedGroupId, port, source));
        if (own?.securityGroupRuleId) return { created: true, ruleId: own.securityGroupRuleId };
        throw new AlreadyAuthorized(`${doing}: an equal rule already exists, so access is already granted (it is not cachegate's to revoke)`, { cause: err });
      }
    },

    async status(request): Promise<GrantState> {
      // EC2 rules have no lifecycle: a rule that DescribeSecurityGroupRules shows is in effect.
      const target = validateVpcTarget(request.target);
      const { managedGroupId, port } = await resolved(request);
      const source = { groupId: target.sourceSecurityGroupId, userId: target.sourceSecurityGroupOwnerId };
      const tagged = await ingressRules(managedGroupId, request.requestId);
      if (tagged.some((rule) => grantsAccess(rule, managedGroupId, port, source))) return 'active';
      // The grant may rest on a rule that was there before the request (created: false).
      const all = await ingressRules(managedGroupId);
      return all.some((rule) => grantsAccess(rule, managedGroupId, port, source)) ? 'active' : 'absent';
    },

    async revoke(request, receipt): Promise<void> {
      // Only the rule this request created, by its id: never an equal rule someone else made.
      if (!receipt.created || receipt.ruleId === undefined) return;
      validateVpcTarget(request.target);
      const ruleId = receipt.ruleId;
      const { managedGroupId } = await resolved(request);
      await mapAwsErrors(`Revoking rule ${ruleId} on ${managedGroupId}`, VPC_ERRORS, () =>
        revokeSecurityGroupIngress(managedGroupId, [ruleId]),
      );
    },
  };
}
