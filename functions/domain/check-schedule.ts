/**
 * When to look whether a change to access (a grant, or a revoke) is in effect, per grant driver. Pure: it
 * knows nothing of AWS calls or clocks; callers pass the seconds elapsed since their AWS call.
 *
 * - VPC: an EC2 rule applies "as quickly as possible"; only the API's eventual consistency can hide it
 *   for a moment. Look right after the call, then back off: 1 s, 2 s, 4 s, … up to the longest interval.
 * - classic: ElastiCache says an authorization (or revocation) takes about a minute. Nothing to see
 *   before the first look (40 s by default); then look every poll interval until twice that time (the
 *   expected spread, 40–80 s), then back off by half each time up to the longest interval.
 *
 * Looks are anchored to the call, not to each other, so time spent in the looks does not push the
 * schedule later. bench/workflow-latency.ts measures these schedules over AWS's spread; the README
 * ("How it works", "Benchmarks") says why they are what they are.
 */
import type { GrantTarget } from './access-request.js';

export type GrantMode = GrantTarget['mode'];

export interface CheckSchedule {
  /** The first look, in seconds after the call. */
  firstCheckSeconds: number;
  /** The interval between looks at first (seconds)… */
  intervalSeconds: number;
  /** …kept until this many seconds after the call… */
  steadyUntilSeconds: number;
  /** …then multiplied by this after each look… */
  backoff: number;
  /** …up to this (seconds). */
  maxIntervalSeconds: number;
}

/** The knobs configuration may turn (functions/config.ts, GRANT_*). */
export interface ScheduleTuning {
  /** classic: the first look after the call. */
  firstCheckSeconds: number;
  /** classic: the interval between looks while the change is expected. */
  pollIntervalMs: number;
  /** Both: the longest interval between looks. */
  recheckSeconds: number;
}

/** The VPC schedule's first interval and its growth: 1 s, 2 s, 4 s, … */
const VPC_FIRST_INTERVAL_SECONDS = 1;
const VPC_BACKOFF = 2;
/** Past the expected spread a classic change is late; each interval is then half as long again. */
const CLASSIC_BACKOFF = 1.5;

export function checkSchedule(mode: GrantMode, tuning: ScheduleTuning): CheckSchedule {
  if (mode === 'vpc') {
    return {
      firstCheckSeconds: 0,
      intervalSeconds: Math.min(VPC_FIRST_INTERVAL_SECONDS, tuning.recheckSeconds),
      steadyUntilSeconds: 0,
      backoff: VPC_BACKOFF,
      maxIntervalSeconds: tuning.recheckSeconds,
    };
  }
  return {
    firstCheckSeconds: tuning.firstCheckSeconds,
    intervalSeconds: Math.min(tuning.pollIntervalMs / 1000, tuning.recheckSeconds),
    steadyUntilSeconds: 2 * tuning.firstCheckSeconds,
    backoff: CLASSIC_BACKOFF,
    maxIntervalSeconds: tuning.recheckSeconds,
  };
}

/** Every look the schedule makes up to `untilSeconds` after the call (seconds after the call, ascending). */
export function checkTimes(schedule: CheckSchedule, untilSeconds: number): number[] {
  const times: number[] = [];
  let at = schedule.firstCheckSeconds;
  let interval = schedule.intervalSeconds;
  while (at <= untilSeconds) {
    times.push(at);
    if (at >= schedule.steadyUntilSeconds) interval = times.length === 1 ? interval : Math.min(interval * schedule.backoff, schedule.maxIntervalSeconds);
    at += interval;
  }
  return times;
}

/**
 * The next look strictly after `elapsedSeconds` (seconds after the call), but never later than
 * `timeoutSeconds`, when the caller makes its last look and gives up.
 */
export function nextCheckAt(schedule: CheckSchedule, elapsedSeconds: number, timeoutSeconds: number): number {
  const next = checkTimes(schedule, timeoutSeconds).find((at) => at > elapsedSeconds) ?? timeoutSeconds;
  return Math.max(Math.min(next, timeoutSeconds), elapsedSeconds);
}

/** Whether a look is due `elapsedSeconds` after the call: from the first look on, every invocation looks. */
export function isCheckDue(schedule: CheckSchedule, elapsedSeconds: number): boolean {
  return elapsedSeconds >= schedule.firstCheckSeconds;
}
