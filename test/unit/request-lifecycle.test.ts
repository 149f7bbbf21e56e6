import type { ClassicTarget } from '../../functions/domain/access-request.js';
import type { TargetPolicy } from '../../functions/domain/approval-policy.js';
import {
  currentApprovers,
  mayView,
  newRequestRecord,
  nextApprovalStep,
  refuseDecision,
  statusAfterDecisions,
  type AccessRequestRecord,
  type Decision,
} from '../../functions/domain/request-lifecycle.js';

const T0 = new Date('2025-03-01T09:00:00.000Z');
const MINUTE = 60_000;
const at = (minutes: number, extraMs = 0): Date => new Date(T0.getTime() + minutes * MINUTE + extraMs);

const target: ClassicTarget = { mode: 'classic', cacheSecurityGroupName: 'default', ec2SecurityGroupName: 'myec2group', ec2SecurityGroupOwnerId: '987654321021' };

const policy: TargetPolicy = {
  approvers: [{ email: 'bob@example.com' }, { email: 'carol@example.com' }],
  approvalsRequired: 1,
  approvalWindowMinutes: 240,
  reminderAfterMinutes: 60,
  escalateAfterMinutes: 120,
  escalationApprovers: [{ email: 'dave@example.com' }, { email: 'alice@example.com' }],
  defaultDurationMinutes: 60,
  maxDurationMinutes: 480,
  expiryWarningMinutes: 10,
  maxExtensions: 3,
};

function record(overrides: Partial<AccessRequestRecord> = {}, policyOverrides: Partial<TargetPolicy> = {}): AccessRequestRecord {
  return {
    ...newRequestRecord({
      id: 'req-1',
      requester: 'alice@example.com',
      target,
      policyKey: 'default',
      resolved: { summary: 'myec2group on default' },
      reason: 'investigate latency',
      durationMinutes: 60,
      policy: { ...policy, ...policyOverrides },
      approvers: ['bob@example.com', 'carol@example.com'],
      now: T0,
    }),
    ...overrides,
  };
}

const approve: Decision = { decision: 'approve', at: T0.toISOString(), via: 'email' };
const deny: Decision = { decision: 'deny', at: T0.toISOString(), via: 'slack' };

describe('newRequestRecord', () => {
  it('starts pending, with the deadlines from the policy and a submitted event', () => {
    const request = record();
    expect(request).toMatchObject({
      id: 'req-1',
      requester: 'alice@example.com',
      target,
      status: 'PENDING_APPROVAL',
      createdAt: '2025-03-01T09:00:00.000Z',
      updatedAt: '2025-03-01T09:00:00.000Z',
      approvers: ['bob@example.com', 'carol@example.com'],
      approvalsRequired: 1,
      approvalDeadline: '2025-03-01T13:00:00.000Z',
      reminderAt: '2025-03-01T10:00:00.000Z',
      escalateAt: '2025-03-01T11:00:00.000Z',
      remindersSent: 0,
      escalated: false,
      approvals: {},
      decidedBy: [],
    });
    expect(request.history).toEqual([{ at: '2025-03-01T09:00:00.000Z', event: 'submitted', actor: 'alice@example.com', status: 'PENDING_APPROVAL', detail: 'investigate latency' }]);
    expect(request).not.toHaveProperty('idempotencyKey');
  });

  it('leaves the requester out of the escalation approvers', () => {
    expect(record().escalationApprovers).toEqual(['dave@example.com']);
  });

  it('never needs more approvals than there are approvers', () => {
    expect(record({}, { approvalsRequired: 3 }).approvalsRequired).toBe(2);
  });

  it('keeps the idempotency key when given; fractional minutes give exact deadlines', () => {
    const request = newRequestRecord({
      id: 'req-2',
      requester: 'alice@example.com',
      target,
      policyKey: 'default',
      resolved: { summary: 's' },
      reason: 'r',
      durationMinutes: 30,
      policy: { ...policy, approvalWindowMinutes: 0.5 },
      approvers: ['bob@example.com'],
      now: T0,
      idempotencyKey: 'retry-1',
    });
    expect(request.idempotencyKey).toBe('retry-1');
    expect(request.approvalDeadline).toBe('2025-03-01T09:00:30.000Z');
  });
});

describe('refuseDecision and who may decide', () => {
  it('an approver of a pending request may decide', () => {
    expect(refuseDecision(record(), 'bob@example.com', T0)).toBeUndefined();
  });

  it.each(['APPROVED', 'DENIED', 'EXPIRED', 'ACTIVE', 'FAILED', 'CANCELLED', 'AUTHORIZING'] as const)('not when the request is %s', (status) => {
    expect(refuseDecision(record({ status }), 'bob@example.com', T0)).toBe('not-pending');
  });

  it('not the requester, even when listed as an approver', () => {
    expect(refuseDecision(record({ approvers: ['alice@example.com', 'bob@example.com'] }), 'alice@example.com', T0)).toBe('own-request');
  });

  it('not someone who is not an approver', () => {
    expect(refuseDecision(record(), 'mallory@example.com', T0)).toBe('not-an-approver');
  });

  it('an escalation approver only once escalated', () => {
    expect(refuseDecision(record(), 'dave@example.com', T0)).toBe('not-an-approver');
    expect(refuseDecision(record({ escalated: true }), 'dave@example.com', T0)).toBeUndefined();
    expect(currentApprovers(record({ escalated: true }))).toEqual(['bob@example.com', 'carol@example.com', 'dave@example.com']);
    expect(currentApprovers(record())).toEqual(['bob@example.com', 'carol@example.com']);
  });

  it('not once the approval window has closed, even before the workflow marks it expired', () => {
    const request = record();
    expect(refuseDecision(request, 'bob@example.com', new Date(Date.parse(request.approvalDeadline) - 1))).toBeUndefined();
    expect(refuseDecision(request, 'bob@example.com', new Date(request.approvalDeadline))).toBe('window-closed');
  });

  it('not twice by the same approver', () => {
    expect(refuseDecision(record({ approvals: { 'bob@example.com': approve } }), 'bob@example.com', T0)).toBe('already-decided-by-you');
    expect(refuseDecision(record({ approvals: { 'bob@example.com': approve } }), 'carol@example.com', T0)).toBeUndefined();
  });

  it('mayView: the requester and the approvers, no one else', () => {
    expect(mayView(record(), 'alice@example.com')).toBe(true);
    expect(mayView(record(), 'carol@example.com')).toBe(true);
    expect(mayView(record(), 'dave@example.com')).toBe(true);
    expect(mayView(record(), 'mallory@example.com')).toBe(false);
  });
});

