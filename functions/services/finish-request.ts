/**
 * Where the workflow announces an outcome: store it (with the reason, for failures), release the
 * requester's open slot once the request is final, and tell the people concerned.
 */
import { targetKey, type RequestStatus } from '../domain/access-request.js';
import type { NotificationEvent } from '../domain/notification-messages.js';
import type { AccessRequestRecord } from '../domain/request-lifecycle.js';
import { isFinal } from '../domain/request-transitions.js';
import { NotFoundError } from '../errors.js';
import { requestStore } from '../adapters/request-store.js';
import { logger } from '../logger.js';
import { notifyPeople } from './notify.js';
import { changeStatus } from './request-status.js';

export type Outcome = Extract<RequestStatus, 'ACTIVE' | 'DENIED' | 'EXPIRED' | 'FAILED' | 'CANCELLED'>;

const EVENTS = { ACTIVE: 'granted', DENIED: 'denied', EXPIRED: 'expired', FAILED: 'failed', CANCELLED: 'cancelled' } as const;

/** A person-readable reason from the state the failure path carried ($.error, $.check, $.cleanupError). */
export function failureReason(state: unknown): string {
  const record = (state ?? {}) as Record<string, unknown>;
  const error = record.error as { Error?: string; Cause?: string } | undefined;
  if (error?.Error) {
    let message = error.Cause ?? '';
    try {
      const cause = JSON.parse(message) as { errorMessage?: string };
      if (cause.errorMessage) message = cause.errorMessage;
    } catch {
      // Cause is plain text (Step Functions' own errors): keep it as it is.
    }
    return message ? `${error.Error}: ${message}` : error.Error;
  }
  const check = record.check as { gaveUp?: boolean; state?: string } | undefined;
  if (check?.gaveUp) return `The grant never became available (last status: ${check.state ?? 'unknown'})`;
  return 'The workflow failed';
}

const ANNOUNCED_AS: Partial<Record<RequestStatus, NotificationEvent>> = EVENTS;

/**
 * Stores the outcome the workflow reached (ACTIVE, FAILED) through the transition table, or confirms the
 * one a person or the approval wait already stored (DENIED, EXPIRED, CANCELLED). A request that reached
 * another final status first (a cancellation racing a failure) is announced as what it is, never as
 * what the workflow expected. Safe to retry: a status already stored is not written again, and the
 * delivery marks keep each notification to one.
 */
export async function finishRequest(input: { requestId: string; outcome: Outcome; state?: unknown; now: Date }): Promise<{ status: RequestStatus }> {
  const { requestId, outcome, now } = input;
  let request: AccessRequestRecord | undefined;
  for (let attempt = 0; attempt < 3 && !request; attempt++) {
    const current = await requestStore.get(requestId);
    if (!current) throw new NotFoundError(`No request ${requestId}`);
    if (current.status === outcome || isFinal(current.status) || (outcome !== 'ACTIVE' && outcome !== 'FAILED')) {
      request = current;
      break;
    }
    const reason = outcome === 'FAILED' ? failureReason(input.state) : undefined;
    request = await changeStatus(current, {
      to: outcome,
      by: 'workflow',
      actor: 'cachegate',
      now,
      ...(reason ? { set: { failureReason: reason }, detail: reason } : {}),
    });
  }
  if (!request) throw new Error(`The status of request ${requestId} kept changing; its outcome ${outcome} was not stored`);
  const event = ANNOUNCED_AS[request.status];
  if (!event) throw new Error(`Request ${requestId} is ${request.status}, not an outcome the workflow can announce (expected ${outcome})`);
  if (isFinal(request.status)) await requestStore.releaseOpen(request.requester, targetKey(request.target), requestId);
  logger.info(`request ${event}`, { requestId, status: request.status, ...(request.failureReason ? { reason: request.failureReason } : {}) });
  await notifyPeople(event, request);
  return { status: request.status };
}
