/**
 * ElastiCache (awsQuery, 2015-02-02) operations: cache security groups and their EC2-Classic
 * authorizations, and the read-only cluster / replication group calls the VPC driver uses to find a
 * cluster's security groups and port. Each operation returns the children of its `<Op>Result`
 * element (or null for an operation without output); the router writes the envelope.
 *
 * Element names follow the SDK's schemas (@aws-sdk/client-elasticache): list items are
 * `CacheSecurityGroup`, `EC2SecurityGroup`, `CacheCluster`, `CacheNode`, `ReplicationGroup`,
 * `ClusterId`, `NodeGroup`, `NodeGroupMember`; `SecurityGroups` items have no name of their own and
 * are therefore `member`.
 */
import type { QueryParams } from './query.js';
import { AwsApiError, pageOf } from './query.js';
import type { AuthorizationStatus, AwsEmulatorState, CacheClusterRecord, CacheSecurityGroupRecord, ReplicationGroupRecord } from './state.js';
import type { XmlChild, XmlElement } from './xml.js';
import { el, opt } from './xml.js';

export const ELASTICACHE_VERSION = '2015-02-02';
export const ELASTICACHE_NAMESPACE = 'http://elasticache.amazonaws.com/doc/2015-02-02/';

export type ElastiCacheOperation = (state: AwsEmulatorState, params: QueryParams) => XmlChild[] | null;

/** ElastiCache words a missing parameter as an invalid value (so the SDK raises a typed exception). */
export function elastiCacheMissingParameter(name: string): AwsApiError {
  return new AwsApiError('InvalidParameterValue', `The parameter ${name} must be provided and must not be blank.`);
}

// The model says "alphanumeric"; AWS's own samples use hyphens (my-sec-grp), so both are accepted.
const CACHE_SECURITY_GROUP_NAME = /^[A-Za-z0-9-]{1,255}$/;
// EC2-Classic group names: ASCII, up to 255 characters.
const EC2_GROUP_NAME = /^[\x20-\x7E]{1,255}$/;
const OWNER_ID = /^(\d{12}|\d{4}-\d{4}-\d{4})$/;
const CLUSTER_ID = /^[A-Za-z][A-Za-z0-9-]{0,49}$/;
const MAX_TAGS = 50;

function invalid(message: string): AwsApiError {
  return new AwsApiError('InvalidParameterValue', message);
}

function cacheSecurityGroupName(params: QueryParams): string {
  const name = params.required('CacheSecurityGroupName');
  if (!CACHE_SECURITY_GROUP_NAME.test(name)) {
    throw invalid(`Invalid CacheSecurityGroupName '${name}': use up to 255 letters, digits and hyphens.`);
  }
  return name.toLowerCase();
}

function findGroup(state: AwsEmulatorState, name: string): CacheSecurityGroupRecord {
  const group = state.cacheSecurityGroups.get(name);
  if (!group) throw new AwsApiError('CacheSecurityGroupNotFound', `CacheSecurityGroup ${name} not found.`, 404);
  return group;
}

/** The EC2 group named by an Authorize/Revoke request; owner ids are stored without dashes. */
function ec2Group(params: QueryParams): { name: string; ownerId: string } {
  const name = params.required('EC2SecurityGroupName');
  if (!EC2_GROUP_NAME.test(name)) throw invalid(`Invalid EC2SecurityGroupName '${name}'.`);
  const owner = params.required('EC2SecurityGroupOwnerId');
  if (!OWNER_ID.test(owner)) {
    throw invalid(`Invalid EC2SecurityGroupOwnerId '${owner}': it must be a 12-digit AWS account number, not an access key id.`);
  }
  return { name, ownerId: owner.replace(/-/g, '') };
}

function records(params: QueryParams): number {
  return params.integer('MaxRecords', { min: 20, max: 100 }) ?? 100;
}

function groupXml(state: AwsEmulatorState, group: CacheSecurityGroupRecord, override?: { name: string; ownerId: string; status: AuthorizationStatus }): XmlElement {
  const entries = state.liveAuthorizations(group).map(({ auth, status }) => ({ name: auth.ec2SecurityGroupName, ownerId: auth.ec2SecurityGroupOwnerId, status }));
  if (override) {
    // The answer to Authorize/Revoke shows the entry as just accepted (authorizing/revoking), as AWS's samples do,
    // even when a zero propagation delay would already report the next state on the following read.
    const index = entries.findIndex((entry) => entry.name === override.name && entry.ownerId === override.ownerId);
    if (index >= 0) entries[index] = override;
    else entries.push(override);
  }
  return el('CacheSecurityGroup', [
    el('OwnerId', group.ownerId),
    el('CacheSecurityGroupName', group.name),
    el('Description', group.description),
    el(
      'EC2SecurityGroups',
      entries.map((entry) =>
        el('EC2SecurityGroup', [el('Status', entry.status), el('EC2SecurityGroupName', entry.name), el('EC2SecurityGroupOwnerId', entry.ownerId)]),
      ),
    ),
    el('ARN', state.cacheSecurityGroupArn(group.name)),
  ]);
}

