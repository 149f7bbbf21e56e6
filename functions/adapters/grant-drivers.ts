/**
 * The grant driver for a target: classic (ElastiCache cache security groups) or VPC (EC2 rules). The
 * request's body picks the mode at run time, so the functions that grant, check and revoke carry both
 * drivers (the classic one adds about 3 KB to them). A function that only looks (createRequest resolves the
 * target and checks for equal access) uses `resolveGrantTarget` and `inventoryGrants`, which leave the
 * drivers' authorize, status and revoke calls (and those commands' schemas) out of its bundle.
 */
import { ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { grantConfig } from '../config.js';
import type { GrantTarget } from '../domain/access-request.js';
import type { GrantDriver, ObservedGrant, ResolvedTarget } from '../domain/grant-driver.js';
import { awsClient } from './aws-client.js';
import { ec2Client } from './ec2-client.js';
import { classicInventory, createClassicGrantDriver, resolveClassicTarget } from './elasticache.js';
import { createVpcGrantDriver, resolveVpcTarget, vpcInventory } from './vpc-grant.js';

const elasticache = /* @__PURE__ */ awsClient(ElastiCacheClient, 'elasticache');

let classic: GrantDriver | undefined;
let vpc: GrantDriver | undefined;

export function grantDriverFor(target: Pick<GrantTarget, 'mode'>): GrantDriver {
  if (target.mode === 'classic') return (classic ??= createClassicGrantDriver(elasticache));
  return (vpc ??= createVpcGrantDriver({ elasticache, ec2: ec2Client(), managedGroups: grantConfig().managedGroups }));
}

/** What grantDriverFor(target).resolveTarget(target) finds out, without the drivers' EC2 side. */
export function resolveGrantTarget(target: GrantTarget): Promise<ResolvedTarget> {
  return target.mode === 'classic' ? resolveClassicTarget(elasticache, target) : resolveVpcTarget(elasticache, grantConfig().managedGroups, target);
}

/** What grantDriverFor(target).inventory(scope) finds, without the drivers' calls that change AWS. */
export function inventoryGrants(target: Pick<GrantTarget, 'mode'>, scope: string): Promise<ObservedGrant[]> {
  return target.mode === 'classic' ? classicInventory(elasticache, scope) : vpcInventory(ec2Client(), scope);
}
