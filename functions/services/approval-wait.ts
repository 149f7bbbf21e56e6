/**
 * The approval wait, driven by the state machine: "Record request" computes the first deadline, "Wait
 * for approval" stores the task token and (once) asks the approvers, "Remind or expire" runs at each
 * deadline. Deadlines come from the request (set from the policy at submission), so the task's
 * TimeoutSecondsPath always ends the wait exactly at the next reminder, escalation or expiry.
 */
import { grantConfig, linksConfig } from '../config.js';
import { issueLinkToken, linkTokenHash } from '../domain/approval-links.js';
import { currentApprovers, nextApprovalStep, type AccessRequestRecord } from '../domain/request-lifecycle.js';
import { NotFoundError } from '../errors.js';
import { requestStore } from '../adapters/request-store.js';
import { workflow } from '../adapters/workflow.js';
import { logger } from '../logger.js';
import { CANCELLED_ERROR } from './cancel-request.js';
import { notifyPeople } from './notify.js';

export interface ApprovalTiming {
  /** The approval window is over. */
  expired: boolean;
  /** How long the next "Wait for approval" may wait (its TimeoutSecondsPath). */
  waitSeconds: number;
  /** How long "Wait for propagation" waits after the grant call. */
  firstCheckSeconds: number;
}

async function load(requestId: string): Promise<AccessRequestRecord> {
  const request = await requestStore.get(requestId);
  if (!request) throw new NotFoundError(`No request ${requestId}`);
  return request;
}

function timing(request: AccessRequestRecord, now: Date): ApprovalTiming {
  const step = nextApprovalStep(request, now);
  return {
    expired: step.kind === 'expire',
    waitSeconds: step.kind === 'expire' ? 1 : step.waitSeconds,
    firstCheckSeconds: grantConfig().firstCheckSeconds,
  };
}

/** One link per approver, bound to them, expiring with the approval window; returns approver → URL. */
async function issueLinks(key: string, request: AccessRequestRecord, approvers: string[]): Promise<Record<string, string>> {
  const expiresAt = Math.floor(Date.parse(request.approvalDeadline) / 1000);
  const urls: Record<string, string> = {};
  const links = approvers
    .filter((approver) => approver !== request.requester)
    .map((approver) => {
      const token = issueLinkToken(key, { requestId: request.id, approver, expiresAt });
      urls[approver] = `${linksConfig().publicBaseUrl}/approvals/${token}`;
      return { hash: linkTokenHash(token), requestId: request.id, approver, expiresAt };
    });
  await requestStore.putLinks(links);
  return urls;
}

export async function recordRequest(requestId: string, now: Date): Promise<ApprovalTiming> {
  const request = await requestStore.update(requestId, {
    history: [{ at: now.toISOString(), event: 'workflow started', actor: 'cachegate' }],
    now,
  });
  if (!request) throw new NotFoundError(`No request ${requestId}`);
  return timing(request, now);
}

export async function beginApprovalWait(input: { requestId: string; taskToken: string; linkKey: string; now: Date }): Promise<void> {
  const { requestId, taskToken, now } = input;
  await requestStore.saveTaskToken(requestId, taskToken);
  const request = await load(requestId);

  // A decision that landed while no wait was open (between a reminder's timeout and this re-entry)
  // could not resume the old token: resume with this one.
  if (request.status === 'APPROVED' || request.status === 'DENIED') {
    await workflow.resume(taskToken, { outcome: request.status === 'APPROVED' ? 'approve' : 'deny', decidedBy: request.decidedBy });
    return;
  }
  if (request.status === 'CANCELLED') {
    await workflow.fail(taskToken, CANCELLED_ERROR, 'Cancelled while no approval wait was open');
    return;
  }
  if (request.history.some((event) => event.event === 'approval requested')) return;

  const urls = await issueLinks(input.linkKey, request, request.approvers);
  const asked = await requestStore.update(requestId, {
    history: [{ at: now.toISOString(), event: 'approval requested', actor: 'cachegate', detail: request.approvers.join(', ') }],
    now,
  });
  logger.info('approval requested', { requestId, approvers: request.approvers.length });
  await notifyPeople('approval-requested', asked ?? request, { approvalUrls: urls });
  await notifyPeople('submitted', asked ?? request);
}

export async function remindOrExpire(input: { requestId: string; linkKey: string; now: Date }): Promise<ApprovalTiming> {
  const { requestId, now } = input;
  const request = await load(requestId);
  if (request.status !== 'PENDING_APPROVAL') {
    // Decided in the gap: go back to the wait, whose re-entry resumes at once.
    return { expired: false, waitSeconds: 60, firstCheckSeconds: grantConfig().firstCheckSeconds };
  }
  const step = nextApprovalStep(request, now);
  if (step.kind === 'remind') {
    const waiting = currentApprovers(request).filter((approver) => !request.approvals[approver]);
    const urls = await issueLinks(input.linkKey, request, waiting);
    const reminded = await requestStore.update(requestId, {
      set: { remindersSent: request.remindersSent + 1 },
      history: [{ at: now.toISOString(), event: 'reminder sent', actor: 'cachegate', detail: waiting.join(', ') }],
      now,
    });
    await notifyPeople('reminder', reminded ?? request, { approvalUrls: urls, only: waiting });
    return timing(reminded ?? request, now);
  }
  if (step.kind === 'escalate') {
    const urls = await issueLinks(input.linkKey, request, request.escalationApprovers);
    const escalated = await requestStore.update(requestId, {
      set: { escalated: true },
      history: [{ at: now.toISOString(), event: 'escalated', actor: 'cachegate', detail: request.escalationApprovers.join(', ') }],
      now,
    });
    await notifyPeople('escalated', escalated ?? request, { approvalUrls: urls, only: request.escalationApprovers });
    return timing(escalated ?? request, now);
  }
  return timing(request, now);
}
