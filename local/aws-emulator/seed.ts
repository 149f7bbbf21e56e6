/**
 * The emulator's starting state, as a JSON file or an object: the account, its cache security groups,
 * EC2 security groups (EC2-Classic groups have no vpcId), clusters and replication groups. Validated on
 * load so a typo in a seed fails with the path of the bad field, not as a confusing API answer later.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

export type SeedAuthorizationStatus = 'authorizing' | 'available' | 'revoking';

export interface SeedAuthorization {
  ec2SecurityGroupName: string;
  ec2SecurityGroupOwnerId: string;
  /** `available` unless given. */
  status?: SeedAuthorizationStatus;
}

export interface SeedCacheSecurityGroup {
  name: string;
  description: string;
  authorizations?: SeedAuthorization[];
}

export interface SeedSecurityGroup {
  groupId: string;
  groupName: string;
  /** Absent for an EC2-Classic group. */
  vpcId?: string;
  /** The account's ownerId unless given. */
  ownerId?: string;
  description?: string;
}

/** One source of one permission: what a security group rule is made of (seeded, sent, or stored). */
export interface RuleSpec {
  ipProtocol: string;
  fromPort: number;
  toPort: number;
  referencedGroupId?: string;
  referencedUserId?: string;
  cidrIpv4?: string;
  description?: string;
}

export interface SeedSecurityGroupRule extends RuleSpec {
  groupId: string;
  tags?: Record<string, string>;
}

export interface SeedCacheCluster {
  cacheClusterId: string;
  replicationGroupId?: string;
  engine: 'redis' | 'valkey' | 'memcached';
  port: number;
  /** VPC security groups; empty for an EC2-Classic cluster. */
  securityGroupIds?: string[];
  /** EC2-Classic cache security groups the cluster uses (DeleteCacheSecurityGroup refuses them). */
  cacheSecurityGroupNames?: string[];
  numCacheNodes?: number;
  cacheNodeType?: string;
}

export interface SeedReplicationGroup {
  replicationGroupId: string;
  description?: string;
  memberClusters: string[];
  port: number;
}

export interface AwsEmulatorSeed {
  ownerId?: string;
  region?: string;
  cacheSecurityGroups?: SeedCacheSecurityGroup[];
  securityGroups?: SeedSecurityGroup[];
  securityGroupRules?: SeedSecurityGroupRule[];
  cacheClusters?: SeedCacheCluster[];
  replicationGroups?: SeedReplicationGroup[];
}

/** The demo state for `npm start`, next to this file. Resolved from the working directory (the repo root for npm scripts). */
export const DEMO_SEED_PATH = resolve('local/aws-emulator/seed.json');

export function loadSeedFile(path: string): AwsEmulatorSeed {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`AWS emulator seed ${path} could not be read as JSON: ${(err as Error).message}`, { cause: err });
  }
  return validateSeed(parsed, path);
}

class SeedError extends Error {
  override name = 'SeedError';
}

type Json = Record<string, unknown>;

function object(value: unknown, at: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new SeedError(`${at} must be an object`);
  return value as Json;
}

function string(value: unknown, at: string, pattern?: RegExp): string {
  if (typeof value !== 'string' || value === '') throw new SeedError(`${at} must be a non-empty string`);
  if (pattern && !pattern.test(value)) throw new SeedError(`${at} "${value}" does not match ${pattern}`);
  return value;
}

function optionalString(value: unknown, at: string, pattern?: RegExp): string | undefined {
  return value === undefined ? undefined : string(value, at, pattern);
}

function port(value: unknown, at: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 65535) throw new SeedError(`${at} must be a port number`);
  return value;
}

function list<T>(value: unknown, at: string, item: (value: unknown, at: string) => T): T[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new SeedError(`${at} must be an array`);
  return value.map((entry, i) => item(entry, `${at}[${i}]`));
}

const OWNER = /^\d{12}$/;
const SG_ID = /^sg-[0-9a-f]{8,17}$/;
const NAME = /^[A-Za-z0-9-]{1,255}$/;
const CLUSTER_ID = /^[A-Za-z][A-Za-z0-9-]{0,49}$/;

