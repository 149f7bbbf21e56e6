/**
 * Delivers one queued notification job: an email to one person, the request's Slack update for one
 * event, or the EventBridge event of one status change (with its metrics). Messages are rendered from the request as it is now, and personal approval links are issued
 * here, at delivery. A job already delivered (its delivery mark) is not sent again; a failure the sink
 * calls temporary is retried on the schedule of domain/notification-delivery.ts; a job given up is
 * recorded in the request's history (who was not told, and why), counted, and alarmed on.
 */
import { slackConfig } from '../config.js';
import { deliveryKey, nextDeliveryAttempt, type MessageJob, type NotificationJob, type StatusEventJob } from '../domain/notification-delivery.js';
import { APPROVER_LINK_EVENTS, renderEmail } from '../domain/notification-messages.js';
import { currentApprovers, type AccessRequestRecord, type ExtensionRound } from '../domain/request-lifecycle.js';
import { EVENT_DETAIL_TYPE, EVENT_SOURCE, statusChangeMetrics, statusChanges, statusEventDetail } from '../domain/status-events.js';
import { DeliveryFailed } from '../errors.js';
import { emailSender } from '../adapters/email.js';
import { eventBus } from '../adapters/event-bus.js';
import { countMetric, secondsMetric } from '../adapters/metrics.js';
import { requestStore } from '../adapters/request-store.js';
import { logger } from '../logger.js';
import { issueApprovalLinks } from './approval-links.js';
import { requestView } from './message-view.js';
import { notifySlack } from './slack-notify.js';

export type DeliveryOutcome = { delivered: boolean } | { retryInSeconds: number };

/**
 * Who may still use a personal approval link: approvers who have not decided, while the request (or, for
 * an extension, its round) waits for them.
 */
function stillDeciding(request: AccessRequestRecord, round: ExtensionRound | undefined): string[] {
  if (round) {
    if (round.status !== 'PENDING' || request.status !== 'ACTIVE') return [];
    return round.approvers.filter((approver) => !round.approvals[approver] && approver !== request.requester);
  }
  if (request.status !== 'PENDING_APPROVAL') return [];
  return currentApprovers(request).filter((approver) => !request.approvals[approver] && approver !== request.requester);
}

async function send(job: MessageJob, request: AccessRequestRecord, linkKey: string | undefined): Promise<boolean> {
  const needsLink = APPROVER_LINK_EVENTS.includes(job.event);
  const round = job.event === 'extension-requested' ? request.extensions.find((r) => r.id === job.round) : undefined;
  if (job.channel === 'slack') {
    const asked = needsLink && slackConfig().directMessages && linkKey ? stillDeciding(request, round) : [];
    await notifySlack(job.event, request, requestView, asked.length > 0 && linkKey ? await issueApprovalLinks(linkKey, request, asked, round) : {}, job.round);
    return true;
  }
  const recipient = job.recipient ?? '';
  let view = requestView(request);
  if (needsLink) {
    // Decided since it was queued, or no longer pending: a link would lead nowhere, so nothing is sent.
    if (!stillDeciding(request, round).includes(recipient) || !linkKey) return false;
    const urls = await issueApprovalLinks(linkKey, request, [recipient], round);
    view = { ...view, ...(urls[recipient] ? { approvalUrl: urls[recipient] } : {}) };
  }
  await emailSender().send({ to: [recipient], ...renderEmail(job.event, view, recipient), tags: { request: request.id, event: job.event } });
  return true;
}

/**
 * The status change's event, on EventBridge's default bus; then its metrics, here where each change is
 * counted once (the delivery mark), by the one function that already carries the metrics library.
 */
async function publish(job: StatusEventJob, request: AccessRequestRecord): Promise<boolean> {
  const change = statusChanges(request).find((c) => c.sequence === job.sequence);
  if (!change) {
    logger.warn('status change to announce does not exist; dropped', { requestId: request.id, sequence: job.sequence });
    return false;
  }
  await eventBus.put({ source: EVENT_SOURCE, detailType: EVENT_DETAIL_TYPE, detail: statusEventDetail(request, change), time: new Date(change.at) });
  for (const point of statusChangeMetrics(request, change)) {
    if (point.unit === 'Seconds') secondsMetric(point.name, point.value, point.dimensions);
    else countMetric(point.name, point.dimensions, point.value);
  }
  return true;
}

async function giveUp(request: AccessRequestRecord, job: NotificationJob, reason: string, attempt: number, now: Date): Promise<void> {
  const what = job.channel === 'events' ? `status change ${job.sequence}` : job.event;
  logger.error('notification given up', { requestId: request.id, event: what, channel: job.channel, attempt, reason });
  countMetric('NotificationsGivenUp', { channel: job.channel });
  const detail =
    job.channel === 'events'
      ? `EventBridge was not told of status change ${job.sequence} after ${attempt} attempt(s): ${reason}`
      : `${job.channel === 'email' ? (job.recipient ?? 'someone') : 'the Slack channel'} was not told of "${job.event}" by ${job.channel} after ${attempt} attempt(s): ${reason}`;
  await requestStore.update(request.id, { history: [{ at: now.toISOString(), event: 'notification not delivered', actor: 'cachegate', detail }], now });
}

export async function deliverNotification(input: { job: NotificationJob; attempt: number; linkKey: string | undefined; now: Date }): Promise<DeliveryOutcome> {
  const { job, attempt, now } = input;
  const request = await requestStore.get(job.requestId);
  if (!request) {
    logger.warn('notification for a request that does not exist; dropped', { requestId: job.requestId, channel: job.channel });
    return { delivered: false };
  }
  const key = deliveryKey(job);
  if (await requestStore.wasDelivered(request.id, key)) return { delivered: false };
  try {
    const sent = job.channel === 'events' ? await publish(job, request) : await send(job, request, input.linkKey);
    if (!sent) return { delivered: false };
  } catch (error) {
    const failure = error instanceof DeliveryFailed ? error : undefined;
    const reason = failure?.message ?? `${(error as Error).name}: ${(error as Error).message}`;
    // Anything but a definite "never" (a DeliveryFailed that is not retryable) is tried again.
    const next = failure && !failure.retryable ? ({ giveUp: true } as const) : nextDeliveryAttempt(attempt, failure?.retryAfterSeconds);
    if ('retryInSeconds' in next) {
      logger.warn('notification not delivered; will retry', { requestId: request.id, event: job.channel === 'events' ? `status change ${job.sequence}` : job.event, channel: job.channel, attempt, retryInSeconds: next.retryInSeconds, reason });
      return next;
    }
    await giveUp(request, job, reason, attempt, now);
    return { delivered: false };
  }
  await requestStore.markDelivered(request.id, key, now);
  return { delivered: true };
}
