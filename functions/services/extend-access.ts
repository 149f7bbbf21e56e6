/**
 * Extending access: the requester asks for more time (a new extension round), and approvers decide it
 * like a request, by their own links for that round. Each change is a conditional write on the request's
 * version; the hold is woken so the round's deadline, or the new end, counts at once.
 */
import { randomUUID } from 'node:crypto';
import { approversForRequest, policyFor } from '../domain/approval-policy.js';
import { applyRoundDecision, newRound, refuseExtension, refuseRoundDecision } from '../domain/extension-rounds.js';
import { minuteOf, type AccessRequestRecord, type Decision } from '../domain/request-lifecycle.js';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../errors.js';
import { requestStore } from '../adapters/request-store.js';
import { logger } from '../logger.js';
import { wakeHold } from './wake-hold.js';
import { approvalPolicy } from './approval-policy.js';
import { notifyPeople } from './notify.js';
import { viewRequest } from './view-request.js';

const ATTEMPTS = 8;

export async function requestExtension(input: { caller: string; id: string; durationMinutes: number; reason: string; now: Date }): Promise<AccessRequestRecord> {
  const { caller, now } = input;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const request = await viewRequest(caller, input.id);
    if (request.requester !== caller) throw new ForbiddenError('Only the requester can ask for more time.');
    const refusal = refuseExtension(request);
    if (refusal === 'not-active') throw new ConflictError(`Only access in effect (ACTIVE) can be extended; this request is ${request.status}.`, request.id);
    if (refusal === 'round-open') throw new ConflictError('An extension of this request is already waiting for approval; wait for its decision.', request.id);
    if (refusal === 'limit-reached') throw new ConflictError(`This request has had its ${request.limits.maxExtensions} extension(s); submit a new request when it ends.`, request.id);
    if (input.durationMinutes > request.limits.maxDurationMinutes) {
      throw new ValidationError([{ field: 'durationMinutes', message: `must be at most ${request.limits.maxDurationMinutes} minutes for this target (got ${input.durationMinutes})` }]);
    }
    // The approvers, quorum and window are the policy's as it is now.
    const policy = policyFor(approvalPolicy(), request.policyKey);
    if (!policy) throw new ForbiddenError(`No approval policy covers "${request.policyKey}" any more; ask an administrator`);
    const approvers = approversForRequest(policy, request.requester).map((a) => a.email);
    const round = newRound({ id: randomUUID(), durationMinutes: input.durationMinutes, reason: input.reason, approvers, approvalsRequired: policy.approvalsRequired, approvalWindowMinutes: policy.approvalWindowMinutes, minuteMs: minuteOf(request), now });
    const asked = await requestStore.update(request.id, {
      set: { extensions: [...request.extensions, round] },
      history: [{ at: now.toISOString(), event: 'extension requested', actor: caller, detail: `${input.durationMinutes} more minutes: ${input.reason}` }],
      expectStatus: ['ACTIVE'],
      expectVersion: request.version,
      now,
    });
    if (!asked) continue;
    await notifyPeople('extension-requested', asked, { round: round.id });
    await wakeHold(asked.id);
    logger.info('extension requested', { requestId: asked.id, round: round.id });
    return asked;
  }
  throw new ConflictError('This request kept changing while the extension was being recorded; try again.');
}

export interface RoundDecisionResult {
  request: AccessRequestRecord;
  outcome: 'recorded' | 'approved' | 'denied';
}

/** One approver's decision on an extension round (from that round's link). */
export async function decideRound(input: { requestId: string; roundId: string; approver: string; decision: Decision['decision']; comment?: string; via: Decision['via']; now: Date }): Promise<RoundDecisionResult> {
  const { requestId, roundId, approver, now } = input;
  const decision: Decision = { decision: input.decision, at: now.toISOString(), via: input.via, ...(input.comment ? { comment: input.comment } : {}) };
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const request = await requestStore.get(requestId);
    if (!request) throw new NotFoundError(`No request ${requestId}`);
    const refusal = refuseRoundDecision(request, roundId, approver, now);
    if (refusal === 'earlier-round') throw new ConflictError('This link is for an earlier extension round, which is over.');
    if (refusal === 'not-open') throw new ConflictError(`This extension is already ${request.extensions.find((r) => r.id === roundId)?.status.toLowerCase() ?? 'closed'}.`);
    if (refusal === 'window-closed') throw new ConflictError('The approval window of this extension has closed.');
    if (refusal === 'own-request') throw new ForbiddenError('You cannot approve your own extension.');
    if (refusal === 'not-an-approver') throw new ForbiddenError('You are not an approver of this extension.');
    if (refusal === 'already-decided-by-you') throw new ConflictError('You have already decided on this extension.');
    const applied = applyRoundDecision(request, roundId, approver, decision, now);
    const history = [{ at: now.toISOString(), event: `extension ${input.decision === 'approve' ? 'approved' : 'denied'} by approver`, actor: approver, detail: roundId }];
    if (applied.round.status !== 'PENDING') history.push({ at: now.toISOString(), event: `extension ${applied.round.status.toLowerCase()}`, actor: approver, detail: applied.expiresAt ? `access now ends at ${applied.expiresAt}` : roundId });
    const written = await requestStore.update(requestId, {
      set: { extensions: applied.extensions, ...(applied.expiresAt ? { expiresAt: applied.expiresAt } : {}) },
      history,
      expectStatus: ['ACTIVE'],
      expectVersion: request.version,
      now,
    });
    if (!written) continue;
    if (applied.round.status === 'PENDING') return { request: written, outcome: 'recorded' };
    await notifyPeople(applied.round.status === 'APPROVED' ? 'extension-approved' : 'extension-denied', written, { round: roundId });
    await wakeHold(requestId);
    return { request: written, outcome: applied.round.status === 'APPROVED' ? 'approved' : 'denied' };
  }
  throw new ConflictError('Others are deciding on this extension at this very moment; open it again to see where it stands.');
}
