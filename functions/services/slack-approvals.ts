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
 * DynamoDB reads and conditional writes plus one SendTaskSuccess, well under a second in practice; the
 * Slack calls after it (chat.update of the channel message and the approvers' DMs, chat.postEphemeral)
 * each take one round trip, and each is one attempt bounded by SLACK_ATTEMPT_TIMEOUT_MS. Those calls only
 * give the clicker immediate feedback: a failed one is logged, and the decision's notifications (which
 * update the same messages) go through the durable delivery path like every other. Slack does not
 * redeliver interactions. Doing the work after acknowledging would need a second, queued invocation; for
 * a handful of writes it is not worth it.
 */
import * as v from 'valibot';
import { RequestId } from '../domain/access-request.js';
import { Decision as DecisionChoice } from '../domain/action-bodies.js';
import { DECISION_BLOCK_ID, approvalRecordedReply } from '../domain/slack-messages.js';
import type { Decision } from '../domain/request-lifecycle.js';
import { HttpError, ValidationError } from '../errors.js';
import type { SlackTrackedRequest } from '../domain/slack-delivery.js';
import { requestStore } from '../adapters/request-store.js';
import type { SlackNotifier, SlackRef } from '../adapters/slack.js';
import { logger } from '../logger.js';
import { decide } from './decide-request.js';
import { requestView } from './message-view.js';
import { showOutcome, slackForNotifications } from './slack-notify.js';

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

/** A non-empty string; anything else in an optional place counts as absent, as Slack may omit or change it. */
const SlackText = v.pipe(v.string(), v.nonEmpty());
const optionalText = v.fallback(v.optional(SlackText), undefined);
const withId = v.fallback(v.optional(v.object({ id: optionalText })), undefined);

/** The fields cachegate reads of a `block_actions` payload: its own button (block id, action id, request id) and where it was. */
const DecisionClick = v.object({
  type: v.literal('block_actions'),
  user: v.object({ id: SlackText, team_id: optionalText }),
  actions: v.pipe(
    v.array(v.unknown()),
    v.transform((actions) => actions[0]),
    v.object({ block_id: v.literal(DECISION_BLOCK_ID), action_id: DecisionChoice, value: SlackText }),
  ),
  container: v.fallback(v.optional(v.object({ channel_id: optionalText, message_ts: optionalText, is_ephemeral: v.fallback(v.optional(v.boolean()), undefined) })), undefined),
  channel: withId,
  message: v.fallback(v.optional(v.object({ ts: optionalText })), undefined),
  team: withId,
});

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
  const click = v.safeParse(DecisionClick, parsed);
  if (!click.success) return undefined;
  const { user, actions: action, container, channel: inChannel, message, team } = click.output;
  const channel = container?.channel_id ?? inChannel?.id;
  const ts = container?.message_ts ?? message?.ts;
  const teamId = team?.id ?? user.team_id;
  return {
    userId: user.id,
    decision: action.action_id,
    requestId: action.value.slice(0, 100),
    ...(teamId ? { teamId } : {}),
    ...(channel ? { channel } : {}),
    ...(channel && ts && container?.is_ephemeral !== true ? { message: { channel, ts } } : {}),
  };
}

type Clicker = { kind: 'approver'; email: string } | { kind: 'requester' } | { kind: 'unknown' };

/**
 * Feedback to the clicker only (see the file comment): a Slack failure here is logged, never thrown, so
 * that the decision already recorded still gets its 200.
 */
async function feedback<T>(action: string, requestId: string, call: () => Promise<T>): Promise<T | undefined> {
  try {
    return await call();
  } catch (error) {
    logger.warn('Slack feedback to a click failed', { action, requestId, error: error instanceof Error ? error.message : String(error) });
    return undefined;
  }
}

/**
 * Who the Slack user is for this request. The Slack ids snapshotted from the policy at submission are
 * authoritative: an approver who has one can act from that Slack account only, so the profile email (which
 * a workspace admin, or the user where allowed, can change) is consulted only for approvers without an id.
 */
async function clickerOf(userId: string, request: SlackTrackedRequest, slack: SlackNotifier | undefined): Promise<Clicker> {
  const ids = request.slackUserIds ?? {};
  const byId = Object.keys(ids).find((email) => ids[email] === userId);
  if (byId) return byId === request.requester ? { kind: 'requester' } : { kind: 'approver', email: byId };
  const lookup = slack?.lookupEmail;
  if (!slack || !lookup) return { kind: 'unknown' };
  const profile = (await feedback('slack.users-info', request.id, () => lookup.call(slack, userId)))?.toLowerCase();
  if (!profile) return { kind: 'unknown' };
  if (profile === request.requester) return { kind: 'requester' };
  const eligible = [...request.approvers, ...request.escalationApprovers].includes(profile) && ids[profile] === undefined;
  return eligible ? { kind: 'approver', email: profile } : { kind: 'unknown' };
}

/** Acts on one click: records the decision or says privately why not. Slack failures are logged only. */
export async function handleSlackClick(click: SlackClick, now: Date): Promise<void> {
  const slack = await feedback('slack.configuration', click.requestId, async () => slackForNotifications());
  const tell = async (message: string): Promise<void> => {
    const channel = click.channel;
    if (!slack || !channel) return;
    await feedback('slack.ephemeral', click.requestId, () => slack.postEphemeral(channel, click.userId, message));
  };

  const request = v.is(RequestId, click.requestId) ? await requestStore.get(click.requestId) : undefined;
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
    const thread = decided.slackMessage ?? click.message;
    await Promise.all([
      tell(`Your approval is recorded (${approvals} of ${decided.approvalsRequired}); the request needs more approvals.`),
      feedback('slack.recorded', decided.id, () => slack.post(reply, thread ? { to: thread.channel, threadTs: thread.ts } : {})),
    ]);
    return;
  }
  // Decided (approved or denied): the channel message, every approver's DM and the message clicked show
  // the outcome now, so nobody clicks a decided request; the decision's own notification does it again.
  await feedback('slack.outcome', decided.id, () => showOutcome(slack, decided, requestView, click.message));
}
