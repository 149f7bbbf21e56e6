/**
 * What the API answers, as valibot schemas: the request view (functions/services/view-request.ts
 * publicRequest), pages of them, the targets list and the error body. Used for the OpenAPI document only,
 * and by the tests that check real answers against it; no function bundles them.
 */
import * as v from 'valibot';
import { Decision as DecisionChoice } from '../functions/domain/action-bodies.js';
import { AccountId, CacheClusterId, CacheSecurityGroupName, Ec2SecurityGroupName, ReplicationGroupId, SecurityGroupId } from '../functions/domain/aws-identifiers.js';
import { REQUEST_STATUSES } from '../functions/domain/request-statuses.js';

const Time = v.pipe(v.string(), v.isoTimestamp(), v.description('An ISO 8601 time (UTC)'));
const Email = v.pipe(v.string(), v.email());
const Status = v.picklist(REQUEST_STATUSES);

export const ErrorBody = v.pipe(
  v.object({
    error: v.pipe(v.string(), v.description('A stable code, e.g. ValidationError, Forbidden, NotFound, Conflict')),
    message: v.string(),
    details: v.optional(v.array(v.object({ field: v.pipe(v.string(), v.description('The field, or (body) for the whole body')), message: v.string() }))),
  }),
  v.description('Every error cachegate answers; a 5xx carries no internals'),
);

/** API Gateway's own 401 (JWT authorizer) and 404 (no route): they come before any function runs. */
export const GatewayError = v.object({ message: v.string() });

export const Target = v.union([
  v.object({ mode: v.literal('classic'), cacheSecurityGroupName: CacheSecurityGroupName, ec2SecurityGroupName: Ec2SecurityGroupName, ec2SecurityGroupOwnerId: AccountId }),
  v.object({
    mode: v.literal('vpc'),
    replicationGroupId: v.optional(ReplicationGroupId),
    cacheClusterId: v.optional(CacheClusterId),
    sourceSecurityGroupId: SecurityGroupId,
    sourceSecurityGroupOwnerId: v.optional(AccountId),
  }),
]);

const RecordedDecision = v.object({ decision: DecisionChoice, at: Time, comment: v.optional(v.string()), via: v.picklist(['email', 'slack', 'web']) });

const HistoryEvent = v.object({
  at: Time,
  event: v.pipe(v.string(), v.description('What happened, e.g. submitted, approved, granted')),
  actor: v.pipe(v.string(), v.description('A person’s email, or cachegate for the workflow')),
  status: v.optional(Status),
  detail: v.optional(v.string()),
});

const ExtensionRound = v.object({
  id: v.string(),
  durationMinutes: v.number(),
  reason: v.string(),
  requestedAt: Time,
  deadline: Time,
  approvers: v.array(v.string()),
  approvalsRequired: v.number(),
  approvals: v.record(v.string(), RecordedDecision),
  status: v.picklist(['PENDING', 'APPROVED', 'DENIED', 'EXPIRED', 'CLOSED']),
  decidedBy: v.array(v.string()),
  newExpiresAt: v.optional(Time),
});

export const Links = v.object({
  self: v.pipe(v.string(), v.url(), v.description('The API URL of the request')),
  page: v.pipe(v.string(), v.url(), v.description('The request’s page in the web app')),
});

export const RequestView = v.object({
  id: v.pipe(v.string(), v.uuid()),
  status: Status,
  requester: Email,
  target: Target,
  resolvedTarget: v.pipe(v.string(), v.description('What the grant is in AWS, in words')),
  reason: v.string(),
  createdAt: Time,
  updatedAt: Time,
  approvers: v.array(v.string()),
  approvalsRequired: v.number(),
  approvals: v.pipe(v.record(v.string(), RecordedDecision), v.description('Each approver’s decision, by email')),
  decidedBy: v.array(v.string()),
  approvalDeadline: Time,
  failureReason: v.optional(v.string()),
  durationMinutes: v.number(),
  activeSince: v.optional(Time),
  expiresAt: v.optional(Time),
  endedAt: v.optional(Time),
  endReason: v.optional(v.picklist(['expired', 'revoked', 'removed-outside'])),
  endedBy: v.optional(v.string()),
  extensions: v.array(ExtensionRound),
  grantStatusChecks: v.optional(v.number()),
  history: v.array(HistoryEvent),
  links: Links,
});

export const Submitted = v.object({ id: v.pipe(v.string(), v.uuid()), status: v.literal('PENDING_APPROVAL'), links: Links });

export const RequestPage = v.object({
  items: v.array(RequestView),
  nextCursor: v.optional(v.pipe(v.string(), v.description('Pass as cursor for the next page; absent on the last page'))),
});

export const DecisionResult = v.object({ outcome: v.string(), request: RequestView });

export const Targets = v.object({
  items: v.array(
    v.object({
      key: v.string(),
      mode: v.picklist(['classic', 'vpc']),
      approvers: v.array(v.string()),
      approvalsRequired: v.number(),
      defaultDurationMinutes: v.number(),
      maxDurationMinutes: v.number(),
    }),
  ),
  caller: v.object({ email: Email, approver: v.boolean(), auditor: v.boolean() }),
});
