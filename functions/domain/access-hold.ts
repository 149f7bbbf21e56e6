/**
 * Holding access once it is in effect: the workflow sleeps in one `.waitForTaskToken` task whose
 * time-out is the next thing due (the expiry warning, an extension round's deadline, or the end), and
 * people (revoke, extend, a round's decision) wake it early. No polling: each wake-up is one decision.
 */
import { minuteOf, type AccessRequestRecord } from './request-lifecycle.js';

export type HoldStep =
  | { kind: 'end' }
  | { kind: 'warn' }
  | { kind: 'close-round' }
  | { kind: 'wait'; waitSeconds: number };

/** When the expiry warning is due for the current end, or undefined when none will be sent. */
export function warningAt(request: Pick<AccessRequestRecord, 'expiresAt' | 'activeSince' | 'warnedFor' | 'limits' | 'minuteMs'>): number | undefined {
  if (!request.expiresAt || !request.activeSince || request.warnedFor === request.expiresAt) return undefined;
  const warnMs = request.limits.expiryWarningMinutes * minuteOf(request);
  const end = Date.parse(request.expiresAt);
  // Access shorter than the warning period gets none: it would arrive before (or as) access begins.
  if (warnMs <= 0 || end - Date.parse(request.activeSince) <= warnMs) return undefined;
  return end - warnMs;
}

/** The open extension round, if any. */
export function openRound(request: Pick<AccessRequestRecord, 'extensions'>) {
  const last = request.extensions.at(-1);
  return last?.status === 'PENDING' ? last : undefined;
}

export function nextHoldStep(request: AccessRequestRecord, now: Date): HoldStep {
  if (request.status !== 'ACTIVE' || !request.expiresAt) return { kind: 'end' };
  const at = now.getTime();
  const end = Date.parse(request.expiresAt);
  if (at >= end - 500) return { kind: 'end' };
  const due: number[] = [end];
  const warn = warningAt(request);
  if (warn !== undefined) {
    if (at >= warn - 500) return { kind: 'warn' };
    due.push(warn);
  }
  const round = openRound(request);
  if (round) {
    const deadline = Date.parse(round.deadline);
    if (at >= deadline - 500) return { kind: 'close-round' };
    due.push(deadline);
  }
  return { kind: 'wait', waitSeconds: Math.max(1, Math.ceil((Math.min(...due) - at) / 1000)) };
}

/** An approved extension's new end: the current end plus the extension, never more than the maximum after approval. */
export function extendedEnd(currentEnd: string, extensionMinutes: number, maxDurationMinutes: number, approvedAt: Date, minuteMs: number): string {
  const extended = Date.parse(currentEnd) + extensionMinutes * minuteMs;
  const cap = approvedAt.getTime() + maxDurationMinutes * minuteMs;
  return new Date(Math.min(extended, cap)).toISOString();
}
