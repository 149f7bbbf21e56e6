/**
 * The grant driver for a target: classic (ElastiCache cache security groups) or VPC (EC2 rules). The
 * request's body picks the mode at run time, so the functions that grant, check and revoke carry both
 * drivers (the classic one adds about 3 KB to them). A function that only looks (createRequest resolves the
 * target and checks for equal access) uses `resolveGrantTarget` and `inventoryGrants`, which leave the
 * drivers' authorize, status and revoke calls out of its bundle.
 */
import { grantConfig } from '../config.js';
import type { GrantTarget } from '../domain/access-request.js';
import type { GrantDriver, ObservedGrant, ResolvedTarget } from '../domain/grant-driver.js';
import { classicGrantDriver, classicInventory, resolveClassicTarget } from './elasticache.js';
import { createVpcGrantDriver, resolveVpcTarget, vpcInventory } from './vpc-grant.js';

let vpc: GrantDriver | undefined;

export function grantDriverFor(target: Pick<GrantTarget, 'mode'>): GrantDriver {
  if (target.mode === 'classic') return classicGrantDriver;
  return (vpc ??= createVpcGrantDriver({ managedGroups: grantConfig().managedGroups }));
}

/** What grantDriverFor(target).resolveTarget(target) finds out, without the drivers' EC2 side. */
export function resolveGrantTarget(target: GrantTarget): Promise<ResolvedTarget> {
  return target.mode === 'classic' ? resolveClassicTarget(target) : resolveVpcTarget(grantConfig().managedGroups, target);
}

/** What grantDriverFor(target).inventory(scope) finds, without the drivers' calls that change AWS. */
export function inventoryGrants(target: Pick<GrantTarget, 'mode'>, scope: string): Promise<ObservedGrant[]> {
  return target.mode === 'classic' ? classicInventory(scope) : vpcInventory(scope);
}
