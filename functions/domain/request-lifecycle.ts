/**
 * The request's life: the record kept for it, its history, and the rules for decisions and deadlines.
 * Pure functions over plain data; the store applies them with conditional writes.
 */
import type { GrantTarget } from './access-request.js';
import type { GrantReceipt, ResolvedTarget } from './grant-driver.js';
import type { TargetPolicy } from './approval-policy.js';
import type { RequestStatus } from './request-statuses.js';

export interface HistoryEvent {
  at: string;
  /** What happened, e.g. "submitted", "approved", "grant requested", "granted". */
  event: string;
  /** Who did it: a person's email, or "cachegate" for the workflow. */
  actor: string;
  status?: RequestStatus;
  detail?: string;
}

export interface Decision {
  decision: 'approve' | 'deny';
  at: string;
  comment?: string;
  via: 'email' | 'slack' | 'web';
}

/** Why access ended: its time ran out, a person ended it, or the grant was found removed outside cachegate. */
export type EndReason = 'expired' | 'revoked' | 'removed-outside';

/** The target's limits at submission: warnings and extensions follow them. */
export interface AccessLimits {
  maxDurationMinutes: number;
  expiryWarningMinutes: number;
  maxExtensions: number;
}

/** One extension request: a decision round of its own, with its own links and decisions. */
export interface ExtensionRound {
  id: string;
  durationMinutes: number;
  reason: string;
  requestedAt: string;
  /** The round's approval window ends here. */
  deadline: string;
  approvers: string[];
  approvalsRequired: number;
  approvals: Record<string, Decision>;
  status: 'PENDING' | 'APPROVED' | 'DENIED' | 'EXPIRED' | 'CLOSED';
  decidedBy: string[];
  /** The end of access the approval moved to. */
  newExpiresAt?: string;
}

export interface AccessRequestRecord {
  id: string;
  requester: string;
  target: GrantTarget;
  /** Policy key: the cache security group name, or the replication group / cluster id. */
  policyKey: string;
  resolved: ResolvedTarget;
  reason: string;
  status: RequestStatus;
  /** Bumped by every write: a decision is written only on the version it was decided on. */
  version: number;
  createdAt: string;
  updatedAt: string;
  approvers: string[];
  escalationApprovers: string[];
  approvalsRequired: number;
  /** Deadlines, ISO times. */
  approvalDeadline: string;
  reminderAt: string;
  escalateAt: string;
  remindersSent: number;
  escalated: boolean;
  approvals: Record<string, Decision>;
  decidedBy: string[];
  grant?: GrantReceipt & { startedAt: string };
  /** How long access lasts once in effect (minutes). */
  durationMinutes: number;
  /**
   * How long one of the policy's minutes lasts for this request (ms; config POLICY_MINUTE_MS): 60,000, or
   * shorter on a local demo stack (`npm start -- --fast`). Absent on requests stored before it was recorded.
   */
  minuteMs?: number;
  limits: AccessLimits;
  /** Access in effect since (set with ACTIVE). */
  activeSince?: string;
  /** When access ends: set when it is in effect (the requester gets the whole duration), moved by extensions. */
  expiresAt?: string;
  /** The expiresAt the expiry warning was sent for (a moved end gets a warning of its own). */
  warnedFor?: string;
  endReason?: EndReason;
  /** Who ended it: a person's email, or "cachegate". */
  endedBy?: string;
  endedAt?: string;
  /** When the revoke call was made (the revoke check's schedule counts from it). */
  revokeStartedAt?: string;
  /** The reconciler's first observation of this ACTIVE request's grant missing from AWS (confirmed by a second). */
  grantMissingSince?: string;
  extensions: ExtensionRound[];
  /** How many times the grant's status was looked at (for the operator and the benchmark). */
  grantChecks?: number;
  failureReason?: string;
  idempotencyKey?: string;
  /** The approval request's message in the approvals channel (Slack app mode), updated as the request moves on. */
  slackMessage?: { channel: string; ts: string };
  history: HistoryEvent[];
}

/** How long one of the policy's minutes lasts for this request, in ms. */
export function minuteOf(request: Pick<AccessRequestRecord, 'minuteMs'>): number {
  return request.minuteMs ?? 60_000;
}

