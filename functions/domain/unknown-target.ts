/**
 * What a requester reads when the cache they named does not exist: which field, what was looked for,
 * and what they can do about it. AWS's own fault text (operation, fault name, HTTP status) says nothing
 * the requester can act on, so it stays in the log.
 */
import type { GrantTarget } from './access-request.js';

export function unknownTargetProblem(target: GrantTarget): { field: string; message: string } {
  if (target.mode === 'classic') {
    return {
      field: 'cacheSecurityGroupName',
      message:
        `There is no cache security group named "${target.cacheSecurityGroupName}" in this account and region. ` +
        'Check the name; for a cluster in a VPC (every account since 2013), ask with replicationGroupId or cacheClusterId instead.',
    };
  }
  if (target.replicationGroupId !== undefined) {
    return {
      field: 'replicationGroupId',
      message:
        `There is no replication group "${target.replicationGroupId}" in this account and region. ` +
        'Check the id in the ElastiCache console; for a single-node cluster, use cacheClusterId instead.',
    };
  }
  return {
    field: 'cacheClusterId',
    message:
      `There is no cache cluster "${target.cacheClusterId}" in this account and region. ` +
      'Check the id in the ElastiCache console; for a replication group (Redis OSS or Valkey with replicas), use replicationGroupId instead.',
  };
}
