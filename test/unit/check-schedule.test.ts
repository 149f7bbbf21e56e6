/**
 * The check schedules (functions/domain/check-schedule.ts): when a grant or revoke is looked at, per driver.
 */
import { checkSchedule, checkTimes, isCheckDue, nextCheckAt } from '../../functions/domain/check-schedule.js';

const deployed = { firstCheckSeconds: 40, pollIntervalMs: 2000, recheckSeconds: 20 };

describe('VPC: right after the call, then backing off', () => {
  const vpc = checkSchedule('vpc', deployed);

  it('looks at 0, 1, 3, 7, 15, 31 s, then every 20 s at most', () => {
    expect(checkTimes(vpc, 100)).toEqual([0, 1, 3, 7, 15, 31, 51, 71, 91]);
  });

  it('is due at once, and the next look follows the schedule from the call, not from the last look', () => {
    expect(isCheckDue(vpc, 0)).toBe(true);
    expect(nextCheckAt(vpc, 0, 300)).toBe(1);
    expect(nextCheckAt(vpc, 1.2, 300)).toBe(3);
    // A slow look that ran past a planned time does not push the schedule back.
    expect(nextCheckAt(vpc, 3.4, 300)).toBe(7);
  });

  it('never plans a look after the timeout: the last one is at the timeout', () => {
    expect(nextCheckAt(vpc, 7, 10)).toBe(10);
    expect(nextCheckAt(vpc, 10, 10)).toBe(10);
  });
});

describe('classic: AWS’s minute', () => {
  const classic = checkSchedule('classic', deployed);

  it('nothing before 40 s; every 2 s to 80 s; then 1.5× longer each time, up to 20 s', () => {
    const times = checkTimes(classic, 180);
    expect(times.slice(0, 3)).toEqual([40, 42, 44]);
    expect(times.filter((at) => at <= 80)).toHaveLength(21);
    expect(times.filter((at) => at > 80).map((at) => Math.round(at * 100) / 100)).toEqual([83, 87.5, 94.25, 104.38, 119.56, 139.56, 159.56, 179.56]);
  });

  it('the first look is due at 40 s, not before', () => {
    expect(isCheckDue(classic, 39.9)).toBe(false);
    expect(isCheckDue(classic, 40)).toBe(true);
    expect(nextCheckAt(classic, 0.2, 300)).toBe(40);
  });

  it('a grant that takes 180 s is seen with at most 30 looks (the account’s describe rate is shared)', () => {
    expect(checkTimes(classic, 180).length + 1).toBeLessThanOrEqual(30);
  });

  it('scales with its knobs: tests look at once and every 10 ms', () => {
    const quick = checkSchedule('classic', { firstCheckSeconds: 0, pollIntervalMs: 10, recheckSeconds: 1 });
    expect(checkTimes(quick, 0.05).map((at) => Math.round(at * 10_000) / 10_000)).toEqual([0, 0.01, 0.025, 0.0475]);
    expect(isCheckDue(quick, 0)).toBe(true);
  });
});
