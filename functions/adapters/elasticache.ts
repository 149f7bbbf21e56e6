/**
 * The classic grant driver: authorize an EC2 security group (by name and owner) on an ElastiCache cache
 * security group. Cache security groups only exist outside a VPC (EC2-Classic, retired by AWS), so in
 * real accounts this path is for fidelity and the local emulator; production grants use vpc-grant.ts.
 */
import type { ClassicTarget, GrantTarget } from '../domain/access-request.js';
import { describeTarget } from '../domain/access-request.js';
import { AccountId, CacheSecurityGroupName, checkedId, Ec2SecurityGroupName } from '../domain/aws-identifiers.js';
import type { GrantDriver, GrantReceipt, GrantState, ObservedGrant, ResolvedTarget } from '../domain/grant-driver.js';
import { GrantFailed, GroupNotFound, InvalidTarget } from '../errors.js';
import type { CacheSecurityGroup } from './elasticache-client.js';
import { changeCacheSecurityGroupIngress, describeCacheSecurityGroup } from './elasticache-client.js';
import { CLASSIC_ERRORS, mapAwsErrors } from './grant-errors.js';

/** A classic target checked by the request's own rules (domain/aws-identifiers.ts) and normalized, before any call. */
export function validateClassicTarget(target: GrantTarget): ClassicTarget {
  if (target.mode !== 'classic') throw new InvalidTarget(`The classic grant driver cannot grant a ${target.mode} target`);
  const problems: string[] = [];
  checkedId(CacheSecurityGroupName, target.cacheSecurityGroupName, 'cache security group name', problems);
  checkedId(Ec2SecurityGroupName, target.ec2SecurityGroupName, 'EC2 security group name', problems);
  const ownerId = checkedId(AccountId, target.ec2SecurityGroupOwnerId, 'EC2 security group owner', problems);
  if (problems.length > 0 || ownerId === undefined) throw new InvalidTarget(`Invalid classic target: ${problems.join('; ')}`);
  return { ...target, ec2SecurityGroupOwnerId: ownerId };
}

/** The cache security group by name; GroupNotFound when there is none. */
export async function describeGroup(cacheSecurityGroupName: string): Promise<CacheSecurityGroup> {
  const group = await mapAwsErrors(`Describing cache security group ${cacheSecurityGroupName}`, CLASSIC_ERRORS, () => describeCacheSecurityGroup(cacheSecurityGroupName));
  if (!group) throw new GroupNotFound(`Cache security group ${cacheSecurityGroupName} was not found`);
  return group;
}

export async function authorizeIngress(target: ClassicTarget): Promise<void> {
  const valid = validateClassicTarget(target);
  await mapAwsErrors(`Authorizing ${describeTarget(valid)}`, CLASSIC_ERRORS, () => changeCacheSecurityGroupIngress('Authorize', valid));
}

/** The AWS status of the EC2 group's authorization on the cache security group (e.g. "authorizing"), or undefined when absent. */
export async function ingressStatus(target: ClassicTarget): Promise<string | undefined> {
  const valid = validateClassicTarget(target);
  const group = await describeGroup(valid.cacheSecurityGroupName);
  const entry = group.ec2SecurityGroups.find(
    (ec2) => ec2.ec2SecurityGroupName === valid.ec2SecurityGroupName && ec2.ec2SecurityGroupOwnerId?.replace(/-/g, '') === valid.ec2SecurityGroupOwnerId,
  );
  return entry ? (entry.status ?? '') : undefined;
}

export async function revokeIngress(target: ClassicTarget): Promise<void> {
  const valid = validateClassicTarget(target);
  await mapAwsErrors(`Revoking ${describeTarget(valid)}`, CLASSIC_ERRORS, () => changeCacheSecurityGroupIngress('Revoke', valid));
}

/**
 * AWS status → grant state. AWS documents both `available` (user guide) and `authorized` (RDS's
 * equivalent API) for a working grant; `revoked` is RDS's word for gone.
 */
export function grantStateOf(status: string | undefined): GrantState {
  switch (status) {
    case undefined:
    case 'revoked':
      return 'absent';
    case 'authorizing':
      return 'pending';
    case 'available':
    case 'authorized':
      return 'active';
    case 'revoking':
      return 'revoking';
    default:
      throw new GrantFailed(`ElastiCache reported an unknown authorization status "${status}"`);
  }
}

/** Checks the cache security group exists. */
export async function resolveClassicTarget(target: GrantTarget): Promise<ResolvedTarget> {
  const valid = validateClassicTarget(target);
  const group = await describeGroup(valid.cacheSecurityGroupName);
  return { summary: `${valid.ec2SecurityGroupName} (owner ${valid.ec2SecurityGroupOwnerId}) on cache security group ${group.cacheSecurityGroupName ?? valid.cacheSecurityGroupName}` };
}

/** Every authorization on a cache security group: what submission and the reconciler compare. */
export async function classicInventory(scope: string): Promise<ObservedGrant[]> {
  const group = await describeGroup(scope);
  return group.ec2SecurityGroups.map((ec2) => {
    const source = `${ec2.ec2SecurityGroupName ?? ''}/${ec2.ec2SecurityGroupOwnerId?.replace(/-/g, '') ?? ''}`;
    return { id: source, source, state: grantStateOf(ec2.status) };
  });
}

export const classicGrantDriver: GrantDriver = {
  resolveTarget: resolveClassicTarget,

  async authorize(request): Promise<GrantReceipt> {
    await authorizeIngress(validateClassicTarget(request.target));
    return { created: true };
  },

  async status(request): Promise<GrantState> {
    return grantStateOf(await ingressStatus(validateClassicTarget(request.target)));
  },

  async revoke(request, receipt): Promise<void> {
    // An authorization that was there before this request is someone else's: leave it.
    if (!receipt.created) return;
    await revokeIngress(validateClassicTarget(request.target));
  },

  inventory: classicInventory,
};
