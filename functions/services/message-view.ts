/** What notifications and Slack messages show of a request: the stored record, as a message's view. */
import { describeTarget } from '../domain/access-request.js';
import type { RequestView } from '../domain/notification-messages.js';
import type { AccessRequestRecord } from '../domain/request-lifecycle.js';
import { requestUrl } from './request-url.js';

export function requestView(request: AccessRequestRecord): RequestView {
  const decision = request.decidedBy[0] ? request.approvals[request.decidedBy[0]] : undefined;
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
    ...(request.status === 'PENDING_APPROVAL' ? { expiresAt: request.approvalDeadline } : {}),
  };
}
