/** The access request: what was asked, by whom, and everything that happened to it since. */
import { createHash } from 'node:crypto';
import * as v from 'valibot';


/** A request's id, as the API hands it out (a UUID); anything else names no request. */
export const RequestId = v.pipe(v.string(), v.regex(/^[0-9a-f-]{36}$/));


/** EC2-Classic: authorize an EC2 security group (by name and owner) on a cache security group. */
export interface ClassicTarget {
  mode: 'classic';
  cacheSecurityGroupName: string;
  ec2SecurityGroupName: string;
  ec2SecurityGroupOwnerId: string;
}

/** VPC: an ingress rule on the cluster's cachegate-managed VPC security group, from a source group. */
export interface VpcTarget {
  mode: 'vpc';
  /** Exactly one of replicationGroupId / cacheClusterId is set. */
  replicationGroupId?: string;
  cacheClusterId?: string;
  sourceSecurityGroupId: string;
  sourceSecurityGroupOwnerId?: string;
}

export type GrantTarget = ClassicTarget | VpcTarget;

/** The key the approval policy is looked up by: the cache security group, or the cluster. */
export function policyKeyOf(target: GrantTarget): string {
  if (target.mode === 'classic') return target.cacheSecurityGroupName;
  return target.replicationGroupId ?? target.cacheClusterId ?? '';
}

/** A short human description of what the grant does, for messages and pages. */
export function describeTarget(target: GrantTarget): string {
  if (target.mode === 'classic') {
    return `EC2 security group ${target.ec2SecurityGroupName} (owner ${target.ec2SecurityGroupOwnerId}) → cache security group ${target.cacheSecurityGroupName}`;
  }
  const cluster = target.replicationGroupId ? `replication group ${target.replicationGroupId}` : `cache cluster ${target.cacheClusterId}`;
  const owner = target.sourceSecurityGroupOwnerId ? ` (owner ${target.sourceSecurityGroupOwnerId})` : '';
  return `security group ${target.sourceSecurityGroupId}${owner} → ${cluster}`;
}

/** A stable key for "the same grant": a requester has at most one open request per key. */
export function targetKey(target: GrantTarget): string {
  const parts =
    target.mode === 'classic'
      ? ['classic', target.cacheSecurityGroupName, target.ec2SecurityGroupName, target.ec2SecurityGroupOwnerId]
      : ['vpc', target.replicationGroupId ?? '', target.cacheClusterId ?? '', target.sourceSecurityGroupId, target.sourceSecurityGroupOwnerId ?? ''];
  return createHash('sha256').update(parts.join('\n')).digest('hex').slice(0, 32);
}
