/**
 * The Slack side of one notification event, when SLACK_MODE is app or webhook. Called once per event by
 * the durable delivery path, and again after a failure, so every call is safe to repeat:
 *
 * - approval-requested: app mode posts the approval message with Approve/Deny buttons to the approvals
 *   channel and, with SLACK_DIRECT_MESSAGES=true, DMs each approver the request snapshotted a Slack id for;
 *   webhook mode posts a notice with a link to the request (webhookApprovalNotice says why no personal
 *   links go to a channel).
 * - reminder, escalated: a reply in the message's thread (escalation also DMs the escalation approvers).
 * - approved, and every final state: the channel message and every approver's DM are replaced by the
 *   outcome (who decided, no buttons); final states also reply in the thread. A webhook cannot edit or
 *   thread: final states are posted as a new message.
 *
 * Not repeated blindly (app mode): each post has a key (channel, dm-<user>, reply-<event>) carried as
 * message metadata. Its ref is stored on the request as soon as Slack answers, and a call that finds the
 * ref does not post. Before posting, the attempt is claimed (a conditional write); a later call that finds
 * an attempt but no ref (the earlier one timed out, the connection broke, Slack answered 5xx) first looks
 * for the post by its metadata (conversations.history / conversations.replies) and posts only if it is not
 * there. docs/slack.md has the steps. Webhook posts cannot be read back: after an ambiguous failure a
 * webhook message may appear twice. Once the request is decided, nothing asks for a decision any more.
 *
 * Failures are thrown as DeliveryFailed (retryable or not) once every part of the event has been tried;
 * the parts that succeeded are not repeated by the next call.
 */
import type { NotificationEvent, RequestView } from '../domain/notification-messages.js';
import { currentApprovers, type AccessRequestRecord } from '../domain/request-lifecycle.js';
import { type RequestStatus, FINAL_STATUSES } from '../domain/request-statuses.js';
import {
  CHANNEL_MESSAGE,
  directMessageKey,
  slackRefsOf,
  threadReplyKey,
  type SlackRef,
  type SlackTrackedRequest,
} from '../domain/slack-delivery.js';
import { approvalMessage, outcomeMessage, threadReply, webhookApprovalNotice, withReviewLink, type SlackMessage } from '../domain/slack-messages.js';
import { ConfigError, DeliveryFailed, DeliveryUncertain } from '../errors.js';
import { requestStore } from '../adapters/request-store.js';
import { slackNotifier, type SlackNotifier } from '../adapters/slack.js';
import { slackConfig } from '../config.js';
import { ambientSecret } from '../secrets.js';

export type ViewOf = (request: AccessRequestRecord) => RequestView;

/** Statuses the approval message shows as its outcome: the final ones, and access in effect. */
const SETTLED: readonly RequestStatus[] = [...FINAL_STATUSES, 'ACTIVE'];

/** The configured notifier, or undefined when Slack is off. A Slack configured but unusable is not retryable. */
export function slackForNotifications(): SlackNotifier | undefined {
  try {
    return slackNotifier({ botToken: ambientSecret('slackBotToken'), webhookUrl: ambientSecret('slackWebhookUrl') });
  } catch (error) {
    if (error instanceof ConfigError) throw new DeliveryFailed(`Slack is not usable: ${error.message}`, false);
    throw error;
  }
}

/** Runs every part, then throws one DeliveryFailed for those that failed: retryable if any of them is. */
async function allParts(parts: Promise<unknown>[]): Promise<void> {
  const failures = (await Promise.allSettled(parts)).flatMap((result) => (result.status === 'rejected' ? [result.reason as unknown] : []));
  if (failures.length === 0) return;
  const delivery = failures.map((failure) =>
    failure instanceof DeliveryFailed ? failure : new DeliveryFailed(`Slack bookkeeping failed: ${failure instanceof Error ? failure.name : 'error'}`, true),
  );
  if (delivery.length === 1 && delivery[0]) throw delivery[0];
  const retryable = delivery.filter((failure) => failure.retryable);
  const waits = retryable.flatMap((failure) => (failure.retryAfterSeconds === undefined ? [] : [failure.retryAfterSeconds]));
  const message = delivery.map((failure) => failure.message).join('; ');
  if (delivery.every((failure) => failure instanceof DeliveryUncertain)) throw new DeliveryUncertain(message);
  throw new DeliveryFailed(message, retryable.length > 0, waits.length > 0 ? Math.max(...waits) : undefined);
}

interface Post {
  key: string;
  message: SlackMessage;
  /** A channel or user id; default the approvals channel. */
  to?: string;
  threadTs?: string;
  /** The ref stored for this key, if any. */
  existing: SlackRef | undefined;
  /** Stores the ref on the request. */
  keep(ref: SlackRef): Promise<unknown>;
}

/**
 * Posts once per request and key (app mode; see the file comment). `request` must be fresh from the store:
 * its refs and attempts decide whether to post.
 */
