/**
 * EventBridge's default bus: PutEvents as one signed AWS JSON 1.1 call (aws-json-call.ts). Why not
 * @aws-sdk/client-eventbridge: measured in docs/events.md, it adds far more to deliverNotifications' zip
 * than this call, which reuses the signer and HTTP handler the function already carries for SSM.
 *
 * PutEvents can answer 200 with some entries failed (FailedEntryCount > 0, each failed entry with an
 * ErrorCode): that is a failure here, not a success, so the notification queue retries the job.
 */
import { DeliveryFailed } from '../errors.js';
import { AwsJsonError, awsJsonService } from './aws-json-call.js';

export interface BusEvent {
  source: string;
  detailType: string;
  detail: object;
  time: Date;
}

interface PutEventsReply {
  FailedEntryCount?: number;
  Entries?: { EventId?: string; ErrorCode?: string; ErrorMessage?: string }[];
}

/** One attempt each: the notification queue retries with its own backoff (notification-delivery.ts). */
const events = /* @__PURE__ */ awsJsonService('events', 'AWSEvents', 'EventBridge', 'events', { connectionMs: 2000, requestMs: 5000 });

/**
 * A failed entry's ErrorCode worth another attempt; AWS calls every other one (AccessDeniedException,
 * InvalidArgument, MalformedDetail, NotAuthorizedForSourceException…) not retryable (docs/events.md).
 */
const RETRYABLE_ENTRY = new Set(['InternalFailure', 'ThrottlingException']);

export const eventBus = {
  /** Puts one event on the default bus; throws DeliveryFailed (retryable unless it never can succeed). */
  async put(event: BusEvent): Promise<{ eventId: string }> {
    let reply: PutEventsReply;
    try {
      reply = await events.call<PutEventsReply>('PutEvents', {
        Entries: [{ Source: event.source, DetailType: event.detailType, Detail: JSON.stringify(event.detail), Time: Math.floor(event.time.getTime() / 1000) }],
      });
    } catch (error) {
      // Throttling and 5xx are retried; any other error answer (AccessDeniedException: the role) never succeeds.
      if (error instanceof AwsJsonError) throw new DeliveryFailed(error.message, error.retryable, undefined, { cause: error });
      throw new DeliveryFailed(`EventBridge unreachable: ${(error as Error).message}`, true, undefined, { cause: error });
    }
    const entry = reply.Entries?.[0];
    if ((reply.FailedEntryCount ?? 0) > 0 || !entry?.EventId) {
      const code = entry?.ErrorCode ?? 'no EventId';
      throw new DeliveryFailed(`EventBridge did not take the event: ${code}${entry?.ErrorMessage ? `: ${entry.ErrorMessage}` : ''}`, RETRYABLE_ENTRY.has(code) || !entry?.ErrorCode);
    }
    return { eventId: entry.EventId };
  },
};
