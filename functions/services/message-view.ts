/** What notifications and Slack messages show of a request: the stored record, as a message's view. */
import { describeTarget } from '../domain/access-request.js';
import type { RequestView } from '../domain/notification-messages.js';
import type { AccessRequestRecord } from '../domain/request-lifecycle.js';
import { requestUrl } from './request-url.js';

export function requestView(request: AccessRequestRecord): RequestView {
  const decision = request.decidedBy[0] ? request.approvals[request.decidedBy[0]] : undefined;
  const round = request.extensions.at(-1);
  return {
    id: request.id,
    requester: request.requester,
    targetSummary: `${describeTarget(request.target)}${request.resolved.summary ? ` (${request.resolved.summary})` : ''}`,
    target: request.target,
    reason: request.reason,
    status: request.status,
    ...(request.decidedBy.length > 0 ? { decidedBy: request.decidedBy.join(', ') } : {}),
    ...(decision?.comment ? { decisionComment: decision.comment } : {}),
    ...(request.failureReason ? { failureReason: request.failureReason } : {}),
    requestUrl: requestUrl(request.id),
    durationMinutes: request.durationMinutes,
    ...(request.status === 'PENDING_APPROVAL' ? { expiresAt: request.approvalDeadline } : request.expiresAt ? { expiresAt: request.expiresAt } : {}),
    ...(request.endReason ? { endReason: request.endReason } : {}),
    ...(request.endedBy ? { endedBy: request.endedBy } : {}),
    ...(round
      ? {
          extension: {
            id: round.id,
            durationMinutes: round.durationMinutes,
            reason: round.reason,
            deadline: round.deadline,
            ...(round.decidedBy.length > 0 ? { decidedBy: round.decidedBy.join(', ') } : {}),
            ...(round.newExpiresAt ? { newExpiresAt: round.newExpiresAt } : {}),
          },
        }
      : {}),
  };
}