async function postOnce(slack: SlackNotifier, request: SlackTrackedRequest, post: Post): Promise<SlackRef | undefined> {
  if (post.existing) return post.existing;
  const key = { requestId: request.id, message: post.key };
  const where = { ...(post.to ? { to: post.to } : {}), ...(post.threadTs ? { threadTs: post.threadTs } : {}) };
  if (slack.mode === 'app') {
    const attempted = request.slackAttempts?.[post.key];
    if (attempted) {
      const earlier = await slack.findPost(key, { ...where, since: new Date(attempted) });
      if (earlier) {
        await post.keep(earlier);
        return earlier;
      }
    }
    // Claim this attempt (a conditional write on what we read): of two calls racing for the same message
    // (a retry and a later event's job), one posts; the other backs off as "maybe delivered" and, next
    // time, finds the ref or the post.
    const now = new Date().toISOString();
    const claimed = attempted
      ? await requestStore.setMapEntry(request.id, 'slackAttempts', post.key, now, { replacing: attempted })
      : await requestStore.setMapEntry(request.id, 'slackAttempts', post.key, now, { onlyIfAbsent: true });
    if (!claimed) throw new DeliveryUncertain(`Slack ${post.key}: another attempt is in progress`);
  }
  const ref = await slack.post(post.message, { ...where, key });
  if (ref) await post.keep(ref);
  return ref;
}

/**
 * The event's request (what to show, who to tell) with the Slack state stored since (what was posted): the
 * durable path may hand over a snapshot taken before earlier attempts stored their refs.
 */
async function withStoredSlackState(request: SlackTrackedRequest): Promise<SlackTrackedRequest> {
  const stored: SlackTrackedRequest | undefined = await requestStore.get(request.id);
  return {
    ...request,
    slackUserIds: stored?.slackUserIds ?? request.slackUserIds,
    slackMessage: stored?.slackMessage ?? request.slackMessage,
    slackDirectMessages: { ...request.slackDirectMessages, ...stored?.slackDirectMessages },
    slackAttempts: { ...request.slackAttempts, ...stored?.slackAttempts },
  };
}

const keepChannelMessage = (id: string) => (ref: SlackRef) => requestStore.setSlackMessage(id, ref);
const keepDirectMessage = (id: string, user: string) => (ref: SlackRef) => requestStore.setMapEntry(id, 'slackDirectMessages', user, ref);
/** Thread replies need no ref: the key and its metadata are enough to find them again. */
const keepNothing = async (): Promise<void> => undefined;

/** DMs to the approvers still to decide who have a Slack id (app mode with direct messages on). */
function directMessages(slack: SlackNotifier, request: SlackTrackedRequest, message: SlackMessage, approvalUrls: Record<string, string>, only?: string[]): Promise<unknown>[] {
  if (slack.mode !== 'app' || !slackConfig().directMessages) return [];
  const asked = currentApprovers(request).filter((email) => email !== request.requester && !request.approvals[email] && (!only || only.includes(email)));
  return asked.flatMap((email) => {
    const user = request.slackUserIds?.[email];
    if (!user) return [];
    const url = approvalUrls[email];
    return [
      postOnce(slack, request, {
        key: directMessageKey(user),
        message: url ? withReviewLink(message, url) : message,
        to: user,
        existing: request.slackDirectMessages?.[user],
        keep: keepDirectMessage(request.id, user),
      }),
    ];
  });
}

/**
 * Messages an earlier attempt may have posted without us learning where (it timed out): found by their
 * metadata and kept, so that the outcome reaches them too. Only keys with an attempt and no ref are looked
 * for, so this costs nothing when Slack answered every time.
 */
async function adoptEarlierPosts(slack: SlackNotifier, request: SlackTrackedRequest): Promise<SlackTrackedRequest> {
  if (slack.mode !== 'app') return request;
  const adopted: SlackTrackedRequest = { ...request, slackDirectMessages: { ...request.slackDirectMessages } };
  await allParts(
    Object.entries(request.slackAttempts ?? {}).map(async ([key, at]) => {
      const user = key.startsWith('dm-') ? key.slice('dm-'.length) : undefined;
      const missing = key === CHANNEL_MESSAGE ? !request.slackMessage : user !== undefined && !request.slackDirectMessages?.[user];
      if (!missing) return;
      const ref = await slack.findPost({ requestId: request.id, message: key }, { ...(user ? { to: user } : {}), since: new Date(at) });
      if (!ref) return;
      if (user) {
        await keepDirectMessage(request.id, user)(ref);
        adopted.slackDirectMessages = { ...adopted.slackDirectMessages, [user]: ref };
      } else {
        await keepChannelMessage(request.id)(ref);
        adopted.slackMessage = ref;
      }
    }),
  );
  return adopted;
}

