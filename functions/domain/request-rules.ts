/**
 * What a valid access request is: the schemas of the POST /requests and POST /requests/{id}/extend bodies,
 * and the cross-field rules between them. Every problem is collected so the caller can fix them all at
 * once. Which mode a target uses follows from the body: cacheSecurityGroupName means classic (EC2-Classic),
 * replicationGroupId/cacheClusterId VPC.
 */
import * as v from 'valibot';
import { ValidationError, type FieldProblem } from '../errors.js';
import type { GrantTarget } from './access-request.js';
import { AccountId, CacheClusterId, CacheSecurityGroupName, Ec2SecurityGroupName, MUST_BE_STRING, ReplicationGroupId, SecurityGroupId } from './aws-identifiers.js';
import { JsonObject, jsonFields, parseInput, unknownFields } from './field-problems.js';
import { visibleText } from './visible-text.js';

export interface NewAccessRequest {
  target: GrantTarget;
  reason: string;
  durationMinutes?: number;
}

export const REASON_MAX_LENGTH = 999;

/** Why access is needed: visible text, 1 to 999 characters, trimmed. */
export const Reason = v.pipe(
  v.string(MUST_BE_STRING),
  visibleText(),
  v.maxLength(REASON_MAX_LENGTH, (issue) => `must be at most ${REASON_MAX_LENGTH} characters (got ${issue.received})`),
  v.trim(),
);

const DURATION_RULE = 'must be a whole number of minutes, at least 1';
/** How long, in whole minutes (the target's maximum is the policy's: accessDuration). */
export const DurationMinutes = v.pipe(v.number(DURATION_RULE), v.integer(DURATION_RULE), v.minValue(1, DURATION_RULE));

export const classicRequestFields = {
  cacheSecurityGroupName: v.pipe(CacheSecurityGroupName, v.toLowerCase()),
  ec2SecurityGroupName: Ec2SecurityGroupName,
  ec2SecurityGroupOwnerId: AccountId,
  reason: Reason,
  durationMinutes: v.optional(DurationMinutes),
};

export const vpcRequestFields = {
  replicationGroupId: v.optional(ReplicationGroupId),
  cacheClusterId: v.optional(CacheClusterId),
  sourceSecurityGroupId: SecurityGroupId,
  sourceSecurityGroupOwnerId: v.optional(AccountId),
  reason: Reason,
  durationMinutes: v.optional(DurationMinutes),
};

export const extensionRequestFields = { durationMinutes: DurationMinutes, reason: Reason };

/** The optional Idempotency-Key header of POST /requests. */
export const IdempotencyKey = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_.:-]{1,128}$/, 'must be 1 to 128 letters, digits or . _ : -'));

const REASON_REQUIRED = 'is required: say why you need access';
const classicBody = jsonFields(classicRequestFields, { reason: REASON_REQUIRED });
const vpcBody = jsonFields(vpcRequestFields, { reason: REASON_REQUIRED });
/** A body that names no target: only its reason and duration are checked, beside the "(target)" problem. */
const untargetedBody = jsonFields({ reason: Reason, durationMinutes: v.optional(DurationMinutes) }, { reason: REASON_REQUIRED });
const extensionBody = jsonFields(extensionRequestFields, { durationMinutes: 'is required: how many more minutes', reason: REASON_REQUIRED });

const ALL_FIELDS = { ...classicRequestFields, ...vpcRequestFields };
const present = (body: Record<string, unknown>, fields: readonly string[]) => fields.filter((field) => body[field] !== undefined);

/** Parses and validates a request body; throws ValidationError listing every problem. */
export function parseNewAccessRequest(input: unknown): NewAccessRequest {
  const body = parseInput(JsonObject, input);
  const problems: FieldProblem[] = unknownFields(body, ALL_FIELDS).map((problem) =>
    problem.field === 'requester' ? { ...problem, message: `${problem.message} (the requester is the authenticated caller)` } : problem,
  );
  const vpcNamed = present(body, ['replicationGroupId', 'cacheClusterId', 'sourceSecurityGroupId']).length > 0;

  if (body.cacheSecurityGroupName !== undefined || !vpcNamed) {
    if (present(body, ['cacheSecurityGroupName', 'ec2SecurityGroupName', 'ec2SecurityGroupOwnerId']).length === 0) {
      problems.push({
        field: '(target)',
        message: 'name a target: cacheSecurityGroupName + ec2SecurityGroupName + ec2SecurityGroupOwnerId (classic), or replicationGroupId or cacheClusterId + sourceSecurityGroupId (VPC)',
      });
      parseInput(untargetedBody, body, problems);
      throw new ValidationError(problems);
    }
    for (const field of present(body, Object.keys(vpcRequestFields).filter((key) => !Object.hasOwn(classicRequestFields, key)))) {
      problems.push({ field, message: 'belongs to a VPC target and cannot be combined with cacheSecurityGroupName' });
    }
    const { cacheSecurityGroupName, ec2SecurityGroupName, ec2SecurityGroupOwnerId, reason, durationMinutes } = parseInput(classicBody, body, problems);
    return { target: { mode: 'classic', cacheSecurityGroupName, ec2SecurityGroupName, ec2SecurityGroupOwnerId }, reason, ...(durationMinutes !== undefined ? { durationMinutes } : {}) };
  }

  for (const field of present(body, ['ec2SecurityGroupName', 'ec2SecurityGroupOwnerId'])) {
    problems.push({ field, message: 'belongs to a classic target; a VPC target names sourceSecurityGroupId' });
  }
  if (body.replicationGroupId === undefined && body.cacheClusterId === undefined) {
    problems.push({ field: 'replicationGroupId', message: 'a VPC target needs replicationGroupId or cacheClusterId' });
  } else if (body.replicationGroupId !== undefined && body.cacheClusterId !== undefined) {
    problems.push({ field: 'cacheClusterId', message: 'give either replicationGroupId or cacheClusterId, not both' });
  }
  const { replicationGroupId, cacheClusterId, sourceSecurityGroupId, sourceSecurityGroupOwnerId, reason, durationMinutes } = parseInput(vpcBody, body, problems);
  return {
    target: {
      mode: 'vpc',
      ...(replicationGroupId !== undefined ? { replicationGroupId } : { cacheClusterId: cacheClusterId as string }),
      sourceSecurityGroupId,
      ...(sourceSecurityGroupOwnerId !== undefined ? { sourceSecurityGroupOwnerId } : {}),
    },
    reason,
    ...(durationMinutes !== undefined ? { durationMinutes } : {}),
  };
}

export function parseIdempotencyKey(key: string | undefined): string | undefined {
  return parseInput(v.object({ 'Idempotency-Key': v.optional(IdempotencyKey) }), { 'Idempotency-Key': key })['Idempotency-Key'];
}

/** POST /requests/{id}/extend: `{ durationMinutes, reason }`, both required. */
export function parseExtensionRequest(input: unknown): { durationMinutes: number; reason: string } {
  return parseInput(extensionBody, input, unknownFields(input, extensionRequestFields));
}

/** The access's length: the one asked for, within the target's maximum, or the target's default. */
export function accessDuration(asked: number | undefined, limits: { defaultDurationMinutes: number; maxDurationMinutes: number }): number {
  if (asked === undefined) return limits.defaultDurationMinutes;
  if (asked > limits.maxDurationMinutes) {
    throw new ValidationError([{ field: 'durationMinutes', message: `must be at most ${limits.maxDurationMinutes} minutes for this target (got ${asked})` }]);
  }
  return asked;
}
