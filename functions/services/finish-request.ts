/**
 * Where the workflow announces an outcome: store it (with the reason, for failures), release the
 * requester's open slot and the request's rule slot once the request is final, and tell the people concerned.
 */
import { targetKey } from '../domain/access-request.js';
import type { NotificationEvent } from '../domain/notification-messages.js';
import { minuteOf, type AccessRequestRecord } from '../domain/request-lifecycle.js';
import { type RequestStatus, isFinal } from '../domain/request-statuses.js';
import { NotFoundError } from '../errors.js';
import { requestStore } from '../adapters/request-store.js';
import { logger } from '../logger.js';
import { describeGrantEndIfPossible } from './grant-description.js';
import { announceStatusChanges, notifyPeople } from './notify.js';
import { changeStatus } from './request-status.js';
import { releaseRuleSlot } from './rule-slots.js';

export type Outcome = Extract<RequestStatus, 'ACTIVE' | 'ENDED' | 'DENIED' | 'EXPIRED' | 'FAILED' | 'CANCELLED'>;

const EVENTS = { ACTIVE: 'granted', ENDED: 'ended', DENIED: 'denied', EXPIRED: 'expired', FAILED: 'failed', CANCELLED: 'cancelled' } as const;

/** The outcomes the workflow itself stores; the others were stored by the person or step that caused them. */
const STORED_HERE: readonly Outcome[] = ['ACTIVE', 'ENDED', 'FAILED'];

/** What the status change writes besides the status: the reason of a failure, the times of access. */
function outcomeFields(outcome: Outcome, state: unknown, now: Date, request: AccessRequestRecord): { set: Partial<AccessRequestRecord>; detail?: string } {
  if (outcome === 'FAILED') {
    const reason = failureReason(state);
    return { set: { failureReason: reason }, detail: reason };
  }
  if (outcome === 'ACTIVE') {
    // The whole duration counts from here, when access is in effect, not from the approval.
    const expiresAt = new Date(now.getTime() + request.durationMinutes * minuteOf(request)).toISOString();
    return { set: { activeSince: now.toISOString(), expiresAt }, detail: `until ${expiresAt}` };
  }
  return { set: { endedAt: now.toISOString() }, ...(request.endReason ? { detail: request.endReason } : {}) };
}

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
  if (check?.gaveUp) {
    const never = `The grant never became available (last status: ${check.state ?? 'unknown'})`;
    // Clean up grant failed (e.g. a classic authorization still `authorizing` cannot be revoked yet).
    return record.cleanupError ? `${never}; its clean-up is pending: the reconciler revokes it` : never;
  }
  return 'The workflow failed';
}

/** The request's rule slot (VPC) is free for others; a failure here is the reconciler's to repair, not the outcome's. */
async function releaseSlot(request: AccessRequestRecord, now: Date): Promise<void> {
  try {
    await releaseRuleSlot(request, now);
  } catch (error) {
    logger.warn('the rule slot was not released; the reconciler releases it', { requestId: request.id, error });
  }
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
    if (current.status === outcome || isFinal(current.status) || !STORED_HERE.includes(outcome)) {
      request = current;
      break;
    }
    const fields = outcomeFields(outcome, input.state, now, current);
    request = await changeStatus(current, { to: outcome, by: 'workflow', actor: 'cachegate', now, set: fields.set, ...(fields.detail ? { detail: fields.detail } : {}) });
  }
  if (!request) throw new Error(`The status of request ${requestId} kept changing; its outcome ${outcome} was not stored`);
  const event = ANNOUNCED_AS[request.status];
  if (!event) throw new Error(`Request ${requestId} is ${request.status}, not an outcome the workflow can announce (expected ${outcome})`);
  if (isFinal(request.status)) {
    await requestStore.releaseOpen(request.requester, targetKey(request.target), requestId);
    await releaseSlot(request, now);
  }
  logger.info(`request ${event}`, { requestId, status: request.status, ...(request.failureReason ? { reason: request.failureReason } : {}) });
  await notifyPeople(event, request);
  // Every status change so far, again: a change whose own announcement was lost is published now.
  await announceStatusChanges(request);
  // People first; then the rule's description names the end.
  if (request.status === 'ACTIVE') await describeGrantEndIfPossible(request, now);
  return { status: request.status };
}
