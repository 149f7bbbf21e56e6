import { extendedEnd, nextHoldStep, warningAt } from '../../functions/domain/access-hold.js';
import type { AccessRequestRecord } from '../../functions/domain/request-lifecycle.js';

const activeSince = '2026-01-01T00:00:00.000Z';
const at = (minutes: number, minuteMs = 60_000): Date => new Date(Date.parse(activeSince) + minutes * minuteMs);

function active(durationMinutes: number, warnMinutes: number, minuteMs?: number): AccessRequestRecord {
  return {
    status: 'ACTIVE',
    activeSince,
    expiresAt: at(durationMinutes, minuteMs).toISOString(),
    limits: { maxDurationMinutes: 480, expiryWarningMinutes: warnMinutes, maxExtensions: 3 },
    extensions: [],
    ...(minuteMs === undefined ? {} : { minuteMs }),
  } as unknown as AccessRequestRecord;
}

describe('holding access', () => {
  it('warns expiryWarningMinutes before the end, once per end; access no longer than the warning period gets none', () => {
    expect(warningAt(active(60, 10))).toBe(at(50).getTime());
    expect(warningAt({ ...active(60, 10), warnedFor: at(60).toISOString() })).toBeUndefined();
    expect(warningAt(active(10, 10))).toBeUndefined();
    expect(warningAt(active(1, 10))).toBeUndefined();
  });

  it('holds until the next thing due, then warns, then ends', () => {
    expect(nextHoldStep(active(60, 10), at(0))).toEqual({ kind: 'wait', waitSeconds: 50 * 60 });
    expect(nextHoldStep(active(60, 10), at(50))).toEqual({ kind: 'warn' });
    expect(nextHoldStep({ ...active(60, 10), warnedFor: at(60).toISOString() }, at(50))).toEqual({ kind: 'wait', waitSeconds: 10 * 60 });
    expect(nextHoldStep(active(60, 10), at(60))).toEqual({ kind: 'end' });
  });

  it("counts the policy's minutes at the request's own pace (--fast: 3 s a minute)", () => {
    const fast = active(1, 10, 3000);
    expect(Date.parse(fast.expiresAt as string) - Date.parse(activeSince)).toBe(3000);
    expect(warningAt(active(20, 10, 3000))).toBe(at(10, 3000).getTime());
  });

  it('an approved extension moves the end by its minutes, never beyond the maximum after the approval', () => {
    expect(extendedEnd(at(60).toISOString(), 30, 480, at(10), 60_000)).toBe(at(90).toISOString());
    expect(extendedEnd(at(60).toISOString(), 480, 480, at(10), 60_000)).toBe(at(490).toISOString());
    expect(extendedEnd(at(60, 3000).toISOString(), 30, 480, at(10, 3000), 3000)).toBe(at(90, 3000).toISOString());
  });
});