describe('statusAfterDecisions', () => {
  it('pending without decisions', () => {
    expect(statusAfterDecisions(record())).toBe('PENDING_APPROVAL');
  });

  it('one approval of one needed approves', () => {
    expect(statusAfterDecisions(record({ approvals: { 'bob@example.com': approve } }))).toBe('APPROVED');
  });

  it('N of M: pending until N distinct approvals', () => {
    const two = { approvalsRequired: 2 };
    expect(statusAfterDecisions(record({ ...two, approvals: { 'bob@example.com': approve } }))).toBe('PENDING_APPROVAL');
    expect(statusAfterDecisions(record({ ...two, approvals: { 'bob@example.com': approve, 'carol@example.com': approve } }))).toBe('APPROVED');
  });

  it('a deny wins over any number of approvals', () => {
    expect(statusAfterDecisions(record({ approvals: { 'bob@example.com': deny } }))).toBe('DENIED');
    expect(statusAfterDecisions(record({ approvalsRequired: 2, approvals: { 'bob@example.com': approve, 'carol@example.com': deny } }))).toBe('DENIED');
    expect(statusAfterDecisions(record({ approvals: { 'bob@example.com': approve, 'carol@example.com': approve, 'dave@example.com': deny } }))).toBe('DENIED');
  });
});

describe('nextApprovalStep', () => {
  it('before the reminder: wait until the reminder', () => {
    expect(nextApprovalStep(record(), T0)).toEqual({ kind: 'wait', waitSeconds: 3600 });
    expect(nextApprovalStep(record(), at(59, 30_500))).toEqual({ kind: 'wait', waitSeconds: 30 });
  });

  it('rounds up and waits at least a second', () => {
    expect(nextApprovalStep(record(), at(59, 59_900))).toEqual({ kind: 'wait', waitSeconds: 1 });
    expect(nextApprovalStep(record(), at(0, 100))).toEqual({ kind: 'wait', waitSeconds: 3600 });
  });

  it('at the reminder: remind', () => {
    expect(nextApprovalStep(record(), at(60)).kind).toBe('remind');
  });

  it('after the reminder was sent: wait until the escalation', () => {
    expect(nextApprovalStep(record({ remindersSent: 1 }), at(60))).toEqual({ kind: 'wait', waitSeconds: 3600 });
  });

  it('at the escalation: escalate, then wait until the deadline', () => {
    expect(nextApprovalStep(record({ remindersSent: 1 }), at(120)).kind).toBe('escalate');
    expect(nextApprovalStep(record({ remindersSent: 1, escalated: true }), at(120))).toEqual({ kind: 'wait', waitSeconds: 7200 });
  });

  it('without escalation approvers there is no escalation: wait until the deadline', () => {
    const request = record({ remindersSent: 1 }, { escalationApprovers: [] });
    expect(nextApprovalStep(request, at(60))).toEqual({ kind: 'wait', waitSeconds: 3 * 3600 });
    expect(nextApprovalStep(request, at(150))).toEqual({ kind: 'wait', waitSeconds: 90 * 60 });
  });

  it('the reminder comes first when both are due', () => {
    expect(nextApprovalStep(record(), at(130)).kind).toBe('remind');
  });

  it('an action that is due is not waited past: come back at once', () => {
    // The reminder is due and so is the escalation: after the reminder, the escalation must not wait
    // until the deadline (where the request would expire without anyone escalated to).
    const reminded = record({ remindersSent: 1 }, { reminderAfterMinutes: 120, escalateAfterMinutes: 120 });
    expect(nextApprovalStep(reminded, at(120, 200))).toEqual({ kind: 'escalate', waitSeconds: 1 });
    // A reminder due when the wait begins (e.g. a very short reminder delay) is not skipped either.
    expect(nextApprovalStep(record({}, { reminderAfterMinutes: 1 / 60 }), at(0, 2000))).toEqual({ kind: 'remind', waitSeconds: 1 });
  });

  it('expires at the deadline, and within half a second of it', () => {
    expect(nextApprovalStep(record({ remindersSent: 1, escalated: true }), at(240))).toEqual({ kind: 'expire' });
    expect(nextApprovalStep(record({ remindersSent: 1, escalated: true }), at(240, -400))).toEqual({ kind: 'expire' });
    expect(nextApprovalStep(record(), at(300))).toEqual({ kind: 'expire' });
    expect(nextApprovalStep(record({ remindersSent: 1, escalated: true }), at(240, -1500)).kind).toBe('wait');
  });

  it('a reminder later than the deadline never delays the expiry', () => {
    const request = record({}, { approvalWindowMinutes: 30, reminderAfterMinutes: 60, escalationApprovers: [] });
    expect(nextApprovalStep(request, T0)).toEqual({ kind: 'wait', waitSeconds: 1800 });
    expect(nextApprovalStep(request, at(30))).toEqual({ kind: 'expire' });
  });
});
