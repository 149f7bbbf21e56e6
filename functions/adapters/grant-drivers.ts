/**
 * The grant driver for a target: classic (ElastiCache cache security groups) or VPC (EC2 rules). The
 * request's body picks the mode at run time, so the functions that grant, check and revoke carry both
 * drivers (the classic one adds about 3 KB to them). Resolving a target needs ElastiCache only:
 * `resolveGrantTarget` lets a function that only resolves (createRequest) leave EC2 out of its bundle.
 */
import { ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { grantConfig } from '../config.js';
import type { GrantTarget } from '../domain/access-request.js';
import type { GrantDriver, ResolvedTarget } from '../domain/grant-driver.js';
import { awsClient } from './aws-client.js';
import { ec2Client } from './ec2-client.js';
import { createClassicGrantDriver, resolveClassicTarget } from './elasticache.js';
import { createVpcGrantDriver, resolveVpcTarget } from './vpc-grant.js';

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
