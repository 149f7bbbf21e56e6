/**
 * What a valid access request is. Parses the POST /requests body into a grant target, field by field,
 * collecting every problem so the caller can fix them all at once. Which mode a target uses follows from
 * the body: cacheSecurityGroupName means classic (EC2-Classic), replicationGroupId/cacheClusterId VPC.
 */
import { ValidationError, type FieldProblem } from '../errors.js';
import type { GrantTarget } from './access-request.js';
import { visibleTextProblem } from './visible-text.js';

export interface NewAccessRequest {
  target: GrantTarget;
  reason: string;
  durationMinutes?: number;
}

const CLASSIC_FIELDS = ['cacheSecurityGroupName', 'ec2SecurityGroupName', 'ec2SecurityGroupOwnerId'] as const;
const VPC_FIELDS = ['replicationGroupId', 'cacheClusterId', 'sourceSecurityGroupId', 'sourceSecurityGroupOwnerId'] as const;
const COMMON_FIELDS = ['reason', 'durationMinutes'] as const;
const KNOWN_FIELDS = new Set<string>([...CLASSIC_FIELDS, ...VPC_FIELDS, ...COMMON_FIELDS]);

export const REASON_MAX_LENGTH = 999;

// AWS: cache security group names are ≤ 255 letters, digits and hyphens; EC2-Classic group names ≤ 255
// ASCII characters; replication group ids ≤ 40 and cluster ids ≤ 50 lowercase letters, digits and hyphens,
// starting with a letter, no trailing or double hyphen (docs/aws-facts.md §1).
const CACHE_GROUP_NAME = /^[A-Za-z0-9-]{1,255}$/;
const EC2_GROUP_NAME = /^[\x20-\x7e]{1,255}$/;
const OWNER_ID = /^\d{12}$/;
const SECURITY_GROUP_ID = /^sg-[0-9a-f]{8,17}$/;
const CLUSTER_ID = /^[a-z](?:[a-z0-9]|-(?!-))*[a-z0-9]$|^[a-z]$/;

function text(body: Record<string, unknown>, field: string, problems: FieldProblem[]): string | undefined {
  const value = body[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') {
    problems.push({ field, message: 'must be a string' });
    return undefined;
  }
  return value;
}

function requireMatch(
  value: string | undefined,
  field: string,
  pattern: RegExp,
  rule: string,
  problems: FieldProblem[],
): string | undefined {
  if (value === undefined) {
    // Present but not a string was already reported by text(): not "required" on top of it.
    if (!problems.some((problem) => problem.field === field)) problems.push({ field, message: 'is required' });
    return undefined;
  }
  if (!pattern.test(value)) {
    problems.push({ field, message: rule });
    return undefined;
  }
  return value;
}

function parseClassic(body: Record<string, unknown>, problems: FieldProblem[]): GrantTarget | undefined {
  for (const field of VPC_FIELDS) {
    if (body[field] !== undefined) problems.push({ field, message: 'belongs to a VPC target and cannot be combined with cacheSecurityGroupName' });
  }
  const cacheSecurityGroupName = requireMatch(
    text(body, 'cacheSecurityGroupName', problems),
    'cacheSecurityGroupName',
    CACHE_GROUP_NAME,
    'must be 1 to 255 letters, digits or hyphens',
    problems,
  );
  const ec2SecurityGroupName = requireMatch(
    text(body, 'ec2SecurityGroupName', problems),
    'ec2SecurityGroupName',
    EC2_GROUP_NAME,
    'must be 1 to 255 printable ASCII characters (an EC2 security group name, not an id)',
    problems,
  );
  const ec2SecurityGroupOwnerId = requireMatch(
    text(body, 'ec2SecurityGroupOwnerId', problems),
    'ec2SecurityGroupOwnerId',
    OWNER_ID,
    'must be a 12-digit AWS account id',
    problems,
  );
  if (!cacheSecurityGroupName || !ec2SecurityGroupName || !ec2SecurityGroupOwnerId) return undefined;
  return { mode: 'classic', cacheSecurityGroupName: cacheSecurityGroupName.toLowerCase(), ec2SecurityGroupName, ec2SecurityGroupOwnerId };
}

function parseVpc(body: Record<string, unknown>, problems: FieldProblem[]): GrantTarget | undefined {
  for (const field of ['ec2SecurityGroupName', 'ec2SecurityGroupOwnerId']) {
    if (body[field] !== undefined) problems.push({ field, message: 'belongs to a classic target; a VPC target names sourceSecurityGroupId' });
  }
  const replicationGroupId = text(body, 'replicationGroupId', problems);
  const cacheClusterId = text(body, 'cacheClusterId', problems);
  if (replicationGroupId !== undefined && cacheClusterId !== undefined) {
    problems.push({ field: 'cacheClusterId', message: 'give either replicationGroupId or cacheClusterId, not both' });
  }
  const clusterField = replicationGroupId !== undefined ? 'replicationGroupId' : 'cacheClusterId';
  const maxLength = clusterField === 'replicationGroupId' ? 40 : 50;
  const clusterId = replicationGroupId ?? cacheClusterId;
  if (clusterId !== undefined && (clusterId.length > maxLength || !CLUSTER_ID.test(clusterId))) {
    problems.push({
      field: clusterField,
      message: `must be 1 to ${maxLength} lowercase letters, digits or single hyphens, starting with a letter and not ending with a hyphen`,
    });
  }
  const sourceSecurityGroupId = requireMatch(
    text(body, 'sourceSecurityGroupId', problems),
    'sourceSecurityGroupId',
    SECURITY_GROUP_ID,
    'must be a security group id: "sg-" and 8 to 17 lowercase hex digits',
    problems,
  );
  const ownerRaw = text(body, 'sourceSecurityGroupOwnerId', problems);
  if (ownerRaw !== undefined && !OWNER_ID.test(ownerRaw)) {
    problems.push({ field: 'sourceSecurityGroupOwnerId', message: 'must be a 12-digit AWS account id' });
  }
  if (problems.length > 0 || !sourceSecurityGroupId || clusterId === undefined) return undefined;
  return {
    mode: 'vpc',
    ...(replicationGroupId !== undefined ? { replicationGroupId } : { cacheClusterId: clusterId }),
    sourceSecurityGroupId,
    ...(ownerRaw !== undefined ? { sourceSecurityGroupOwnerId: ownerRaw } : {}),
  };
}

