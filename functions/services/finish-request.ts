/**
 * The last step of every path: store the final status (with the reason, for failures), release the
 * requester's open slot unless access is now active, and tell the people concerned.
 */
import { targetKey, type RequestStatus } from '../domain/access-request.js';
import { NotFoundError } from '../errors.js';
import { requestStore } from '../adapters/request-store.js';
import { logger } from '../logger.js';
import { notifyPeople } from './notify.js';

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

export async function finishRequest(input: { requestId: string; outcome: Outcome; state?: unknown; now: Date }): Promise<{ status: RequestStatus }> {
  const { requestId, outcome, now } = input;
  const request = await requestStore.get(requestId);
  if (!request) throw new NotFoundError(`No request ${requestId}`);
  const reason = outcome === 'FAILED' ? failureReason(input.state) : undefined;
  const finished = await requestStore.update(requestId, {
    set: { status: outcome, ...(reason ? { failureReason: reason } : {}) },
    // A cancellation is already in the history, with who cancelled; here the workflow only closes.
    history: [{ at: now.toISOString(), event: outcome === 'CANCELLED' ? 'workflow closed' : EVENTS[outcome], actor: 'cachegate', status: outcome, ...(reason ? { detail: reason } : {}) }],
    // Any status but a final one: a decision racing the expiry loses to the workflow's verdict.
    expectStatus: outcome === 'CANCELLED' ? ['CANCELLED'] : ['PENDING_APPROVAL', 'APPROVED', 'AUTHORIZING', 'DENIED'],
    now,
  });
  const final = finished ?? request;
  if (outcome !== 'ACTIVE') await requestStore.releaseOpen(request.requester, targetKey(request.target), requestId);
  logger.info(`request ${EVENTS[outcome]}`, { requestId, status: final.status, ...(reason ? { reason } : {}) });
  await notifyPeople(EVENTS[outcome], final);
  return { status: final.status };
}
