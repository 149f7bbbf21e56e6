/** The grant driver for a target: classic (ElastiCache cache security groups) or VPC (EC2 rules). */
import { EC2Client } from '@aws-sdk/client-ec2';
import { ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { grantConfig } from '../config.js';
import type { GrantTarget } from '../domain/access-request.js';
import type { GrantDriver } from '../domain/grant-driver.js';
import { awsClient } from './aws-client.js';
import { createClassicGrantDriver } from './elasticache.js';
import { createVpcGrantDriver } from './vpc-grant.js';

const elasticache = /* @__PURE__ */ awsClient(ElastiCacheClient, 'elasticache');
const ec2 = /* @__PURE__ */ awsClient(EC2Client, 'ec2');

let classic: GrantDriver | undefined;
let vpc: GrantDriver | undefined;

export function grantDriverFor(target: GrantTarget): GrantDriver {
  if (target.mode === 'classic') return (classic ??= createClassicGrantDriver(elasticache));
  return (vpc ??= createVpcGrantDriver({ elasticache, ec2, managedGroups: grantConfig().managedGroups }));
}
