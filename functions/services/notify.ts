/**
 * Who hears of what. Every state change reaches the people it concerns by email (and Slack, when
 * configured) through one durable path: notifyPeople only queues one job per message (SQS), and
 * deliverNotification (deliver-notification.ts) sends each, retrying for over an hour, recording in the
 * request's history anyone who could not be told. Nothing here waits on a mail server or Slack.
 */
import { slackConfig } from '../config.js';
import type { NotificationJob, StatusEventJob } from '../domain/notification-delivery.js';
import type { NotificationEvent } from '../domain/notification-messages.js';
import { currentApprovers, type AccessRequestRecord } from '../domain/request-lifecycle.js';
import { statusChanges } from '../domain/status-events.js';
import { notificationQueue } from '../adapters/notification-queue.js';
import { logger } from '../logger.js';

export interface NotifyOptions {
  /** Only these recipients (e.g. approvers who have not acted yet). */
  only?: string[];
  /** Tells repeats of one event on one request apart (e.g. an extension round's id). */
  round?: string;
}

/** The recipients of an event: the requester, the approvers, or both. */
export function recipientsOf(event: NotificationEvent, request: AccessRequestRecord): string[] {
  const approvers = currentApprovers(request);
  switch (event) {
    case 'submitted':
    case 'approved':
    case 'expiry-warning':
    case 'extension-approved':
    case 'extension-denied':
    case 'extension-expired':
    case 'extension-closed':
      return [request.requester];
    case 'extension-requested': {
      const round = request.extensions.at(-1);
      return (round?.approvers ?? []).filter((a) => !round?.approvals[a] && a !== request.requester);
    }
    case 'approval-requested':
    case 'reminder':
    case 'escalated':
      return approvers.filter((a) => !request.approvals[a] && a !== request.requester);
    case 'denied':
    case 'granted':
    case 'ended':
    case 'expired':
    case 'failed':
    case 'cancelled':
      return [request.requester, ...approvers.filter((a) => a !== request.requester)];
  }
}

/** Queues the event's messages; throws if they could not be queued (the calling task is retried). */
export async function notifyPeople(event: NotificationEvent, request: AccessRequestRecord, options: NotifyOptions = {}): Promise<void> {
  let recipients = recipientsOf(event, request);
  if (options.only) recipients = recipients.filter((r) => options.only?.includes(r));
  const round = options.round ? { round: options.round } : {};
  const jobs: NotificationJob[] = recipients.map((recipient) => ({ requestId: request.id, event, channel: 'email', recipient, ...round }));
  if (slackConfig().mode !== 'off') jobs.push({ requestId: request.id, event, channel: 'slack', ...round });
  if (jobs.length === 0) return;
  await notificationQueue.enqueue(jobs);
  logger.info('notifications queued', { requestId: request.id, event, messages: jobs.length });
}

/**
 * Queues the EventBridge event of every status change the request has had so far (docs/events.md); the
 * delivery marks publish each once. Every change is queued again, not only the latest, because a change
 * can be written by a function that does not queue (an HTTP route: a decision, a cancel, a revoke) or by
 * one that stopped between its write and this call: the workflow's next task queues it, and every path of
 * the workflow ends in finishRequest, which calls this with the final status stored (Step Functions
 * retries it until it has). Throws if they could not be queued (the calling task is retried).
 */
export async function announceStatusChanges(request: AccessRequestRecord): Promise<void> {
  const jobs: StatusEventJob[] = statusChanges(request).map((change) => ({ requestId: request.id, channel: 'events', sequence: change.sequence }));
  if (jobs.length === 0) return;
  await notificationQueue.enqueue(jobs);
}
