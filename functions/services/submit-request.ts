/**
 * Submitting an access request: validate, check the target exists, reserve a rule slot (VPC: a new rule
 * on the managed group), claim the one open slot for this requester and target, store the request, start
 * its workflow. Nothing is written until the input is known good, and every write is keyed so that a retry
 * (same Idempotency-Key) finishes the same request.
 */
import { randomUUID } from 'node:crypto';
import { policyClockConfig } from '../config.js';
import { policyKeyOf, targetKey } from '../domain/access-request.js';
import { bodyFingerprint } from '../domain/body-fingerprint.js';
import { approversForRequest, describeRequesters, mayRequest, policyFor } from '../domain/approval-policy.js';
import { newRequestRecord, type AccessRequestRecord } from '../domain/request-lifecycle.js';
import { accessDuration, parseIdempotencyKey, parseNewAccessRequest } from '../domain/request-rules.js';
import { isFinal } from '../domain/request-statuses.js';
import { slackIdsOf, type SlackTrackedRequest } from '../domain/slack-delivery.js';
import { unknownTargetProblem } from '../domain/unknown-target.js';
import { ConflictError, ForbiddenError, GroupNotFound, InvalidTarget, NotFoundError, UnprocessableError } from '../errors.js';
import { resolveGrantTarget } from '../adapters/grant-drivers.js';
import { requestStore, type IdempotencyBinding } from '../adapters/request-store.js';
import { workflow } from '../adapters/workflow.js';
import { logger } from '../logger.js';
import { approvalPolicy } from './approval-policy.js';
import { checkGrantRoom } from './grant-room.js';
import { releaseRuleSlot, reserveRuleSlot } from './rule-slots.js';

const IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60;

/** The same Idempotency-Key with another body is a client bug: replaying the first request would hide it. */
function refuseOtherBody(bound: IdempotencyBinding, bodyHash: string): void {
  if (bound.bodyHash !== undefined && bound.bodyHash !== bodyHash) {
    throw new UnprocessableError('This Idempotency-Key was used with a different body; use a new key for a different request', [
      { field: 'Idempotency-Key', message: 'was used with a different body' },
    ]);
  }
}

