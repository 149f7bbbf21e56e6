/**
 * What the request keeps about its Slack messages, so that a notification retried by the durable delivery
 * path never posts the same message twice:
 *
 * - `slackUserIds`: each approver's (and escalation approver's) Slack user id, copied from the approval
 *   policy at submission, so that the functions which DM and answer clicks never need the policy;
 * - `slackMessage` (AccessRequestRecord): the approvals channel's message;
 * - `slackDirectMessages`: each approver's DM, by Slack user id;
 * - `slackAttempts`: when a post was first attempted, by message key. A key with an attempt but no ref
 *   means an earlier attempt may have landed: look for it (message metadata) before posting again.
 *
 * The invariant: one channel message per request, one DM per approver per request, one thread reply per
 * event.
 */
import type { Approver, TargetPolicy } from './approval-policy.js';
import type { AccessRequestRecord } from './request-lifecycle.js';

export interface SlackRef {
  channel: string;
  ts: string;
}

export interface SlackDeliveryState {
  slackUserIds?: Record<string, string>;
  slackDirectMessages?: Record<string, SlackRef>;
  slackAttempts?: Record<string, string>;
}

export type SlackTrackedRequest = AccessRequestRecord & SlackDeliveryState;

/** The message keys (also the metadata's `message`). */
export const CHANNEL_MESSAGE = 'channel';
export const directMessageKey = (slackUserId: string): string => `dm-${slackUserId}`;
export const threadReplyKey = (event: string, round?: string): string => `reply-${event}${round ? `-${round}` : ''}`;

/** Approver email → Slack user id for everyone the policy lets decide on this request (never the requester). */
export function slackIdsOf(policy: TargetPolicy, requester: string): Record<string, string> {
  const everyone: Approver[] = [...policy.approvers, ...policy.escalationApprovers];
  const ids: Record<string, string> = {};
  for (const approver of everyone) {
    if (approver.slackUserId && approver.email !== requester.toLowerCase()) ids[approver.email] = approver.slackUserId;
  }
  return ids;
}

/** Every ref to update when the request moves on: the channel message, each DM and `also`, once each. */
export function slackRefsOf(request: Pick<SlackTrackedRequest, 'slackMessage' | 'slackDirectMessages'>, also?: SlackRef): SlackRef[] {
  const refs = [request.slackMessage, ...Object.values(request.slackDirectMessages ?? {}), also];
  return refs.filter((ref, index): ref is SlackRef => ref !== undefined && !refs.slice(0, index).some((r) => r?.channel === ref.channel && r.ts === ref.ts));
}
