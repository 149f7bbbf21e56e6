/**
 * The notification queue (SQS standard queue, with a dead-letter queue behind it): every notification
 * is queued here and delivered by deliverNotifications, off the path of the person or task that caused
 * it. SendMessageBatch takes ten at a time; an entry SQS did not take is sent again with backoff, and
 * anything still not queued is thrown, so the caller (a Step Functions task) fails and is retried.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ChangeMessageVisibilityCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { notificationQueueConfig } from '../config.js';
import type { NotificationJob } from '../domain/notification-delivery.js';
import { awsClient } from './aws-client.js';

const client = /* @__PURE__ */ awsClient(SQSClient, 'sqs');

const BATCH = 10;
const ATTEMPTS = 4;

export const notificationQueue = {
  async enqueue(jobs: readonly NotificationJob[]): Promise<void> {
    const queueUrl = notificationQueueConfig().queueUrl;
    for (let start = 0; start < jobs.length; start += BATCH) {
      let pending = jobs.slice(start, start + BATCH).map((job, index) => ({ Id: String(index), MessageBody: JSON.stringify(job) }));
      for (let attempt = 1; pending.length > 0; attempt++) {
        const { Failed } = await client.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: pending }));
        const failedIds = new Set((Failed ?? []).map((entry) => entry.Id));
        pending = pending.filter((entry) => failedIds.has(entry.Id));
        if (pending.length === 0) break;
        if (attempt === ATTEMPTS) throw new Error(`SQS did not take ${pending.length} notification(s): ${Failed?.[0]?.Code ?? 'unknown'}`);
        await sleep(100 * 2 ** attempt);
      }
    }
  },

  /** A message received by the consumer comes back after `seconds` (its retry backoff). */
  async retryLater(receiptHandle: string, seconds: number): Promise<void> {
    await client.send(new ChangeMessageVisibilityCommand({ QueueUrl: notificationQueueConfig().queueUrl, ReceiptHandle: receiptHandle, VisibilityTimeout: seconds }));
  },
};
