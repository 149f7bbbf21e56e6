/** The rules behind the web app's routes: who may ask for what, auditors, and the audit filters. */
import { parseApprovalPolicy } from '../../functions/domain/approval-policy.js';
import { parseAuditQuery } from '../../functions/domain/audit-query.js';
import { isApproverAnywhere, requestableTargets } from '../../functions/domain/target-catalog.js';
import { ValidationError } from '../../functions/errors.js';

const policy = parseApprovalPolicy(
  JSON.stringify({
    default: { approvers: ['bob@example.com'] },
    targets: { 'orders-cache': { approvers: ['alice@example.com', 'bob@example.com', 'carol@example.com'], approvalsRequired: 2 }, legacy: { approvers: ['alice@example.com'] } },
    auditors: ['Audit@Example.com'],
  }),
);

describe('requestableTargets', () => {
  it('lists the configured targets with their mode and approvers (never the asker), only those that can be granted', () => {
    expect(requestableTargets(policy, { 'orders-cache': 'sg-0cac4e9a7e0000001', 'sessions-mc': 'sg-0cac4e9a7e0000002' }, 'alice@example.com')).toEqual([
      { key: 'orders-cache', mode: 'vpc', approvers: ['bob@example.com', 'carol@example.com'], approvalsRequired: 2, defaultDurationMinutes: 60, maxDurationMinutes: 480 },
      { key: 'sessions-mc', mode: 'vpc', approvers: ['bob@example.com'], approvalsRequired: 1, defaultDurationMinutes: 60, maxDurationMinutes: 480 },
    ]);
    // bob: orders-cache needs 2 others (alice, carol), legacy has alice, sessions-mc only bob himself.
    expect(requestableTargets(policy, { 'sessions-mc': 'sg-0cac4e9a7e0000002' }, 'bob@example.com').map((t) => `${t.key}:${t.mode}`)).toEqual(['legacy:classic', 'orders-cache:classic']);
  });

  it('offers a target only to the requesters its policy names (emails or groups)', () => {
    const limited = parseApprovalPolicy(JSON.stringify({ targets: { 'orders-cache': { approvers: ['bob@example.com'], requesters: ['ops', 'carol@example.com'] } } }));
    expect(requestableTargets(limited, {}, 'alice@example.com').map((t) => t.key)).toEqual([]);
    expect(requestableTargets(limited, {}, 'alice@example.com', ['ops']).map((t) => t.key)).toEqual(['orders-cache']);
    expect(requestableTargets(limited, {}, 'carol@example.com').map((t) => t.key)).toEqual(['orders-cache']);
  });

  it('knows approvers and auditors', () => {
    expect(isApproverAnywhere(policy, 'carol@example.com')).toBe(true);
    expect(isApproverAnywhere(policy, 'dave@example.com')).toBe(false);
    expect(policy.auditors).toEqual(['audit@example.com']);
  });

  it('refuses a malformed auditors entry, naming it', () => {
    expect(() => parseApprovalPolicy(JSON.stringify({ default: { approvers: ['bob@example.com'] }, auditors: ['not-an-email'] }))).toThrow('APPROVAL_POLICY auditors[0].email');
  });
});

describe('parseAuditQuery', () => {
  it('reads the filters; a bare `to` date covers its whole day', () => {
    expect(parseAuditQuery({ status: 'ACTIVE', target: 'Orders-Cache', requester: 'Alice@Example.com', from: '2026-01-01', to: '2026-01-31', limit: '10' })).toEqual({
      status: 'ACTIVE',
      target: 'orders-cache',
      requester: 'alice@example.com',
      from: '2026-01-01T00:00:00.000Z',
      to: '2026-01-31T23:59:59.999Z',
      limit: 10,
    });
    expect(parseAuditQuery({})).toEqual({ limit: 50 });
  });

  it('names every bad field', () => {
    let error: unknown;
    try {
      parseAuditQuery({ status: 'NOPE', requester: 'x', from: 'yesterday', limit: '500', colour: 'red' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).details.map((d) => d.field).sort()).toEqual(['colour', 'from', 'limit', 'requester', 'status']);
    expect(() => parseAuditQuery({ from: '2026-02-01', to: '2026-01-01' })).toThrow(ValidationError);
  });
});