export function newRequestRecord(
  input: Pick<AccessRequestRecord, 'id' | 'requester' | 'target' | 'policyKey' | 'resolved' | 'reason' | 'approvers' | 'idempotencyKey' | 'durationMinutes' | 'minuteMs'> & {
    policy: TargetPolicy;
    now: Date;
  },
): AccessRequestRecord {
  const at = input.now.toISOString();
  const after = (minutes: number): string => new Date(input.now.getTime() + minutes * minuteOf(input)).toISOString();
  return {
    id: input.id,
    requester: input.requester,
    target: input.target,
    policyKey: input.policyKey,
    resolved: input.resolved,
    reason: input.reason,
    status: 'PENDING_APPROVAL',
    version: 1,
    createdAt: at,
    updatedAt: at,
    approvers: input.approvers,
    escalationApprovers: input.policy.escalationApprovers.map((a) => a.email).filter((email) => email !== input.requester),
    approvalsRequired: Math.min(input.policy.approvalsRequired, input.approvers.length),
    approvalDeadline: after(input.policy.approvalWindowMinutes),
    reminderAt: after(input.policy.reminderAfterMinutes),
    escalateAt: after(input.policy.escalateAfterMinutes),
    remindersSent: 0,
    escalated: false,
    approvals: {},
    decidedBy: [],
    durationMinutes: input.durationMinutes,
    ...(input.minuteMs === undefined ? {} : { minuteMs: input.minuteMs }),
    limits: {
      maxDurationMinutes: input.policy.maxDurationMinutes,
      expiryWarningMinutes: input.policy.expiryWarningMinutes,
      maxExtensions: input.policy.maxExtensions,
    },
    extensions: [],
    ...(input.idempotencyKey ? { idempotencyKey: input.idempotencyKey } : {}),
    history: [{ at, event: 'submitted', actor: input.requester, status: 'PENDING_APPROVAL', detail: input.reason }],
  };
}

/** Everyone who may decide on the request now (escalation adds the fallback approvers). */
export function currentApprovers(request: AccessRequestRecord): string[] {
  return request.escalated ? [...new Set([...request.approvers, ...request.escalationApprovers])] : request.approvers;
}

export function mayView(request: AccessRequestRecord, caller: string): boolean {
  return caller === request.requester || request.approvers.includes(caller) || request.escalationApprovers.includes(caller);
}

export type DecisionRefusal = 'not-pending' | 'window-closed' | 'own-request' | 'not-an-approver' | 'already-decided-by-you';

/** Whether this person may record this decision now; the store re-checks it atomically (by version). */
export function refuseDecision(request: AccessRequestRecord, approver: string, now: Date): DecisionRefusal | undefined {
  if (request.status !== 'PENDING_APPROVAL') return 'not-pending';
  if (now.getTime() >= Date.parse(request.approvalDeadline)) return 'window-closed';
  if (approver === request.requester) return 'own-request';
  if (!currentApprovers(request).includes(approver)) return 'not-an-approver';
  if (request.approvals[approver]) return 'already-decided-by-you';
  return undefined;
}

/** What a set of recorded decisions means: any deny ends it, N distinct approvals grant it. */
export function statusAfterDecisions(request: Pick<AccessRequestRecord, 'approvals' | 'approvalsRequired'>): RequestStatus {
  const decisions = Object.values(request.approvals);
  if (decisions.some((d) => d.decision === 'deny')) return 'DENIED';
  const approvals = decisions.filter((d) => d.decision === 'approve').length;
  return approvals >= request.approvalsRequired ? 'APPROVED' : 'PENDING_APPROVAL';
}

/**
 * One approver's decision applied to the request as read: the approvals it leads to, the status they
 * mean, and who decided. The caller writes all of it in one conditional write on the version it read,
 * so decisions land one at a time, in the order the store accepts them, and each sees the ones before.
 */
export function applyDecision(
  request: AccessRequestRecord,
  approver: string,
  decision: Decision,
): { approvals: Record<string, Decision>; status: RequestStatus; decidedBy: string[] } {
  const approvals = { ...request.approvals, [approver]: decision };
  const status = statusAfterDecisions({ approvals, approvalsRequired: request.approvalsRequired });
  const decidedBy =
    status === 'PENDING_APPROVAL'
      ? []
      : Object.entries(approvals)
          .filter(([, d]) => (status === 'DENIED' ? d.decision === 'deny' : d.decision === 'approve'))
          .map(([email]) => email);
  return { approvals, status, decidedBy };
}

export type WaitStep =
  | { kind: 'expire' }
  | { kind: 'remind' | 'escalate' | 'wait'; waitSeconds: number };

/**
 * What the approval wait does next at `now`: send the reminder, escalate, expire, or keep waiting. The
 * wait is always cut at the next deadline, so the Step Functions task times out exactly there.
 */
export function nextApprovalStep(request: AccessRequestRecord, now: Date): WaitStep {
  const deadline = Date.parse(request.approvalDeadline);
  if (now.getTime() >= deadline - 500) return { kind: 'expire' };
  const pending: number[] = [deadline];
  let kind: WaitStep['kind'] = 'wait';
  if (request.remindersSent === 0) {
    if (now.getTime() >= Date.parse(request.reminderAt)) kind = 'remind';
    else pending.push(Date.parse(request.reminderAt));
  }
  if (!request.escalated && request.escalationApprovers.length > 0) {
    if (now.getTime() >= Date.parse(request.escalateAt)) kind = kind === 'wait' ? 'escalate' : kind;
    else pending.push(Date.parse(request.escalateAt));
  }
  // An action that is due now is not waited past: whoever cannot act on it here (the first wait, or the
  // wait after another action, e.g. a reminder and an escalation due together) comes back at once.
  if (kind !== 'wait') return { kind, waitSeconds: 1 };
  const next = Math.min(...pending.filter((t) => t > now.getTime()));
  return { kind, waitSeconds: Math.max(1, Math.ceil((next - now.getTime()) / 1000)) };
}