/**
 * Replaces the channel message and every approver's DM (and `also`, the message a click came from) with
 * the request's outcome. Once the request is settled, a channel that has no message for it yet (webhook
 * mode, or the approval message never got through) gets the outcome as a new message, which becomes the
 * request's channel message (app mode). An `approved` update can race the workflow's own later one
 * (granted, failed…) landing first; so after writing it, the request is read again and, if it has moved
 * on meanwhile, written once more from there.
 */
export async function showOutcome(slack: SlackNotifier, request: SlackTrackedRequest, viewOf: ViewOf, also?: SlackRef): Promise<void> {
  const current = await adoptEarlierPosts(slack, await withStoredSlackState(request));
  const refs = slackRefsOf(current, also);
  const write = async (record: SlackTrackedRequest): Promise<void> => {
    const message = outcomeMessage(viewOf(record));
    const settled = SETTLED.includes(record.status);
    if (slack.mode === 'webhook') {
      if (settled) await slack.post(message);
      return;
    }
    const parts: Promise<unknown>[] = refs.map((ref) => slack.update(ref, message));
    if (settled && !current.slackMessage) {
      parts.push(
        postOnce(slack, current, { key: CHANNEL_MESSAGE, message, existing: undefined, keep: keepChannelMessage(record.id) }).then(async (posted) => {
          // What was found may be the approval message of an earlier, ambiguous attempt: make it the outcome.
          if (posted && current.slackAttempts?.[CHANNEL_MESSAGE]) await slack.update(posted, message);
        }),
      );
    }
    await allParts(parts);
  };
  await write(request);
  if (SETTLED.includes(request.status)) return;
  const latest = await requestStore.get(request.id);
  if (latest && SETTLED.includes(latest.status)) await write(latest);
}

async function postApprovalRequest(slack: SlackNotifier, request: SlackTrackedRequest, view: RequestView, approvalUrls: Record<string, string>): Promise<void> {
  if (slack.mode === 'webhook') {
    const asked = currentApprovers(request).filter((approver) => approver !== request.requester);
    await slack.post(webhookApprovalNotice(view, asked));
    return;
  }
  const message = approvalMessage(view, { interactive: true });
  await allParts([
    postOnce(slack, request, { key: CHANNEL_MESSAGE, message, existing: request.slackMessage, keep: keepChannelMessage(request.id) }),
    ...directMessages(slack, request, message, approvalUrls),
  ]);
}

/**
 * A reply in the channel message's thread (a new channel message if there is none; a webhook post), once
 * per event and round (an extension round, an expiry warning's end time: events that may come again).
 */
async function replyInThread(slack: SlackNotifier, event: NotificationEvent, request: SlackTrackedRequest, view: RequestView, round?: string): Promise<void> {
  const reply = threadReply(event, view);
  if (slack.mode === 'webhook') {
    await slack.post(reply);
    return;
  }
  const threadTs = request.slackMessage?.ts;
  await postOnce(slack, request, { key: threadReplyKey(event, round), message: reply, ...(threadTs ? { threadTs } : {}), existing: undefined, keep: keepNothing });
}

/**
 * The Slack side of one notification; throws DeliveryFailed; safe to call again for the same event and
 * `round` (the notification job's: which extension round or expiry warning it is about).
 */
export async function notifySlack(
  event: NotificationEvent,
  request: AccessRequestRecord,
  viewOf: ViewOf,
  approvalUrls: Record<string, string> = {},
  round?: string,
): Promise<void> {
  const slack = slackForNotifications();
  if (!slack) return;
  const current = await withStoredSlackState(request);
  const view = viewOf(request);
  // Asking is over once the request is decided (a retry can come late): its outcome events say what happened.
  const asking = request.status === 'PENDING_APPROVAL';
  switch (event) {
    case 'approval-requested':
      return asking ? postApprovalRequest(slack, current, view, approvalUrls) : undefined;
    case 'reminder':
      return asking ? replyInThread(slack, event, current, view) : undefined;
    case 'escalated':
      if (!asking) return;
      await allParts([
        replyInThread(slack, event, current, view),
        ...directMessages(slack, current, approvalMessage(view, { interactive: true }), approvalUrls, current.escalationApprovers),
      ]);
      return;
    case 'expiry-warning':
    case 'extension-requested':
    case 'extension-approved':
    case 'extension-denied':
    case 'extension-expired':
    case 'extension-closed':
      return replyInThread(slack, event, current, view, round);
    case 'approved':
      return showOutcome(slack, request, viewOf);
    case 'granted':
    case 'ended':
    case 'denied':
    case 'expired':
    case 'failed':
    case 'cancelled':
      await showOutcome(slack, request, viewOf);
      // The thread says what happened under the approval message; without one, the outcome message says it all.
      if (slack.mode === 'app' && current.slackMessage) await replyInThread(slack, event, current, view);
      return;
    case 'submitted':
      return;
  }
}
