/**
 * Extensions: the requester asks for more time while access is in effect, and the approvers decide in
 * a round of its own (its own links, decisions and window, from the policy as it is at the time). One
 * round open at a time, at most `maxExtensions` per request. An approved round moves the end of access.
 */
import { extendedEnd, openRound } from './access-hold.js';
import { minuteOf, statusAfterDecisions, type AccessRequestRecord, type Decision, type ExtensionRound } from './request-lifecycle.js';

export type ExtensionRefusal = 'not-active' | 'round-open' | 'limit-reached';

export function refuseExtension(request: AccessRequestRecord): ExtensionRefusal | undefined {
  if (request.status !== 'ACTIVE') return 'not-active';
  if (openRound(request)) return 'round-open';
  if (request.extensions.length >= request.limits.maxExtensions) return 'limit-reached';
  return undefined;
}

export function newRound(input: {
  id: string;
  durationMinutes: number;
  reason: string;
  approvers: string[];
  approvalsRequired: number;
  approvalWindowMinutes: number;
  /** How long one of the policy's minutes lasts (minuteOf(request)). */
  minuteMs: number;
  now: Date;
}): ExtensionRound {
  return {
    id: input.id,
    durationMinutes: input.durationMinutes,
    reason: input.reason,
    requestedAt: input.now.toISOString(),
    deadline: new Date(input.now.getTime() + input.approvalWindowMinutes * input.minuteMs).toISOString(),
    approvers: input.approvers,
    approvalsRequired: Math.min(input.approvalsRequired, input.approvers.length),
    approvals: {},
    status: 'PENDING',
    decidedBy: [],
  };
}

export type RoundDecisionRefusal = 'not-open' | 'earlier-round' | 'window-closed' | 'own-request' | 'not-an-approver' | 'already-decided-by-you';

export function refuseRoundDecision(request: AccessRequestRecord, roundId: string, approver: string, now: Date): RoundDecisionRefusal | undefined {
  const round = request.extensions.find((r) => r.id === roundId);
  const latest = request.extensions.at(-1);
  if (!round || latest?.id !== roundId) return 'earlier-round';
  if (round.status !== 'PENDING' || request.status !== 'ACTIVE') return 'not-open';
  if (now.getTime() >= Date.parse(round.deadline)) return 'window-closed';
  if (approver === request.requester) return 'own-request';
  if (!round.approvers.includes(approver)) return 'not-an-approver';
  if (round.approvals[approver]) return 'already-decided-by-you';
  return undefined;
}

/** One decision applied to the open round: the round as it then stands, and the request's new end if approved. */
export function applyRoundDecision(request: AccessRequestRecord, roundId: string, approver: string, decision: Decision, now: Date): { extensions: ExtensionRound[]; round: ExtensionRound; expiresAt?: string } {
  let decided: ExtensionRound | undefined;
  let expiresAt: string | undefined;
  const extensions = request.extensions.map((round) => {
    if (round.id !== roundId) return round;
    const approvals = { ...round.approvals, [approver]: decision };
    const status = statusAfterDecisions({ approvals, approvalsRequired: round.approvalsRequired });
    const next: ExtensionRound = { ...round, approvals };
    if (status === 'APPROVED' && request.expiresAt) {
      expiresAt = extendedEnd(request.expiresAt, round.durationMinutes, request.limits.maxDurationMinutes, now, minuteOf(request));
      Object.assign(next, { status: 'APPROVED', newExpiresAt: expiresAt, decidedBy: Object.entries(approvals).filter(([, d]) => d.decision === 'approve').map(([email]) => email) });
    } else if (status === 'DENIED') {
      Object.assign(next, { status: 'DENIED', decidedBy: Object.entries(approvals).filter(([, d]) => d.decision === 'deny').map(([email]) => email) });
    }
    decided = next;
    return next;
  });
  if (!decided) throw new Error(`No extension round ${roundId}`);
  return { extensions, round: decided, ...(expiresAt ? { expiresAt } : {}) };
}
