/**
 * Who hears of what. Every state change reaches the people it concerns, by email (and Slack, when
 * configured). Notifications are best-effort by design: a failure is retried by the transport, logged,
 * and never fails or blocks the workflow or the grant.
 */
import { describeTarget } from '../domain/access-request.js';
import { renderEmail, type NotificationEvent, type RequestView } from '../domain/notification-messages.js';
import { currentApprovers, type AccessRequestRecord } from '../domain/request-lifecycle.js';
import { emailSender } from '../adapters/email.js';
import { logger } from '../logger.js';
import { requestUrl } from './request-url.js';
import { notifySlack } from './slack-notify.js';

export interface NotifyOptions {
  /** Per-approver approval page URLs (approval-requested, reminder, escalated). */
  approvalUrls?: Record<string, string>;
  /** Only these recipients (e.g. approvers who have not acted yet). */
  only?: string[];
}

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

/** The recipients of an event: the requester, the approvers, or both. */
function recipientsOf(event: NotificationEvent, request: AccessRequestRecord): string[] {
  const approvers = currentApprovers(request);
  switch (event) {
    case 'submitted':
    case 'approved':
      return [request.requester];
    case 'approval-requested':
    case 'reminder':
    case 'escalated':
      return approvers.filter((a) => !request.approvals[a]);
    case 'decided-by-other':
      return approvers.filter((a) => !request.approvals[a]);
    case 'denied':
    case 'granted':
    case 'expired':
    case 'failed':
    case 'cancelled':
      return [request.requester, ...approvers];
  }
}

export async function notifyPeople(event: NotificationEvent, request: AccessRequestRecord, options: NotifyOptions = {}): Promise<void> {
  const base = requestView(request);
  let recipients = recipientsOf(event, request);
  if (options.only) recipients = recipients.filter((r) => options.only?.includes(r));
  if (options.approvalUrls) recipients = recipients.filter((r) => options.approvalUrls?.[r]);
  const sends = recipients.map(async (recipient) => {
    const approvalUrl = options.approvalUrls?.[recipient];
    const view = approvalUrl ? { ...base, approvalUrl } : base;
    try {
      const email = renderEmail(event, view, recipient);
      await emailSender().send({ to: [recipient], ...email, tags: { request: request.id, event } });
    } catch (error) {
      logger.error('email notification failed', { requestId: request.id, event, recipient, error });
    }
  });
  // Slack alongside email, never instead of it: notifySlack logs and swallows its own failures.
  await Promise.all([...sends, notifySlack(event, request, requestView, options.approvalUrls)]);
}