export async function submitRequest(input: {
  requester: string;
  /** The caller's groups (from the JWT), for the policy's `requesters`. */
  groups: readonly string[];
  body: unknown;
  idempotencyKey?: string;
  now: Date;
}): Promise<{ request: AccessRequestRecord; replayed: boolean }> {
  const { requester, now } = input;
  const parsed = parseNewAccessRequest(input.body);
  const idempotencyKey = parseIdempotencyKey(input.idempotencyKey);

  const bodyHash = bodyFingerprint(input.body);
  if (idempotencyKey) {
    const bound = await requestStore.idempotencyBinding(requester, idempotencyKey);
    if (bound) refuseOtherBody(bound, bodyHash);
    const existing = bound ? await requestStore.get(bound.requestId) : undefined;
    if (existing) return { request: existing, replayed: true };
  }

  const policyKey = policyKeyOf(parsed.target);
  const policy = policyFor(approvalPolicy(), policyKey);
  if (!policy) throw new ForbiddenError(`No approval policy covers "${policyKey}" and there is no default policy; ask an administrator to add one`);
  if (!mayRequest(policy, requester, input.groups)) {
    throw new ForbiddenError(`You may not ask for access to "${policyKey}": only ${describeRequesters(policy)} may. Ask an administrator to add you to its requesters.`);
  }
  const approvers = approversForRequest(policy, requester);
  if (approvers.length < policy.approvalsRequired) {
    throw new ForbiddenError(`"${policyKey}" needs ${policy.approvalsRequired} approval(s) from people other than you, and its policy lists only ${approvers.length}`);
  }

  const durationMinutes = accessDuration(parsed.durationMinutes, policy);

  let resolved;
  try {
    resolved = await resolveGrantTarget(parsed.target);
  } catch (error) {
    const field = parsed.target.mode === 'classic' ? 'cacheSecurityGroupName' : parsed.target.replicationGroupId ? 'replicationGroupId' : 'cacheClusterId';
    if (error instanceof GroupNotFound) {
      logger.info('target not found', { error });
      const problem = unknownTargetProblem(parsed.target);
      throw new NotFoundError(problem.message, [problem]);
    }
    if (error instanceof InvalidTarget) throw new UnprocessableError(error.message, [{ field, message: error.message }]);
    throw error;
  }

  const key = targetKey(parsed.target);
  await checkGrantRoom(parsed.target, resolved, key);

  let id: string = randomUUID();
  if (idempotencyKey) {
    const bound = await requestStore.bindIdempotencyKey(requester, idempotencyKey, { requestId: id, bodyHash }, Math.floor(now.getTime() / 1000) + IDEMPOTENCY_TTL_SECONDS);
    refuseOtherBody(bound, bodyHash);
    id = bound.requestId;
  }

  // A new rule needs a free slot on the managed group: reserved now, by a conditional write, so that two
  // submissions for the last slot cannot both pass (422 for the other), and released when the request is final.
  await reserveRuleSlot({ target: parsed.target, resolved, key, requestId: id, now });

  const claim = await requestStore.claimOpen(requester, key, id);
  if (!claim.ok) {
    const existing = await requestStore.get(claim.existingId);
    // A slot still naming a final request (its workflow ended before releasing it, a crash): this request takes it.
    const tookOver = existing !== undefined && isFinal(existing.status) && (await requestStore.takeOverOpen(requester, key, claim.existingId, id));
    if (!tookOver) {
      const hint =
        existing?.status === 'ACTIVE'
          ? ` It is ACTIVE until ${existing.expiresAt ?? 'its end'}: to keep access longer, ask for more time (POST /requests/${claim.existingId}/extend).`
          : ` It is ${existing?.status ?? 'open'}.`;
      await releaseRuleSlot({ id, target: parsed.target, resolved }, now);
      throw new ConflictError(`You already have a request for this access: ${claim.existingId}.${hint}`, claim.existingId);
    }
  }

  const record = newRequestRecord({
    id,
    requester,
    target: parsed.target,
    policyKey,
    resolved,
    reason: parsed.reason,
    durationMinutes,
    minuteMs: policyClockConfig().minuteMs,
    policy,
    approvers: approvers.map((a) => a.email),
    now,
    ...(idempotencyKey ? { idempotencyKey } : {}),
  });
  try {
    // Each approver's Slack id travels with the request: the functions that DM approvers and take their
    // clicks then never need the policy.
    const withSlackIds: SlackTrackedRequest = { ...record, slackUserIds: slackIdsOf(policy, requester) };
    await requestStore.create(withSlackIds);
  } catch (error) {
    // A concurrent retry with the same Idempotency-Key created it first: that one is ours too.
    const existing = await requestStore.get(id);
    if (!existing) throw error;
    return { request: existing, replayed: true };
  }

  try {
    await workflow.start({ requestId: id });
  } catch (error) {
    logger.error('could not start the workflow', { requestId: id, error });
    await requestStore.update(id, {
      set: { status: 'FAILED', failureReason: 'The workflow could not be started' },
      history: [{ at: new Date().toISOString(), event: 'failed', actor: 'cachegate', status: 'FAILED', detail: 'The workflow could not be started' }],
      expectStatus: ['PENDING_APPROVAL'],
      now: new Date(),
    });
    await requestStore.releaseOpen(requester, key, id);
    await releaseRuleSlot({ id, target: parsed.target, resolved }, new Date());
    // A retry with the same key (a 503 says "try again") must start afresh, not replay this failure.
    if (idempotencyKey) await requestStore.releaseIdempotencyKey(requester, idempotencyKey, id);
    throw error;
  }
  logger.info('request submitted', { requestId: id, requester, policyKey });
  return { request: record, replayed: false };
}
