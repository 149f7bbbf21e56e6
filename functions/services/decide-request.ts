/**
 * Decisions: from an approval link (email, Slack link buttons) or from Slack's interactive buttons.
 * Each approver decides once; any deny ends the request; N distinct approvals grant it. The store's
 * conditional writes make a double click or two approvers racing end in exactly one outcome.
 */
import { checkLinkToken, linkTokenHash, type LinkClaims } from '../domain/approval-links.js';
import { refuseDecision, statusAfterDecisions, type AccessRequestRecord, type Decision } from '../domain/request-lifecycle.js';
import { ApprovalLinkError, ConflictError, ForbiddenError, NotFoundError } from '../errors.js';
import { requestStore, type LinkItem } from '../adapters/request-store.js';
import { workflow } from '../adapters/workflow.js';
import { logger } from '../logger.js';
import { notifyPeople } from './notify.js';

export const COMMENT_MAX_LENGTH = 500;

function decidedSummary(request: AccessRequestRecord): string {
  const by = request.decidedBy.length > 0 ? ` by ${request.decidedBy.join(', ')}` : '';
  return `This request is already ${request.status.toLowerCase().replace('_', ' ')}${by}.`;
}

export interface OpenLink {
  request: AccessRequestRecord;
  approver: string;
  link: LinkItem;
  hash: string;
}

/** Checks an approval link without changing anything (what GET /approvals/{token} shows). */
export async function openLink(key: string, token: string, now: Date): Promise<OpenLink> {
  const check = checkLinkToken(key, token, Math.floor(now.getTime() / 1000));
  if (!check.ok && check.reason !== 'expired') {
    throw new ApprovalLinkError(403, 'LinkInvalid', 'This approval link is not valid. Use the link from your message exactly as sent.');
  }
  const claims: LinkClaims = check.ok ? check.claims : check.claims;
  const request = await requestStore.get(claims.requestId);
  if (!request) throw new ApprovalLinkError(404, 'RequestNotFound', 'The request behind this link no longer exists.');
  if (!check.ok) {
    const decided = request.status === 'PENDING_APPROVAL' ? '' : ` ${decidedSummary(request)}`;
    throw new ApprovalLinkError(410, 'LinkExpired', `This approval link expired on ${new Date(claims.expiresAt * 1000).toISOString()}.${decided}`);
  }
  const hash = linkTokenHash(token);
  const link = await requestStore.link(hash);
  if (!link || link.requestId !== request.id || link.approver !== claims.approver) {
    throw new ApprovalLinkError(403, 'LinkInvalid', 'This approval link is not valid.');
  }
  if (link.usedAt) {
    throw new ApprovalLinkError(409, 'LinkUsed', `This link was already used: you chose to ${link.decision} on ${link.usedAt}. ${decidedSummary(request)}`);
  }
  if (claims.approver === request.requester) throw new ApprovalLinkError(403, 'OwnRequest', 'You cannot approve your own request.');
  if (request.status !== 'PENDING_APPROVAL') throw new ApprovalLinkError(409, 'AlreadyDecided', decidedSummary(request));
  return { request, approver: claims.approver, link, hash };
}

/** Uses an approval link once, then records the decision. */
export async function decideByLink(input: { key: string; token: string; decision: Decision['decision']; comment?: string; now: Date }) {
  const opened = await openLink(input.key, input.token, input.now);
  const used = await requestStore.useLink(opened.hash, input.now.toISOString(), input.decision);
  if (!used) {
    const request = (await requestStore.get(opened.request.id)) ?? opened.request;
    throw new ApprovalLinkError(409, 'LinkUsed', `This link was already used. ${request.status === 'PENDING_APPROVAL' ? '' : decidedSummary(request)}`.trim());
  }
  try {
    const result = await decide({ requestId: opened.request.id, approver: opened.approver, decision: input.decision, comment: input.comment, via: 'email', now: input.now });
    return { ...result, approver: opened.approver };
  } catch (error) {
    if (error instanceof ConflictError) throw new ApprovalLinkError(409, 'AlreadyDecided', error.message);
    if (error instanceof ForbiddenError) throw new ApprovalLinkError(403, 'NotAnApprover', error.message);
    throw error;
  }
}

export interface DecisionResult {
  request: AccessRequestRecord;
  /** `recorded`: counted, more approvals needed; `approved` / `denied`: the request is decided. */
  outcome: 'recorded' | 'approved' | 'denied';
}

export async function decide(input: {
  requestId: string;
  approver: string;
  decision: Decision['decision'];
  comment?: string | undefined;
  via: Decision['via'];
  now: Date;
}): Promise<DecisionResult> {
  const { requestId, approver, decision, now } = input;
  const request = await requestStore.get(requestId);
  if (!request) throw new NotFoundError(`No request ${requestId}`);
  const refusal = refuseDecision(request, approver);
  if (refusal === 'own-request') throw new ForbiddenError('You cannot approve or deny your own request.');
  if (refusal === 'not-an-approver') throw new ForbiddenError('You are not an approver for this request.');
  if (refusal === 'already-decided-by-you') throw new ConflictError('You have already decided on this request.');
  if (refusal === 'not-pending') throw new ConflictError(decidedSummary(request));

  const comment = input.comment?.trim().slice(0, COMMENT_MAX_LENGTH) || undefined;
  const at = now.toISOString();
  const recorded = await requestStore.recordDecision(
    requestId,
    approver,
    { decision, at, via: input.via, ...(comment ? { comment } : {}) },
    { at, event: decision === 'approve' ? 'approved' : 'denied', actor: approver, ...(comment ? { detail: comment } : {}) },
  );
  if (!recorded) {
    const latest = (await requestStore.get(requestId)) ?? request;
    throw new ConflictError(latest.status === 'PENDING_APPROVAL' ? 'You have already decided on this request.' : decidedSummary(latest));
  }

  const status = statusAfterDecisions(recorded);
  if (status === 'PENDING_APPROVAL') {
    const count = Object.values(recorded.approvals).filter((d) => d.decision === 'approve').length;
    logger.info('approval recorded', { requestId, approver, approvals: count, needed: recorded.approvalsRequired });
    return { request: recorded, outcome: 'recorded' };
  }

  const decidedBy = Object.entries(recorded.approvals)
    .filter(([, d]) => (status === 'DENIED' ? d.decision === 'deny' : d.decision === 'approve'))
    .map(([email]) => email);
  const decided = await requestStore.update(requestId, {
    set: { status, decidedBy },
    history: [{ at, event: status === 'APPROVED' ? 'request approved' : 'request denied', actor: approver, status }],
    expectStatus: ['PENDING_APPROVAL'],
    now,
  });
  if (!decided) {
    // Another decision finalized it a moment earlier; this one is recorded in the history all the same.
    const latest = (await requestStore.get(requestId)) ?? recorded;
    return { request: latest, outcome: latest.status === 'DENIED' ? 'denied' : 'approved' };
  }
  const taskToken = await requestStore.taskToken(requestId);
  if (taskToken) {
    const resumed = await workflow.resume(taskToken, { outcome: status === 'APPROVED' ? 'approve' : 'deny', decidedBy });
    if (resumed === 'already-closed') logger.warn('the approval wait had already closed', { requestId });
  }
  logger.info(`request ${status.toLowerCase()}`, { requestId, decidedBy });
  // The requester hears of a denial when the workflow closes the request (Notify denied).
  if (status === 'APPROVED') await notifyPeople('approved', decided);
  return { request: decided, outcome: status === 'APPROVED' ? 'approved' : 'denied' };
}