/** Parses and validates a request body; throws ValidationError listing every problem. */
export function parseNewAccessRequest(body: unknown): NewAccessRequest {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new ValidationError([{ field: '(body)', message: 'must be a JSON object' }]);
  }
  const record = body as Record<string, unknown>;
  const problems: FieldProblem[] = [];
  for (const field of Object.keys(record)) {
    if (!KNOWN_FIELDS.has(field)) {
      const hint = field === 'requester' ? ' (the requester is the authenticated caller)' : '';
      problems.push({ field, message: `is not a known field${hint}` });
    }
  }

  let target: GrantTarget | undefined;
  const isVpc = record.replicationGroupId !== undefined || record.cacheClusterId !== undefined || record.sourceSecurityGroupId !== undefined;
  if (record.cacheSecurityGroupName !== undefined || !isVpc) {
    if (record.cacheSecurityGroupName === undefined && record.ec2SecurityGroupName === undefined && record.ec2SecurityGroupOwnerId === undefined) {
      problems.push({
        field: '(target)',
        message: 'name a target: cacheSecurityGroupName + ec2SecurityGroupName + ec2SecurityGroupOwnerId (classic), or replicationGroupId or cacheClusterId + sourceSecurityGroupId (VPC)',
      });
    } else {
      target = parseClassic(record, problems);
    }
  } else {
    if (record.replicationGroupId === undefined && record.cacheClusterId === undefined) {
      problems.push({ field: 'replicationGroupId', message: 'a VPC target needs replicationGroupId or cacheClusterId' });
    }
    target = parseVpc(record, problems);
  }

  const reason = parseReason(record, problems);
  const duration = parseDuration(record, problems);

  if (problems.length > 0 || !target || reason === undefined) throw new ValidationError(problems);
  return { target, reason, ...(duration !== undefined ? { durationMinutes: duration } : {}) };
}

function parseReason(record: Record<string, unknown>, problems: FieldProblem[]): string | undefined {
  const reason = text(record, 'reason', problems);
  if (reason === undefined) {
    if (record.reason === undefined) problems.push({ field: 'reason', message: 'is required: say why you need access' });
    return undefined;
  }
  const invisible = visibleTextProblem(reason);
  if (invisible) problems.push({ field: 'reason', message: invisible });
  else if (reason.length > REASON_MAX_LENGTH) problems.push({ field: 'reason', message: `must be at most ${REASON_MAX_LENGTH} characters (got ${reason.length})` });
  else return reason.trim();
  return undefined;
}

function parseDuration(record: Record<string, unknown>, problems: FieldProblem[]): number | undefined {
  const duration = record.durationMinutes;
  if (duration === undefined) return undefined;
  if (typeof duration !== 'number' || !Number.isInteger(duration) || duration < 1) {
    problems.push({ field: 'durationMinutes', message: 'must be a whole number of minutes, at least 1' });
    return undefined;
  }
  return duration;
}

/** POST /requests/{id}/extend: `{ durationMinutes, reason }`, both required. */
export function parseExtensionRequest(body: unknown): { durationMinutes: number; reason: string } {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new ValidationError([{ field: '(body)', message: 'must be a JSON object' }]);
  const record = body as Record<string, unknown>;
  const problems: FieldProblem[] = Object.keys(record)
    .filter((field) => field !== 'durationMinutes' && field !== 'reason')
    .map((field) => ({ field, message: 'is not a known field' }));
  const reason = parseReason(record, problems);
  const durationMinutes = parseDuration(record, problems);
  if (record.durationMinutes === undefined) problems.push({ field: 'durationMinutes', message: 'is required: how many more minutes' });
  if (problems.length > 0 || reason === undefined || durationMinutes === undefined) throw new ValidationError(problems);
  return { durationMinutes, reason };
}

/** The access's length: the one asked for, within the target's maximum, or the target's default. */
export function accessDuration(asked: number | undefined, limits: { defaultDurationMinutes: number; maxDurationMinutes: number }): number {
  if (asked === undefined) return limits.defaultDurationMinutes;
  if (asked > limits.maxDurationMinutes) {
    throw new ValidationError([{ field: 'durationMinutes', message: `must be at most ${limits.maxDurationMinutes} minutes for this target (got ${asked})` }]);
  }
  return asked;
}
