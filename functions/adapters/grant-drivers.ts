/** The grant driver for a target: classic (ElastiCache cache security groups) or VPC (EC2 rules). */
import { EC2Client } from '@aws-sdk/client-ec2';
import { ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { awsConfig, grantConfig } from '../config.js';
import type { GrantTarget } from '../domain/access-request.js';
import type { GrantDriver } from '../domain/grant-driver.js';
import { createClassicGrantDriver } from './elasticache.js';
import { createVpcGrantDriver } from './vpc-grant.js';

const { region, endpoints } = awsConfig();
const elasticache = new ElastiCacheClient({ region, endpoint: endpoints.elasticache });
const ec2 = new EC2Client({ region, endpoint: endpoints.ec2 });

const classic = createClassicGrantDriver(elasticache);
let vpc: GrantDriver | undefined;

export function grantDriverFor(target: Pick<GrantTarget, 'mode'>): GrantDriver {
  if (target.mode === 'classic') return classic;
  vpc ??= createVpcGrantDriver({ elasticache, ec2, managedGroups: grantConfig().managedGroups });
  return vpc;
}