export function validateSeed(input: unknown, source = 'seed'): AwsEmulatorSeed {
  try {
    const root = object(input, source);
    const seed: AwsEmulatorSeed = {
      ownerId: optionalString(root.ownerId, `${source}.ownerId`, OWNER),
      region: optionalString(root.region, `${source}.region`, /^[a-z]{2}(-[a-z]+)+-\d$/),
      cacheSecurityGroups: list(root.cacheSecurityGroups, `${source}.cacheSecurityGroups`, (value, at) => {
        const group = object(value, at);
        return {
          name: string(group.name, `${at}.name`, NAME),
          description: typeof group.description === 'string' ? group.description : string(group.description, `${at}.description`),
          authorizations: list(group.authorizations, `${at}.authorizations`, (entry, where) => {
            const auth = object(entry, where);
            const status = auth.status ?? 'available';
            if (status !== 'authorizing' && status !== 'available' && status !== 'revoking') {
              throw new SeedError(`${where}.status must be authorizing, available or revoking`);
            }
            return {
              ec2SecurityGroupName: string(auth.ec2SecurityGroupName, `${where}.ec2SecurityGroupName`),
              ec2SecurityGroupOwnerId: string(auth.ec2SecurityGroupOwnerId, `${where}.ec2SecurityGroupOwnerId`, OWNER),
              status,
            };
          }),
        };
      }),
      securityGroups: list(root.securityGroups, `${source}.securityGroups`, (value, at) => {
        const group = object(value, at);
        return {
          groupId: string(group.groupId, `${at}.groupId`, SG_ID),
          groupName: string(group.groupName, `${at}.groupName`),
          vpcId: optionalString(group.vpcId, `${at}.vpcId`, /^vpc-[0-9a-f]{8,17}$/),
          ownerId: optionalString(group.ownerId, `${at}.ownerId`, OWNER),
          description: optionalString(group.description, `${at}.description`),
        };
      }),
      securityGroupRules: list(root.securityGroupRules, `${source}.securityGroupRules`, (value, at) => {
        const rule = object(value, at);
        const tags = rule.tags === undefined ? undefined : object(rule.tags, `${at}.tags`);
        return {
          groupId: string(rule.groupId, `${at}.groupId`, SG_ID),
          ipProtocol: string(rule.ipProtocol, `${at}.ipProtocol`),
          fromPort: port(rule.fromPort, `${at}.fromPort`),
          toPort: port(rule.toPort, `${at}.toPort`),
          referencedGroupId: optionalString(rule.referencedGroupId, `${at}.referencedGroupId`, SG_ID),
          referencedUserId: optionalString(rule.referencedUserId, `${at}.referencedUserId`, OWNER),
          cidrIpv4: optionalString(rule.cidrIpv4, `${at}.cidrIpv4`),
          description: optionalString(rule.description, `${at}.description`),
          tags: tags && Object.fromEntries(Object.entries(tags).map(([key, tag]) => [key, string(tag, `${at}.tags.${key}`)])),
        };
      }),
      cacheClusters: list(root.cacheClusters, `${source}.cacheClusters`, (value, at) => {
        const cluster = object(value, at);
        const engine = cluster.engine;
        if (engine !== 'redis' && engine !== 'valkey' && engine !== 'memcached') throw new SeedError(`${at}.engine must be redis, valkey or memcached`);
        const nodes = cluster.numCacheNodes;
        if (nodes !== undefined && (typeof nodes !== 'number' || !Number.isInteger(nodes) || nodes < 1)) throw new SeedError(`${at}.numCacheNodes must be a positive integer`);
        return {
          cacheClusterId: string(cluster.cacheClusterId, `${at}.cacheClusterId`, CLUSTER_ID),
          replicationGroupId: optionalString(cluster.replicationGroupId, `${at}.replicationGroupId`, CLUSTER_ID),
          engine,
          port: port(cluster.port, `${at}.port`),
          securityGroupIds: list(cluster.securityGroupIds, `${at}.securityGroupIds`, (id, where) => string(id, where, SG_ID)),
          cacheSecurityGroupNames: list(cluster.cacheSecurityGroupNames, `${at}.cacheSecurityGroupNames`, (name, where) => string(name, where, NAME)),
          numCacheNodes: nodes,
          cacheNodeType: optionalString(cluster.cacheNodeType, `${at}.cacheNodeType`),
        };
      }),
      replicationGroups: list(root.replicationGroups, `${source}.replicationGroups`, (value, at) => {
        const group = object(value, at);
        return {
          replicationGroupId: string(group.replicationGroupId, `${at}.replicationGroupId`, CLUSTER_ID),
          description: optionalString(group.description, `${at}.description`),
          memberClusters: list(group.memberClusters, `${at}.memberClusters`, (id, where) => string(id, where, CLUSTER_ID)),
          port: port(group.port, `${at}.port`),
        };
      }),
    };
    checkReferences(seed, source);
    return seed;
  } catch (err) {
    if (err instanceof SeedError) throw new Error(`Invalid AWS emulator seed: ${err.message}`, { cause: err });
    throw err;
  }
}

/** Cross-references a hand-written seed most easily gets wrong. */
function checkReferences(seed: AwsEmulatorSeed, source: string): void {
  const clusters = new Map((seed.cacheClusters ?? []).map((cluster) => [cluster.cacheClusterId.toLowerCase(), cluster]));
  const groups = new Set((seed.securityGroups ?? []).map((group) => group.groupId));
  for (const [i, group] of (seed.replicationGroups ?? []).entries()) {
    if (group.memberClusters.length === 0) throw new SeedError(`${source}.replicationGroups[${i}].memberClusters must name at least one cluster`);
    for (const member of group.memberClusters) {
      const cluster = clusters.get(member.toLowerCase());
      if (!cluster) throw new SeedError(`${source}.replicationGroups[${i}] member "${member}" is not in cacheClusters`);
      if (cluster.replicationGroupId?.toLowerCase() !== group.replicationGroupId.toLowerCase()) {
        throw new SeedError(`${source}.cacheClusters "${member}" must have replicationGroupId "${group.replicationGroupId}"`);
      }
    }
  }
  for (const [i, rule] of (seed.securityGroupRules ?? []).entries()) {
    if (!groups.has(rule.groupId)) throw new SeedError(`${source}.securityGroupRules[${i}].groupId "${rule.groupId}" is not in securityGroups`);
    if ((rule.referencedGroupId === undefined) === (rule.cidrIpv4 === undefined)) {
      throw new SeedError(`${source}.securityGroupRules[${i}] needs exactly one of referencedGroupId and cidrIpv4`);
    }
  }
}
