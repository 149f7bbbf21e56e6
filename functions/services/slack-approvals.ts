/**
 * Decisions from Slack's interactive Approve/Deny buttons (POST /slack/interactions, once the request's
 * Slack signature has been verified). The button's value is only the request id: who is deciding comes
 * from the signed payload's Slack user id, mapped to an approver through the approval policy
 * (`slackUserId`), or, for an approver the policy gives no Slack id, through the user's Slack profile
 * email (users.info). Anyone else, and the requester, is told so privately (an ephemeral message) and
 * nothing changes. The decision itself is decide()'s, exactly as for an email link: one per approver,
 * N of M, any deny ends the request; a double click is refused as "already decided".
 *
 * Slack's 3-second limit: the decision is made synchronously, before the 200 goes back. It is a few
 * DynamoDB reads and conditional writes plus one SendTaskSuccess (and, on approval, one email to the
 * requester), well under a second in practice; the Slack calls after it (chat.update, chat.postEphemeral)
 * each take one round trip when Slack is healthy. Only a failing Slack, retried within the adapter's
 * bounded budget, can push the reply past 3 s: the clicker then sees Slack's timeout warning, but the
 * decision is already recorded (the request page shows it) and a second click is refused as a duplicate.
 * Slack does not redeliver interactions. Doing the work after acknowledging would need a second, queued
 * invocation; for a handful of writes it is not worth it.
 */
import { DECISION_BLOCK_ID, approvalRecordedReply } from '../domain/slack-messages.js';
import type { AccessRequestRecord, Decision } from '../domain/request-lifecycle.js';
import { HttpError, ValidationError } from '../errors.js';
import { requestStore } from '../adapters/request-store.js';
import { notifySafely, type SlackNotifier, type SlackRef } from '../adapters/slack.js';
import { logger } from '../logger.js';
import { decide } from './decide-request.js';
import { requestView } from './message-view.js';
import { policyApprovers, showOutcome, slackForNotifications } from './slack-notify.js';

