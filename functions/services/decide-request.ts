/**
 * Decisions: from an approval link (email, Slack link buttons) or from Slack's interactive buttons.
 * Each approver decides once; any deny ends the request; N distinct approvals grant it. The store's
 * conditional writes make a double click or two approvers racing end in exactly one outcome.
 */
import { COMMENT_MAX_LENGTH } from '../domain/action-bodies.js';
import { checkLinkToken, linkTokenHash, type LinkClaims } from '../domain/approval-links.js';
import { applyDecision, refuseDecision, type AccessRequestRecord, type Decision, type ExtensionRound, type HistoryEvent } from '../domain/request-lifecycle.js';
import { checkTransition } from '../domain/request-transitions.js';
import { ApprovalLinkError, ConflictError, ForbiddenError, NotFoundError } from '../errors.js';
import { requestStore, type LinkItem } from '../adapters/request-store.js';
import { workflow } from '../adapters/workflow.js';
import { logger } from '../logger.js';
import { decideRound } from './extend-access.js';

function decidedSummary(request: AccessRequestRecord): string {
  const by = request.decidedBy.length > 0 ? ` by ${request.decidedBy.join(', ')}` : '';
  return `This request is already ${request.status.toLowerCase().replace('_', ' ')}${by}.`;
}

export interface OpenLink {
  request: AccessRequestRecord;
  approver: string;
  link: LinkItem;
  hash: string;
  /** The extension round the link decides, if it is a round's link. */
  round?: ExtensionRound;
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
  if (!link || link.requestId !== request.id || link.approver !== claims.approver || link.round !== claims.round) {
    throw new ApprovalLinkError(403, 'LinkInvalid', 'This approval link is not valid.');
  }
  if (claims.round) return { ...openRoundLink(request, claims.round, link), approver: claims.approver, link, hash };
  if (link.usedAt) {
    throw new ApprovalLinkError(409, 'LinkUsed', `This link was already used: you chose to ${link.decision} on ${link.usedAt}. ${decidedSummary(request)}`);
  }
  if (claims.approver === request.requester) throw new ApprovalLinkError(403, 'OwnRequest', 'You cannot approve your own request.');
  if (request.status !== 'PENDING_APPROVAL') throw new ApprovalLinkError(409, 'AlreadyDecided', decidedSummary(request));
  return { request, approver: claims.approver, link, hash };
}

/** An extension round's link: only the latest round's, and only while it is open. */
function openRoundLink(request: AccessRequestRecord, roundId: string, link: LinkItem): { request: AccessRequestRecord; round: ExtensionRound } {
  const round = request.extensions.find((r) => r.id === roundId);
  if (!round || request.extensions.at(-1)?.id !== roundId) throw new ApprovalLinkError(410, 'RoundOver', 'This link is for an earlier extension round, which is over.');
  if (link.usedAt) throw new ApprovalLinkError(409, 'LinkUsed', `This link was already used: you chose to ${link.decision} on ${link.usedAt}.`);
  if (round.status !== 'PENDING' || request.status !== 'ACTIVE') {
    const by = round.decidedBy.length > 0 ? ` by ${round.decidedBy.join(', ')}` : '';
    throw new ApprovalLinkError(409, 'AlreadyDecided', `This extension is already ${round.status.toLowerCase()}${by}.`);
  }
  return { request, round };
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
    const decision = { requestId: opened.request.id, approver: opened.approver, decision: input.decision, via: 'email' as const, now: input.now };
    const result = opened.round
      ? await decideRound({ ...decision, roundId: opened.round.id, ...(input.comment ? { comment: input.comment.trim().slice(0, COMMENT_MAX_LENGTH) } : {}) })
      : await decide({ ...decision, comment: input.comment });
    return { ...result, approver: opened.approver, ...(opened.round ? { round: opened.round } : {}) };
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

/** How many times a decision is re-read and re-applied when others write the request at the same moment. */
const DECISION_ATTEMPTS = 8;

export async function decide(input: {
  requestId: string;
  approver: string;
  decision: Decision['decision'];
  comment?: string | undefined;
  via: Decision['via'];
  now: Date;
}): Promise<DecisionResult> {
  const { requestId, approver, decision, now } = input;
  const comment = input.comment?.trim().slice(0, COMMENT_MAX_LENGTH) || undefined;
  const at = now.toISOString();
  const recordedDecision: Decision = { decision, at, via: input.via, ...(comment ? { comment } : {}) };

  for (let attempt = 0; attempt < DECISION_ATTEMPTS; attempt++) {
    const request = await requestStore.get(requestId);
    if (!request) throw new NotFoundError(`No request ${requestId}`);
    const refusal = refuseDecision(request, approver, now);
    if (refusal === 'own-request') throw new ForbiddenError('You cannot approve or deny your own request.');
    if (refusal === 'not-an-approver') throw new ForbiddenError('You are not an approver for this request.');
    if (refusal === 'already-decided-by-you') throw new ConflictError('You have already decided on this request.');
    if (refusal === 'window-closed') throw new ConflictError('The approval window of this request has closed.');
    if (refusal === 'not-pending') throw new ConflictError(decidedSummary(request));

    // The decision and what it means are one write, on the version read: of two decisions racing, the
    // second is re-read with the first in it, so "any deny ends it" holds in the order the store accepted them.
    const next = applyDecision(request, approver, recordedDecision);
    const history: HistoryEvent[] = [{ at, event: decision === 'approve' ? 'approved' : 'denied', actor: approver, ...(comment ? { detail: comment } : {}) }];
    if (next.status !== 'PENDING_APPROVAL') {
      history.push({ at, event: checkTransition(request.status, next.status, 'approver').event, actor: approver, status: next.status });
    }
    const written = await requestStore.update(requestId, {
      set: { approvals: next.approvals, ...(next.status !== 'PENDING_APPROVAL' ? { status: next.status, decidedBy: next.decidedBy } : {}) },
      history,
      expectStatus: ['PENDING_APPROVAL'],
      expectVersion: request.version,
      now,
    });
    if (!written) continue;

    if (next.status === 'PENDING_APPROVAL') {
      const count = Object.values(written.approvals).filter((d) => d.decision === 'approve').length;
      logger.info('approval recorded', { requestId, approver, approvals: count, needed: written.approvalsRequired });
      return { request: written, outcome: 'recorded' };
    }
    await resumeApprovalWait(written);
    logger.info(`request ${next.status.toLowerCase()}`, { requestId, decidedBy: next.decidedBy });
    return { request: written, outcome: next.status === 'APPROVED' ? 'approved' : 'denied' };
  }
  throw new ConflictError('Others are deciding on this request at this very moment; open it again to see where it stands.');
}

/**
 * Hands the decision to the workflow. No open wait (between a reminder's time-out and the next wait) is
 * fine: the next "Wait for approval" finds the request decided and resumes at once.
 */
async function resumeApprovalWait(request: AccessRequestRecord): Promise<void> {
  const taskToken = await requestStore.taskToken(request.id);
  if (!taskToken) return;
  const resumed = await workflow.resume(taskToken, { outcome: request.status === 'APPROVED' ? 'approve' : 'deny', decidedBy: request.decidedBy });
  if (resumed === 'already-closed') logger.warn('the approval wait had already closed', { requestId: request.id });
}