const createCacheSecurityGroup: ElastiCacheOperation = (state, params) => {
  const name = cacheSecurityGroupName(params);
  const description = params.required('Description');
  if (name === 'default') throw invalid('CacheSecurityGroupName must not be "Default".');
  const tags = params.indexed('Tags.Tag').map((tag) => ({ key: tag.required('Key'), value: tag.optional('Value') ?? '' }));
  if (tags.length > MAX_TAGS) {
    throw new AwsApiError('TagQuotaPerResourceExceeded', `A resource can have at most ${MAX_TAGS} tags.`);
  }
  if (state.cacheSecurityGroups.has(name)) {
    throw new AwsApiError('CacheSecurityGroupAlreadyExists', `Cache security group ${name} already exists.`);
  }
  if (state.cacheSecurityGroups.size >= state.settings.cacheSecurityGroupQuota) {
    throw new AwsApiError('QuotaExceeded.CacheSecurityGroup', `Quota of ${state.settings.cacheSecurityGroupQuota} cache security groups exceeded.`);
  }
  const group: CacheSecurityGroupRecord = { name, description, ownerId: state.ownerId, tags, authorizations: [] };
  state.cacheSecurityGroups.set(name, group);
  return [groupXml(state, group)];
};

const describeCacheSecurityGroups: ElastiCacheOperation = (state, params) => {
  const max = records(params);
  const wanted = params.optional('CacheSecurityGroupName');
  if (wanted !== undefined && wanted !== '') {
    const group = findGroup(state, cacheSecurityGroupName(params));
    return [el('CacheSecurityGroups', [groupXml(state, group)])];
  }
  const groups = [...state.cacheSecurityGroups.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
  const { page, next } = pageOf(groups, (group) => group.name, max, params.optional('Marker'), 'Marker');
  return [opt('Marker', next), el('CacheSecurityGroups', page.map((group) => groupXml(state, group)))];
};

const authorizeCacheSecurityGroupIngress: ElastiCacheOperation = (state, params) => {
  const group = findGroup(state, cacheSecurityGroupName(params));
  const ec2 = ec2Group(params);
  // Only this account's groups are known; another account's group is taken on trust, as AWS cannot be asked here.
  if (ec2.ownerId === state.ownerId) {
    const known = [...state.securityGroups.values()].some((sg) => sg.groupName === ec2.name && sg.ownerId === ec2.ownerId && sg.vpcId === undefined);
    if (!known) throw invalid(`EC2 security group ${ec2.name} not found for owner ${ec2.ownerId}.`);
  }
  const existing = state.liveAuthorizations(group).find(({ auth }) => auth.ec2SecurityGroupName === ec2.name && auth.ec2SecurityGroupOwnerId === ec2.ownerId);
  if (existing?.status === 'revoking') {
    throw new AwsApiError('InvalidCacheSecurityGroupState', `EC2 security group ${ec2.name} (owner ${ec2.ownerId}) is being revoked from ${group.name}; try again when it is gone.`);
  }
  if (existing) {
    throw new AwsApiError('AuthorizationAlreadyExists', `EC2 security group ${ec2.name} (owner ${ec2.ownerId}) is already authorized for ${group.name}.`);
  }
  group.authorizations.push({
    ec2SecurityGroupName: ec2.name,
    ec2SecurityGroupOwnerId: ec2.ownerId,
    authorizedAt: state.now(),
    delayMs: state.drawDelay('propagationDelayMs'),
    stuck: state.faults.neverAvailable,
  });
  return [groupXml(state, group, { ...ec2, status: 'authorizing' })];
};

const revokeCacheSecurityGroupIngress: ElastiCacheOperation = (state, params) => {
  const group = findGroup(state, cacheSecurityGroupName(params));
  const ec2 = ec2Group(params);
  const existing = state.liveAuthorizations(group).find(({ auth }) => auth.ec2SecurityGroupName === ec2.name && auth.ec2SecurityGroupOwnerId === ec2.ownerId);
  if (!existing) {
    throw new AwsApiError('AuthorizationNotFound', `EC2 security group ${ec2.name} (owner ${ec2.ownerId}) is not authorized for ${group.name}.`, 404);
  }
  if (existing.status !== 'available') {
    throw new AwsApiError('InvalidCacheSecurityGroupState', `The authorization of ${ec2.name} (owner ${ec2.ownerId}) on ${group.name} is ${existing.status}; it can be revoked once available.`);
  }
  existing.auth.revokedAt = state.now();
  existing.auth.revokeDelayMs = state.drawDelay('propagationDelayMs');
  return [groupXml(state, group, { ...ec2, status: 'revoking' })];
};

const deleteCacheSecurityGroup: ElastiCacheOperation = (state, params) => {
  const name = cacheSecurityGroupName(params);
  if (name === 'default') throw invalid('The default cache security group cannot be deleted.');
  findGroup(state, name);
  const user = [...state.cacheClusters.values()].find((cluster) => cluster.cacheSecurityGroupNames.includes(name));
  if (user) throw new AwsApiError('InvalidCacheSecurityGroupState', `Cache security group ${name} is used by cache cluster ${user.cacheClusterId}.`);
  state.cacheSecurityGroups.delete(name);
  return null;
};

function endpoint(name: string, address: string, port: number): XmlElement {
  return el(name, [el('Address', address), el('Port', port)]);
}

function host(state: AwsEmulatorState, label: string): string {
  return `${label}.emu.${state.region}.cache.amazonaws.com`;
}

const ENGINE_VERSION: Record<CacheClusterRecord['engine'], string> = { redis: '7.1.0', valkey: '8.0.1', memcached: '1.6.22' };

function clusterXml(state: AwsEmulatorState, cluster: CacheClusterRecord, showNodes: boolean): XmlElement {
  const id = cluster.cacheClusterId;
  const nodeIds = Array.from({ length: cluster.numCacheNodes }, (_, i) => String(i + 1).padStart(4, '0'));
  return el('CacheCluster', [
    el('CacheClusterId', id),
    cluster.engine === 'memcached' && endpoint('ConfigurationEndpoint', host(state, `${id}.cfg`), cluster.port),
    el('CacheNodeType', cluster.cacheNodeType),
    el('Engine', cluster.engine),
    el('EngineVersion', ENGINE_VERSION[cluster.engine]),
    el('CacheClusterStatus', 'available'),
    el('NumCacheNodes', cluster.numCacheNodes),
    el('PreferredAvailabilityZone', `${state.region}a`),
    el('CacheClusterCreateTime', '2026-01-05T09:30:00.000Z'),
    el('PreferredMaintenanceWindow', 'sun:05:00-sun:06:00'),
    el('PendingModifiedValues'),
    el(
      'CacheSecurityGroups',
      cluster.cacheSecurityGroupNames.map((name) => el('CacheSecurityGroup', [el('CacheSecurityGroupName', name), el('Status', 'active')])),
    ),
    cluster.securityGroupIds.length > 0 && el('CacheSubnetGroupName', 'default'),
    showNodes &&
      el(
        'CacheNodes',
        nodeIds.map((nodeId) =>
          el('CacheNode', [
            el('CacheNodeId', nodeId),
            el('CacheNodeStatus', 'available'),
            el('CacheNodeCreateTime', '2026-01-05T09:30:00.000Z'),
            endpoint('Endpoint', host(state, `${id}.${nodeId}`), cluster.port),
            el('ParameterGroupStatus', 'in-sync'),
            el('CustomerAvailabilityZone', `${state.region}a`),
          ]),
        ),
      ),
    el('AutoMinorVersionUpgrade', true),
    el(
      'SecurityGroups',
      cluster.securityGroupIds.map((groupId) => el('member', [el('SecurityGroupId', groupId), el('Status', 'active')])),
    ),
    opt('ReplicationGroupId', cluster.replicationGroupId),
    el('ARN', `arn:aws:elasticache:${state.region}:${state.ownerId}:cluster:${id}`),
  ]);
}

const describeCacheClusters: ElastiCacheOperation = (state, params) => {
  const max = records(params);
  const showNodes = params.boolean('ShowCacheNodeInfo');
  const notInReplicationGroups = params.boolean('ShowCacheClustersNotInReplicationGroups');
  const wanted = params.optional('CacheClusterId');
  if (wanted !== undefined && wanted !== '') {
    if (!CLUSTER_ID.test(wanted)) throw invalid(`Invalid CacheClusterId '${wanted}'.`);
    const cluster = state.cacheClusters.get(wanted.toLowerCase());
    if (!cluster) throw new AwsApiError('CacheClusterNotFound', `CacheCluster not found: ${wanted.toLowerCase()}`, 404);
    return [el('CacheClusters', [clusterXml(state, cluster, showNodes)])];
  }
  const clusters = [...state.cacheClusters.values()]
    .filter((cluster) => !notInReplicationGroups || cluster.replicationGroupId === undefined)
    .sort((a, b) => (a.cacheClusterId < b.cacheClusterId ? -1 : 1));
  const { page, next } = pageOf(clusters, (cluster) => cluster.cacheClusterId, max, params.optional('Marker'), 'Marker');
  return [opt('Marker', next), el('CacheClusters', page.map((cluster) => clusterXml(state, cluster, showNodes)))];
};

function replicationGroupXml(state: AwsEmulatorState, group: ReplicationGroupRecord): XmlElement {
  const id = group.replicationGroupId;
  const [primary] = group.memberClusters;
  return el('ReplicationGroup', [
    el('ReplicationGroupId', id),
    el('Description', group.description),
    el('Status', 'available'),
    el('PendingModifiedValues'),
    el('MemberClusters', group.memberClusters.map((member) => el('ClusterId', member))),
    el('NodeGroups', [
      el('NodeGroup', [
        el('NodeGroupId', '0001'),
        el('Status', 'available'),
        endpoint('PrimaryEndpoint', host(state, `master.${id}`), group.port),
        endpoint('ReaderEndpoint', host(state, `replica.${id}`), group.port),
        el(
          'NodeGroupMembers',
          group.memberClusters.map((member) =>
            el('NodeGroupMember', [
              el('CacheClusterId', member),
              el('CacheNodeId', '0001'),
              endpoint('ReadEndpoint', host(state, `${member}.0001`), group.port),
              el('PreferredAvailabilityZone', `${state.region}a`),
              el('CurrentRole', member === primary ? 'primary' : 'replica'),
            ]),
          ),
        ),
      ]),
    ]),
    el('AutomaticFailover', group.memberClusters.length > 1 ? 'enabled' : 'disabled'),
    el('MultiAZ', 'disabled'),
    el('ClusterEnabled', false),
    el('CacheNodeType', state.cacheClusters.get(primary ?? '')?.cacheNodeType ?? 'cache.t4g.micro'),
    el('ARN', `arn:aws:elasticache:${state.region}:${state.ownerId}:replicationgroup:${id}`),
  ]);
}

const describeReplicationGroups: ElastiCacheOperation = (state, params) => {
  const max = records(params);
  const wanted = params.optional('ReplicationGroupId');
  if (wanted !== undefined && wanted !== '') {
    if (!CLUSTER_ID.test(wanted)) throw invalid(`Invalid ReplicationGroupId '${wanted}'.`);
    const group = state.replicationGroups.get(wanted.toLowerCase());
    // The SDK's model gives this error the wire code "ReplicationGroupNotFoundFault" (unlike its siblings).
    if (!group) throw new AwsApiError('ReplicationGroupNotFoundFault', `ReplicationGroup ${wanted.toLowerCase()} not found`, 404);
    return [el('ReplicationGroups', [replicationGroupXml(state, group)])];
  }
  const groups = [...state.replicationGroups.values()].sort((a, b) => (a.replicationGroupId < b.replicationGroupId ? -1 : 1));
  const { page, next } = pageOf(groups, (group) => group.replicationGroupId, max, params.optional('Marker'), 'Marker');
  return [opt('Marker', next), el('ReplicationGroups', page.map((group) => replicationGroupXml(state, group)))];
};

export const elastiCacheOperations: Readonly<Record<string, ElastiCacheOperation>> = {
  CreateCacheSecurityGroup: createCacheSecurityGroup,
  DescribeCacheSecurityGroups: describeCacheSecurityGroups,
  AuthorizeCacheSecurityGroupIngress: authorizeCacheSecurityGroupIngress,
  RevokeCacheSecurityGroupIngress: revokeCacheSecurityGroupIngress,
  DeleteCacheSecurityGroup: deleteCacheSecurityGroup,
  DescribeCacheClusters: describeCacheClusters,
  DescribeReplicationGroups: describeReplicationGroups,
};
