/**
 * A person ends access early: the requester, or any approver of the target. The status changes first
 * (ACTIVE → REVOKING, a conditional write, so two people ending it at once end it once), then the hold is
 * woken; the workflow revokes, verifies the grant is gone, and reports ENDED (endReason "revoked").
 */
import { openRound } from '../domain/access-hold.js';
import { currentApprovers, type AccessRequestRecord } from '../domain/request-lifecycle.js';
import { ConflictError, ForbiddenError } from '../errors.js';
import { requestStore } from '../adapters/request-store.js';
import { logger } from '../logger.js';
import { wakeHold } from './wake-hold.js';
import { changeStatus } from './request-status.js';
import { viewRequest } from './view-request.js';

export async function revokeAccess(input: { caller: string; id: string; reason?: string; now: Date }): Promise<AccessRequestRecord> {
  const request = await viewRequest(input.caller, input.id);
  const isApprover = currentApprovers(request).includes(input.caller) || request.escalationApprovers.includes(input.caller);
  if (request.requester !== input.caller && !isApprover) throw new ForbiddenError('Only the requester or an approver of this target can end this access.');
  const by = request.requester === input.caller ? 'requester' : 'approver';
  const round = openRound(request);
  const revoking =
    request.status === 'ACTIVE'
      ? await changeStatus(request, {
          to: 'REVOKING',
          by,
          actor: input.caller,
          event: 'revoked',
          set: {
            endReason: 'revoked',
            endedBy: input.caller,
            // An extension still waiting is closed with the access it would have extended.
            ...(round ? { extensions: request.extensions.map((r) => (r.id === round.id ? { ...r, status: 'CLOSED' as const } : r)) } : {}),
          },
          now: input.now,
          ...(input.reason ? { detail: input.reason } : {}),
        })
      : undefined;
  if (!revoking) {
    const latest = (await requestStore.get(request.id)) ?? request;
    const how = latest.endedBy ? ` (ended by ${latest.endedBy})` : '';
    throw new ConflictError(`Only access in effect (ACTIVE) can be ended; this request is ${latest.status}${how}.`, latest.id);
  }
  await wakeHold(request.id);
  logger.info('access revoked', { requestId: request.id, by });
  return revoking;
}
