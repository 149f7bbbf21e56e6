/**
 * The approval wait, driven by the state machine: "Record request" computes the first deadline, "Wait
 * for approval" stores the task token and (once) asks the approvers, "Remind or expire" runs at each
 * deadline, then the wait is entered again (when the window has closed, its re-entry resumes at once). Deadlines come from the request (set from the policy at submission), so the task's
 * TimeoutSecondsPath always ends the wait exactly at the next reminder, escalation or expiry.
 */
import { currentApprovers, nextApprovalStep, type AccessRequestRecord } from '../domain/request-lifecycle.js';
import { NotFoundError } from '../errors.js';
import { requestStore } from '../adapters/request-store.js';
import { workflow } from '../adapters/workflow.js';
import { logger } from '../logger.js';
import { CANCELLED_ERROR } from './cancel-request.js';
import { announceStatusChanges, notifyPeople } from './notify.js';
import { changeStatus } from './request-status.js';

export interface ApprovalTiming {
  /** How long the next "Wait for approval" may wait (its TimeoutSecondsPath). */
  waitSeconds: number;
}

async function load(requestId: string): Promise<AccessRequestRecord> {
  const request = await requestStore.get(requestId);
  if (!request) throw new NotFoundError(`No request ${requestId}`);
  return request;
}

function timing(request: AccessRequestRecord, now: Date): ApprovalTiming {
  const step = nextApprovalStep(request, now);
  return { waitSeconds: step.kind === 'expire' ? 1 : step.waitSeconds };
}

export async function recordRequest(requestId: string, now: Date): Promise<ApprovalTiming> {
  const request = await requestStore.update(requestId, {
    history: [{ at: now.toISOString(), event: 'workflow started', actor: 'cachegate' }],
    now,
  });
  if (!request) throw new NotFoundError(`No request ${requestId}`);
  return timing(request, now);
}

export async function beginApprovalWait(input: { requestId: string; taskToken: string; now: Date }): Promise<void> {
  const { requestId, taskToken, now } = input;
  await requestStore.saveTaskToken(requestId, taskToken);
  const request = await load(requestId);

  // A decision that landed while no wait was open (between a reminder's timeout and this re-entry)
  // could not resume the old token: resume with this one.
  if (request.status === 'APPROVED' || request.status === 'DENIED') {
    await workflow.resume(taskToken, { outcome: request.status === 'APPROVED' ? 'approve' : 'deny', decidedBy: request.decidedBy });
    return;
  }
  // "Remind or expire" closed the window and came back here: "Approved?" routes this to "Notify expired".
  if (request.status === 'EXPIRED') {
    await workflow.resume(taskToken, { outcome: 'expire' });
    return;
  }
  if (request.status === 'CANCELLED') {
    await workflow.fail(taskToken, CANCELLED_ERROR, 'Cancelled while no approval wait was open');
    return;
  }
  if (request.history.some((event) => event.event === 'approval requested')) return;

  // Queued before the history says so: a retry of this task after a failed enqueue asks again (the
  // delivery marks keep it to one message per person), never silently skips.
  await notifyPeople('approval-requested', request);
  await notifyPeople('submitted', request);
  await announceStatusChanges(request);
  await requestStore.update(requestId, {
    history: [{ at: now.toISOString(), event: 'approval requested', actor: 'cachegate', detail: request.approvers.join(', ') }],
    now,
  });
  logger.info('approval requested', { requestId, approvers: request.approvers.length });
}

/** Decided, cancelled or expired: back to the wait, whose re-entry resumes at once (the time-out is a backstop). */
const backToWait = (): ApprovalTiming => ({ waitSeconds: 60 });

export async function remindOrExpire(input: { requestId: string; now: Date }): Promise<ApprovalTiming> {
  const { requestId, now } = input;
  const request = await load(requestId);
  if (request.status !== 'PENDING_APPROVAL') return backToWait();
  const step = nextApprovalStep(request, now);
  if (step.kind === 'expire') {
    // The window closes with a conditional write: a decision landing at the same moment either came
    // first (the request is decided) or finds the request EXPIRED. Either way the wait's re-entry resumes
    // at once with what happened.
    const expired = await changeStatus(request, { to: 'EXPIRED', by: 'workflow', actor: 'cachegate', detail: 'No decision within the approval window', now });
    if (expired) await announceStatusChanges(expired);
    return backToWait();
  }
  if (step.kind === 'remind') {
    const waiting = currentApprovers(request).filter((approver) => !request.approvals[approver] && approver !== request.requester);
    await notifyPeople('reminder', request, { only: waiting });
    const reminded = await requestStore.update(requestId, {
      set: { remindersSent: request.remindersSent + 1 },
      history: [{ at: now.toISOString(), event: 'reminder sent', actor: 'cachegate', detail: waiting.join(', ') }],
      now,
    });
    return timing(reminded ?? request, now);
  }
  if (step.kind === 'escalate') {
    const escalated = await requestStore.update(requestId, {
      set: { escalated: true },
      history: [{ at: now.toISOString(), event: 'escalated', actor: 'cachegate', detail: request.escalationApprovers.join(', ') }],
      now,
    });
    await notifyPeople('escalated', escalated ?? request, { only: request.escalationApprovers });
    return timing(escalated ?? request, now);
  }
  return timing(request, now);
}
