/** docs/events.md: the events and metrics a request's status changes stand for, from its history alone. */
import type { AccessRequestRecord } from '../../functions/domain/request-lifecycle.js';
import { statusChangeMetrics, statusChanges, statusEventDetail } from '../../functions/domain/status-events.js';

const at = (seconds: number): string => new Date(Date.UTC(2026, 0, 1, 12, 0, seconds)).toISOString();

function request(history: AccessRequestRecord['history'], extra: Partial<AccessRequestRecord> = {}): AccessRequestRecord {
  return {
    id: 'req-1',
    requester: 'alice@example.com',
    target: { mode: 'vpc', replicationGroupId: 'orders-cache', sourceSecurityGroupId: 'sg-0123456789abcdef0' },
    createdAt: at(0),
    history,
    ...extra,
  } as AccessRequestRecord;
}

const granted = request([
  { at: at(0), event: 'submitted', actor: 'alice@example.com', status: 'PENDING_APPROVAL', detail: 'a reason' },
  { at: at(30), event: 'approved', actor: 'bob@example.com' },
  { at: at(30), event: 'request approved', actor: 'bob@example.com', status: 'APPROVED' },
  { at: at(31), event: 'grant requested', actor: 'cachegate', status: 'AUTHORIZING' },
  { at: at(33), event: 'reminder sent', actor: 'cachegate' },
  { at: at(34), event: 'granted', actor: 'cachegate', status: 'ACTIVE', detail: 'until later' },
]);

describe('status changes', () => {
  it('are the history entries with a status, numbered 1… in order, each with the one before', () => {
    expect(statusChanges(granted)).toEqual([
      { sequence: 1, status: 'PENDING_APPROVAL', event: 'submitted', actor: 'alice@example.com', at: at(0) },
      { sequence: 2, status: 'APPROVED', previousStatus: 'PENDING_APPROVAL', event: 'request approved', actor: 'bob@example.com', at: at(30) },
      { sequence: 3, status: 'AUTHORIZING', previousStatus: 'APPROVED', event: 'grant requested', actor: 'cachegate', at: at(31) },
      { sequence: 4, status: 'ACTIVE', previousStatus: 'AUTHORIZING', event: 'granted', actor: 'cachegate', at: at(34) },
    ]);
  });

  it('give an event detail of identifiers, people and times: the reason and details stay out', () => {
    const detail = statusEventDetail(granted, statusChanges(granted)[1] as never);
    expect(detail).toEqual({
      requestId: 'req-1',
      sequence: 2,
      status: 'APPROVED',
      previousStatus: 'PENDING_APPROVAL',
      event: 'request approved',
      actor: 'bob@example.com',
      time: at(30),
      requester: 'alice@example.com',
      target: { mode: 'vpc', replicationGroupId: 'orders-cache', sourceSecurityGroupId: 'sg-0123456789abcdef0', key: 'orders-cache' },
    });
    expect(JSON.stringify(detail)).not.toContain('a reason');
  });
});

describe('the metrics of a change', () => {
  const metricsOf = (r: AccessRequestRecord, sequence: number) => statusChangeMetrics(r, statusChanges(r)[sequence - 1] as never);

  it('submitted; time to decision from submission; time from approval to ACTIVE; nothing for AUTHORIZING', () => {
    expect(metricsOf(granted, 1)).toEqual([{ name: 'RequestsSubmitted', unit: 'Count', value: 1, dimensions: { mode: 'vpc' } }]);
    expect(metricsOf(granted, 2)).toEqual([{ name: 'TimeToDecision', unit: 'Seconds', value: 30, dimensions: { mode: 'vpc' } }]);
    expect(metricsOf(granted, 3)).toEqual([]);
    expect(metricsOf(granted, 4)).toEqual([{ name: 'TimeFromApprovalToActive', unit: 'Seconds', value: 4, dimensions: { mode: 'vpc' } }]);
  });

  it('a final status counts by outcome; FAILED after a grant call also counts a clean-up', () => {
    const failed = request([...granted.history.slice(0, 4), { at: at(40), event: 'failed', actor: 'cachegate', status: 'FAILED' }], { grant: { created: true, startedAt: at(31) } });
    expect(metricsOf(failed, 4)).toEqual([
      { name: 'RequestsByOutcome', unit: 'Count', value: 1, dimensions: { mode: 'vpc', outcome: 'FAILED' } },
      { name: 'GrantsCleanedUp', unit: 'Count', value: 1, dimensions: { mode: 'vpc' } },
    ]);
    const denied = request([granted.history[0] as never, { at: at(5), event: 'request denied', actor: 'bob@example.com', status: 'DENIED' }]);
    expect(metricsOf(denied, 2)).toEqual([
      { name: 'RequestsByOutcome', unit: 'Count', value: 1, dimensions: { mode: 'vpc', outcome: 'DENIED' } },
      { name: 'TimeToDecision', unit: 'Seconds', value: 5, dimensions: { mode: 'vpc' } },
    ]);
  });
});
