import { checkTransition, findTransition, ForbiddenTransition, TRANSITIONS, type Actor } from '../../functions/domain/request-transitions.js';
import { applyDecision, newRequestRecord, type Decision } from '../../functions/domain/request-lifecycle.js';
import { REQUEST_STATUSES, type RequestStatus, FINAL_STATUSES, isFinal } from '../../functions/domain/request-statuses.js';

const ACTORS: readonly Actor[] = ['requester', 'approver', 'workflow', 'reconciler'];

/** The whole table, written out: every allowed (from, to, by); anything else is forbidden. */
const ALLOWED = new Set([
  'PENDING_APPROVAL→APPROVED by approver',
  'PENDING_APPROVAL→DENIED by approver',
  'PENDING_APPROVAL→CANCELLED by requester',
  'PENDING_APPROVAL→EXPIRED by workflow',
  'PENDING_APPROVAL→FAILED by workflow',
  'APPROVED→AUTHORIZING by workflow',
  'APPROVED→FAILED by workflow',
  'AUTHORIZING→ACTIVE by workflow',
  'AUTHORIZING→FAILED by workflow',
  'ACTIVE→REVOKING by workflow',
  'ACTIVE→REVOKING by requester',
  'ACTIVE→REVOKING by approver',
  'ACTIVE→REVOKING by reconciler',
  'REVOKING→ENDED by workflow',
  'REVOKING→ENDED by reconciler',
]);

const everyChange = REQUEST_STATUSES.flatMap((from) => REQUEST_STATUSES.flatMap((to) => ACTORS.map((by) => [from, to, by] as [RequestStatus, RequestStatus, Actor])));

describe('the transition table', () => {
  it.each(everyChange.filter(([from, to, by]) => !ALLOWED.has(`${from}→${to} by ${by}`)))('forbids %s → %s by the %s', (from, to, by) => {
    expect(findTransition(from, to, by)).toBeUndefined();
    expect(() => checkTransition(from, to, by)).toThrow(ForbiddenTransition);
  });

  it.each([...ALLOWED])('allows %s', (entry) => {
    const [, from = '', to = '', by = ''] = /^(\w+)→(\w+) by (\w+)$/.exec(entry) ?? [];
    expect(checkTransition(from as RequestStatus, to as RequestStatus, by as Actor).event).toEqual(expect.any(String));
  });

  it('has no entry the list above does not name, and none twice', () => {
    const entries = TRANSITIONS.flatMap((t) => t.by.map((by) => `${t.from}→${t.to} by ${by}`));
    expect(new Set(entries).size).toBe(entries.length);
    expect(new Set(entries)).toEqual(ALLOWED);
  });

  it('nothing leaves a final status', () => {
    for (const from of FINAL_STATUSES) expect(TRANSITIONS.filter((t) => t.from === from)).toEqual([]);
    expect(REQUEST_STATUSES.filter(isFinal)).toEqual(['ENDED', 'DENIED', 'EXPIRED', 'FAILED', 'CANCELLED']);
  });
});

describe('applyDecision: what the decisions recorded so far mean', () => {
  const T0 = new Date('2026-03-01T09:00:00Z');
  const base = (approvalsRequired: number) =>
    newRequestRecord({
      id: 'r1',
      requester: 'alice@example.com',
      target: { mode: 'classic', cacheSecurityGroupName: 'default', ec2SecurityGroupName: 'app', ec2SecurityGroupOwnerId: '123456789012' },
      policyKey: 'default',
      resolved: { summary: 'default' },
      reason: 'debugging',
      durationMinutes: 60,
      approvers: ['bob@example.com', 'carol@example.com'],
      policy: { approvers: [], approvalsRequired, approvalWindowMinutes: 60, reminderAfterMinutes: 30, escalateAfterMinutes: 45, escalationApprovers: [], defaultDurationMinutes: 60, maxDurationMinutes: 480, expiryWarningMinutes: 10, maxExtensions: 3 },
      now: T0,
    });
  const approve: Decision = { decision: 'approve', at: T0.toISOString(), via: 'email' };
  const deny: Decision = { decision: 'deny', at: T0.toISOString(), via: 'slack' };

  it('a deny after an approval that already decided is never applied: the approval decided first', () => {
    const approved = applyDecision(base(1), 'bob@example.com', approve);
    expect(approved).toMatchObject({ status: 'APPROVED', decidedBy: ['bob@example.com'] });
  });

  it('a deny applied on top of a pending approval denies, and names the one who denied', () => {
    const first = applyDecision(base(2), 'bob@example.com', approve);
    expect(first.status).toBe('PENDING_APPROVAL');
    const second = applyDecision({ ...base(2), approvals: first.approvals }, 'carol@example.com', deny);
    expect(second).toMatchObject({ status: 'DENIED', decidedBy: ['carol@example.com'] });
  });

  it('N distinct approvals approve, naming all of them', () => {
    const first = applyDecision(base(2), 'bob@example.com', approve);
    const second = applyDecision({ ...base(2), approvals: first.approvals }, 'carol@example.com', approve);
    expect(second).toMatchObject({ status: 'APPROVED', decidedBy: ['bob@example.com', 'carol@example.com'] });
  });
});
