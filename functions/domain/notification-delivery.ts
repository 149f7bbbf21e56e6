/**
 * The durable notification path, as data: one job per message to deliver (an email to one person, the
 * request's Slack update for one event, or the EventBridge event of one status change), a key that makes
 * a job's delivery happen once however often it is queued or received, and the retry schedule: backoff that honours a sink's Retry-After and keeps
 * trying for more than an hour before the job is given up (and the request's history says who was not told).
 */
import type { NotificationEvent } from './notification-messages.js';

/** A message to people: an email to one person, or the request's Slack update for one event. */
export interface MessageJob {
  requestId: string;
  event: NotificationEvent;
  channel: 'email' | 'slack';
  /** email: the address; slack: absent (the request's Slack message and its thread). */
  recipient?: string;
  /** Tells repeats of one event on one request apart (e.g. an extension round's id). */
  round?: string;
}

/** The EventBridge event of the request's status change number `sequence` (domain/status-events.ts). */
export interface StatusEventJob {
  requestId: string;
  channel: 'events';
  sequence: number;
}

export type NotificationJob = MessageJob | StatusEventJob;
export type DeliveryChannel = NotificationJob['channel'];

/** What makes two jobs the same delivery: queued twice (a retried task), it is still sent once. */
export function deliveryKey(job: NotificationJob): string {
  if (job.channel === 'events') return ['status-changed', String(job.sequence), job.channel, ''].join('#');
  return [job.event, job.round ?? '', job.channel, job.recipient ?? ''].join('#');
}

/** Backoff per failed attempt (s): 15, 30, 60 … capped at 15 minutes, so attempt 10 comes after > 1 hour. */
export const RETRY_BASE_SECONDS = 15;
export const RETRY_CAP_SECONDS = 900;
export const MAX_DELIVERY_ATTEMPTS = 10;

/** The seconds waited in total before attempt `attempts + 1`, with no Retry-After: for the README and tests. */
export function scheduledRetrySeconds(attempts: number): number {
  let total = 0;
  for (let attempt = 1; attempt <= attempts; attempt++) total += Math.min(RETRY_CAP_SECONDS, RETRY_BASE_SECONDS * 2 ** (attempt - 1));
  return total;
}

export type RetryDecision = { retryInSeconds: number } | { giveUp: true };

/**
 * After failed attempt `attempt` (1-based): when to try again, or give up. A sink's Retry-After is a
 * floor, never shortened; jitter only lengthens the wait (up to 20%), so the schedule never ends early.
 */
export function nextDeliveryAttempt(attempt: number, retryAfterSeconds: number | undefined, random: () => number = Math.random): RetryDecision {
  if (attempt >= MAX_DELIVERY_ATTEMPTS) return { giveUp: true };
  const backoff = Math.min(RETRY_CAP_SECONDS, RETRY_BASE_SECONDS * 2 ** (attempt - 1));
  const jittered = Math.ceil(backoff * (1 + 0.2 * random()));
  return { retryInSeconds: Math.min(43_200, Math.max(jittered, Math.ceil(retryAfterSeconds ?? 0))) };
}
