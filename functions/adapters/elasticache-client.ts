/**
 * The ElastiCache operations cachegate calls, as signed Query calls (aws-query-call.ts): the classic
 * driver's cache security groups and the VPC driver's cluster lookups. Each call names one resource, so no
 * list parameters and no paging (a describe by name or id returns that one or fails with a NotFound code).
 * Replies are read from the model's element names (lists of `CacheSecurityGroup`, `EC2SecurityGroup`,
 * `CacheCluster`, `CacheNode`, `ReplicationGroup`, `ClusterId`; a cluster's VPC `SecurityGroups` are
 * `member`s), docs/aws-facts.md, sections 2 and 3.1.
 */
import type { XmlObject } from './aws-query-call.js';
import { awsQueryService, child, integer, list, text, texts } from './aws-query-call.js';

const elasticache = /* @__PURE__ */ awsQueryService('elasticache', '2015-02-02', 'awsQuery', 'ElastiCache', 'elasticache');

/** A cache security group (classic): the members cachegate reads. */
export interface CacheSecurityGroup {
  cacheSecurityGroupName?: string;
  ec2SecurityGroups: { status?: string; ec2SecurityGroupName?: string; ec2SecurityGroupOwnerId?: string }[];
}

/** A cache cluster: the members cachegate reads. */
export interface CacheCluster {
  cacheClusterId?: string;
  replicationGroupId?: string;
  securityGroupIds: string[];
  /** The port of its first node endpoint, or of its configuration endpoint (Memcached). */
  port?: number;
}

/** The cache security group by name (DescribeCacheSecurityGroups), or undefined when the reply lists none. */
export async function describeCacheSecurityGroup(name: string): Promise<CacheSecurityGroup | undefined> {
  const reply = await elasticache.call('DescribeCacheSecurityGroups', { CacheSecurityGroupName: name });
  const group = list(reply, 'CacheSecurityGroups', 'CacheSecurityGroup')[0];
  return (
    group && {
      cacheSecurityGroupName: text(group, 'CacheSecurityGroupName'),
      ec2SecurityGroups: list(group, 'EC2SecurityGroups', 'EC2SecurityGroup').map((ec2) => ({
        status: text(ec2, 'Status'),
        ec2SecurityGroupName: text(ec2, 'EC2SecurityGroupName'),
        ec2SecurityGroupOwnerId: text(ec2, 'EC2SecurityGroupOwnerId'),
      })),
    }
  );
}

/** The EC2 group (by name and owner) on a cache security group. */
export interface CacheSecurityGroupIngress {
  cacheSecurityGroupName: string;
  ec2SecurityGroupName: string;
  ec2SecurityGroupOwnerId: string;
}

/** AuthorizeCacheSecurityGroupIngress or RevokeCacheSecurityGroupIngress. */
export async function changeCacheSecurityGroupIngress(action: 'Authorize' | 'Revoke', ingress: CacheSecurityGroupIngress): Promise<void> {
  await elasticache.call(`${action}CacheSecurityGroupIngress`, {
    CacheSecurityGroupName: ingress.cacheSecurityGroupName,
    EC2SecurityGroupName: ingress.ec2SecurityGroupName,
    EC2SecurityGroupOwnerId: ingress.ec2SecurityGroupOwnerId,
  });
}

function clusterOf(cluster: XmlObject): CacheCluster {
  const nodePort = list(cluster, 'CacheNodes', 'CacheNode')
    .map((node) => integer(child(node, 'Endpoint'), 'Port'))
    .find((port) => port !== undefined);
  return {
    cacheClusterId: text(cluster, 'CacheClusterId'),
    replicationGroupId: text(cluster, 'ReplicationGroupId'),
    securityGroupIds: list(cluster, 'SecurityGroups', 'member')
      .map((group) => text(group, 'SecurityGroupId'))
      .filter((id): id is string => id !== undefined),
    port: nodePort ?? integer(child(cluster, 'ConfigurationEndpoint'), 'Port'),
  };
}

/** The cache cluster by id, with its nodes (DescribeCacheClusters, ShowCacheNodeInfo), or undefined when the reply lists none. */
export async function describeCacheCluster(cacheClusterId: string): Promise<CacheCluster | undefined> {
  const reply = await elasticache.call('DescribeCacheClusters', { CacheClusterId: cacheClusterId, ShowCacheNodeInfo: true });
  const cluster = list(reply, 'CacheClusters', 'CacheCluster')[0];
  return cluster && clusterOf(cluster);
}

/** The member clusters of a replication group (DescribeReplicationGroups), or undefined when the reply lists none. */
export async function replicationGroupMembers(replicationGroupId: string): Promise<string[] | undefined> {
  const reply = await elasticache.call('DescribeReplicationGroups', { ReplicationGroupId: replicationGroupId });
  const group = list(reply, 'ReplicationGroups', 'ReplicationGroup')[0];
  return group && texts(group, 'MemberClusters', 'ClusterId');
}