export interface SlackClick {
  /** The clicking Slack user (from the signed payload; never the display name). */
  userId: string;
  teamId?: string;
  decision: Decision['decision'];
  requestId: string;
  /** Where to answer privately: the channel or DM the button was in. */
  channel?: string;
  /** The message clicked (the channel message, or an approver's DM). */
  message?: SlackRef;
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/**
 * The Approve/Deny click in an interaction payload (the form field `payload`, JSON), or undefined when the
 * payload is something cachegate does not act on (another interaction type, a link button's click).
 */
export function parseSlackClick(payload: string | null): SlackClick | undefined {
  if (payload === null) throw new ValidationError([{ field: 'payload', message: 'is missing' }]);
  let parsed: unknown;
  try {
    parsed = JSON.parse(payload);
  } catch {
    throw new ValidationError([{ field: 'payload', message: 'is not JSON' }]);
  }
  const body = record(parsed);
  if (body?.type !== 'block_actions') return undefined;
  const userId = text(record(body.user)?.id);
  const actions = Array.isArray(body.actions) ? body.actions : [];
  const action = record(actions[0]);
  const decision = action?.action_id;
  const requestId = text(action?.value);
  if (!userId || action?.block_id !== DECISION_BLOCK_ID || (decision !== 'approve' && decision !== 'deny') || !requestId) return undefined;
  const container = record(body.container);
  const channel = text(container?.channel_id) ?? text(record(body.channel)?.id);
  const ts = text(container?.message_ts) ?? text(record(body.message)?.ts);
  const teamId = text(record(body.team)?.id) ?? text(record(body.user)?.team_id);
  return {
    userId,
    decision,
    requestId: requestId.slice(0, 100),
    ...(teamId ? { teamId } : {}),
    ...(channel ? { channel } : {}),
    ...(channel && ts && container?.is_ephemeral !== true ? { message: { channel, ts } } : {}),
  };
}

type Clicker = { kind: 'approver'; email: string } | { kind: 'requester' } | { kind: 'unknown' };

/**
 * Who the Slack user is for this request. The policy's slackUserId is authoritative: an approver who has
 * one can act from that Slack account only, so the profile email (which a workspace admin, or the user
 * where allowed, can change) is consulted only for approvers listed without an id.
 */
async function clickerOf(userId: string, request: AccessRequestRecord, slack: SlackNotifier | undefined): Promise<Clicker> {
  const known = policyApprovers(request);
  const byId = known.find((approver) => approver.slackUserId === userId);
  if (byId) return byId.email === request.requester ? { kind: 'requester' } : { kind: 'approver', email: byId.email };
  const lookup = slack?.lookupEmail;
  if (!slack || !lookup) return { kind: 'unknown' };
  const profile = (await notifySafely('slack.users-info', () => lookup.call(slack, userId), { requestId: request.id }))?.toLowerCase();
  if (!profile) return { kind: 'unknown' };
  if (profile === request.requester) return { kind: 'requester' };
  const byEmail = known.find((approver) => approver.email === profile && !approver.slackUserId);
  return byEmail ? { kind: 'approver', email: byEmail.email } : { kind: 'unknown' };
}

function sameRef(a: SlackRef | undefined, b: SlackRef | undefined): boolean {
  return a !== undefined && b !== undefined && a.channel === b.channel && a.ts === b.ts;
}

/** Acts on one click: records the decision or says privately why not. Slack failures are logged only. */
export async function handleSlackClick(click: SlackClick, now: Date): Promise<void> {
  const slack = slackForNotifications();
  const tell = async (message: string): Promise<void> => {
    const channel = click.channel;
    if (!slack || !channel) return;
    await notifySafely('slack.ephemeral', () => slack.postEphemeral(channel, click.userId, message), { requestId: click.requestId });
  };

  const request = /^[0-9a-f-]{36}$/.test(click.requestId) ? await requestStore.get(click.requestId) : undefined;
  if (!request) return tell('This request no longer exists.');
  const clicker = await clickerOf(click.userId, request, slack);
  if (clicker.kind !== 'approver') {
    logger.info('Slack decision refused', { requestId: request.id, slackUserId: click.userId, reason: clicker.kind });
    return tell(clicker.kind === 'requester' ? "You can't approve or deny this: it is your own request." : "You can't approve or deny this: you are not an approver for this request.");
  }

  let result;
  try {
    result = await decide({ requestId: request.id, approver: clicker.email, decision: click.decision, via: 'slack', now });
  } catch (error) {
    // Not an approver (any more), already decided, no longer pending: the reason, privately.
    if (error instanceof HttpError && error.statusCode < 500) return tell(`You can't ${click.decision} this: ${error.message}`);
    throw error;
  }
  if (!slack) return;

  const decided = result.request;
  if (result.outcome === 'recorded') {
    const approvals = Object.values(decided.approvals).filter((d) => d.decision === 'approve').length;
    const reply = approvalRecordedReply(requestView(decided), clicker.email, approvals, decided.approvalsRequired);
    await Promise.all([
      tell(`Your approval is recorded (${approvals} of ${decided.approvalsRequired}); the request needs more approvals.`),
      notifySafely('slack.recorded', () => slack.reply(decided.slackMessage ?? click.message, reply.blocks, reply.text), { requestId: decided.id }),
    ]);
    return;
  }
  if (result.outcome === 'denied') {
    // The workflow's "denied" notification will say the same; replacing the buttons now stops further clicks.
    await showOutcome(slack, decided, requestView, click.message);
    return;
  }
  // Approved: decide() already replaced the channel message (notifyPeople 'approved'); a DM clicked, or a
  // channel message whose ref was not stored yet, is replaced here.
  if (click.message && !sameRef(click.message, decided.slackMessage)) {
    await showOutcome(slack, { ...decided, slackMessage: click.message }, requestView);
  }
}

