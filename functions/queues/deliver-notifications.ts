/**
 * The notification queue's consumer (SQS event source, ReportBatchItemFailures). Each message is one
 * job; a job to retry is made invisible for its backoff (ChangeMessageVisibility) and reported failed,
 * so SQS hands it back then; the rest are deleted by the event source mapping. Partial batch responses
 * are written here rather than with Powertools' batch utility because each failed record needs its own
 * visibility (its backoff), which that utility does not set.
 */
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { NotificationJob } from '../domain/notification-delivery.js';
import { countMetric } from '../adapters/metrics.js';
import { notificationQueue } from '../adapters/notification-queue.js';
import { logContext, logger } from '../logger.js';
import { ambientSecret, SLACK_NOTIFY_SECRETS, withInvocationSecrets } from '../secrets.js';
import { secretsMiddleware } from '../secrets-middleware.js';
import { deliverNotification } from '../services/deliver-notification.js';

function parseJob(body: string): NotificationJob | undefined {
  try {
    const job = JSON.parse(body) as Record<string, unknown>;
    if (typeof job.requestId !== 'string') return undefined;
    if (typeof job.event === 'string' && (job.channel === 'email' || job.channel === 'slack')) return job as unknown as NotificationJob;
    if (job.channel === 'events' && Number.isInteger(job.sequence) && (job.sequence as number) > 0) return job as unknown as NotificationJob;
  } catch {
    // not JSON: reported below
  }
  return undefined;
}

/** One job; true when its message should come back later (a retry, or a failure of the store itself). */
async function deliverRecord(record: SQSRecord): Promise<boolean> {
  const job = parseJob(record.body);
  if (!job) {
    // Nothing cachegate queues looks like this: it can never be delivered.
    logger.error('notification message unreadable; dropped', { messageId: record.messageId });
    countMetric('NotificationsGivenUp', { channel: 'unknown' });
    return false;
  }
  try {
    const outcome = await deliverNotification({
      job,
      attempt: Number(record.attributes.ApproximateReceiveCount) || 1,
      linkKey: ambientSecret('linkSigningKey'),
      now: new Date(),
    });
    if (!('retryInSeconds' in outcome)) return false;
    await notificationQueue.retryLater(record.receiptHandle, outcome.retryInSeconds);
    return true;
  } catch (error) {
    // The store or the queue itself failed: the message comes back after its visibility timeout.
    logger.error('notification delivery failed', { requestId: job.requestId, channel: job.channel, messageId: record.messageId, error });
    return true;
  }
}

/**
 * The jobs of a batch run side by side, so a slow sink (Slack timing out) never holds up another's
 * messages (the emails); each sink's own rate limit answers 429, which is a retry like any other.
 */
async function deliverBatch(event: SQSEvent): Promise<SQSBatchResponse> {
  const retry = await Promise.all(event.Records.map(deliverRecord));
  return { batchItemFailures: event.Records.filter((_, index) => retry[index]).map((record) => ({ itemIdentifier: record.messageId })) };
}

const invoke = middy<SQSEvent, SQSBatchResponse>()
  .use(logContext())
  .use({ before: () => logger.resetKeys() })
  .use(secretsMiddleware(['linkSigningKey', ...SLACK_NOTIFY_SECRETS]))
  .handler((event, context) => withInvocationSecrets(context, () => deliverBatch(event)));

export const handler = (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => logger.scope(() => invoke(event, context));
