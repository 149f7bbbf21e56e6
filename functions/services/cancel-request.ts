/**
 * Cancelling: the requester withdraws a request that is still waiting for approval. The status changes
 * first (a conditional write, so a decision and a cancellation cannot both win); then the approval wait
 * is ended with the named error RequestCancelled, which the state machine routes to "Notify cancelled".
 */
import type { AccessRequestRecord } from '../domain/request-lifecycle.js';
import { ConflictError, ForbiddenError } from '../errors.js';
import { requestStore } from '../adapters/request-store.js';
import { workflow } from '../adapters/workflow.js';
import { logger } from '../logger.js';
import { changeStatus } from './request-status.js';
import { viewRequest } from './view-request.js';

/** The error name the approval wait ends with (statemachines/access-request.asl.yaml matches it). */
export const CANCELLED_ERROR = 'RequestCancelled';

export async function cancelRequest(input: { caller: string; id: string; reason?: string; now: Date }): Promise<AccessRequestRecord> {
  const request = await viewRequest(input.caller, input.id);
  if (request.requester !== input.caller) throw new ForbiddenError('Only the requester can cancel a request.');
  const cancelled =
    request.status === 'PENDING_APPROVAL'
      ? await changeStatus(request, { to: 'CANCELLED', by: 'requester', actor: input.caller, now: input.now, ...(input.reason ? { detail: input.reason } : {}) })
      : undefined;
  if (!cancelled) {
    const latest = (await requestStore.get(request.id)) ?? request;
    throw new ConflictError(`This request can no longer be cancelled: it is ${latest.status}.`, latest.id);
  }
  const taskToken = await requestStore.taskToken(request.id);
  // No open wait (between a reminder and the next wait): the next "Wait for approval" sees the status.
  if (taskToken) await workflow.fail(taskToken, CANCELLED_ERROR, `Cancelled by ${input.caller}`);
  logger.info('request cancelled', { requestId: request.id });
  return cancelled;
}
