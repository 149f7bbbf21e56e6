/**
 * The notification queue (SQS standard queue, with a dead-letter queue behind it): every notification
 * is queued here and delivered by deliverNotifications, off the path of the person or task that caused
 * it. SendMessageBatch takes ten at a time; an entry SQS did not take is sent again with backoff, and
 * anything still not queued is thrown, so the caller (a Step Functions task) fails and is retried.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { notificationQueueConfig } from '../config.js';
import type { NotificationJob } from '../domain/notification-delivery.js';
import { awsJsonService, withRetries } from './aws-json-call.js';

// SQS's JSON protocol, as @aws-sdk/client-sqs speaks it (aws-json-call.ts says why not the client; the
// tests compare the requests). The SDK's client sends to the queue URL's host: sqs.<region>.amazonaws.com for a
// queue CloudFormation makes, the endpoint this calls.
const sqs = /* @__PURE__ */ awsJsonService('sqs', 'AmazonSQS', 'SQS', 'sqs', undefined, { jsonVersion: '1.0', headers: { 'x-amzn-query-mode': 'true' } });

const BATCH = 10;
const ATTEMPTS = 4;

export const notificationQueue = {
  async enqueue(jobs: readonly NotificationJob[]): Promise<void> {
    const queueUrl = notificationQueueConfig().queueUrl;
    for (let start = 0; start < jobs.length; start += BATCH) {
      let pending = jobs.slice(start, start + BATCH).map((job, index) => ({ Id: String(index), MessageBody: JSON.stringify(job) }));
      for (let attempt = 1; pending.length > 0; attempt++) {
        const { Failed } = await withRetries(() => sqs.call<{ Failed?: { Id: string; Code?: string }[] }>('SendMessageBatch', { QueueUrl: queueUrl, Entries: pending }));
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
    await withRetries(() => sqs.call('ChangeMessageVisibility', { QueueUrl: notificationQueueConfig().queueUrl, ReceiptHandle: receiptHandle, VisibilityTimeout: seconds }));
  },
};
