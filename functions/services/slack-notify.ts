/**
 * The Slack side of notifyPeople (notify.ts), when SLACK_MODE is app or webhook:
 *
 * - approval-requested: app mode posts the approval message with interactive Approve/Deny buttons to the
 *   approvals channel (and DMs the approvers with a Slack user id, with SLACK_DIRECT_MESSAGES=true) and
 *   keeps the channel message's ref on the request (`slackMessage`); webhook mode posts a notice with a
 *   link to the request (webhookApprovalNotice says why the channel gets no personal approval links).
 * - reminder, escalated: a reply in the message's thread.
 * - approved, and every final state: the message is replaced by the outcome (who decided, buttons gone),
 *   and final states also reply in the thread. A webhook cannot edit or thread: it posts a new message.
 *
 * Everything here is best-effort: each Slack call runs inside notifySafely, which logs and swallows, and a
 * Slack that is not configured properly is logged and skipped. Slack never fails or holds up the workflow
 * beyond the adapter's bounded retry budget, and email goes out regardless.
 */
import type { RequestStatus } from '../domain/access-request.js';
import { FINAL_STATUSES } from '../domain/request-transitions.js';
import { policyFor, type Approver } from '../domain/approval-policy.js';
import type { NotificationEvent, RequestView } from '../domain/notification-messages.js';
import { currentApprovers, type AccessRequestRecord } from '../domain/request-lifecycle.js';
import { outcomeMessage, threadReply, webhookApprovalNotice } from '../domain/slack-messages.js';
import { requestStore } from '../adapters/request-store.js';
import { notifySafely, slackNotifier, type SlackNotifier, type SlackRef } from '../adapters/slack.js';
import { logger } from '../logger.js';
import { ambientSecret } from '../secrets.js';
import { approvalPolicy } from './approval-policy.js';

/** Statuses the approval message shows as its outcome: the final ones, and access in effect. */
const SETTLED: readonly RequestStatus[] = [...FINAL_STATUSES, 'ACTIVE'];

export type ViewOf = (request: AccessRequestRecord) => RequestView;

/** The configured notifier, or undefined when Slack is off or not usable (logged, never thrown). */
export function slackForNotifications(): SlackNotifier | undefined {
  try {
    return slackNotifier({ botToken: ambientSecret('slackBotToken'), webhookUrl: ambientSecret('slackWebhookUrl') });
  } catch (error) {
    logger.warn('Slack is configured but not usable; continuing without it', { error: error instanceof Error ? error.message : String(error) });
    return undefined;
  }
}

/** Everyone the request's policy names as an approver or escalation approver, with their Slack ids. */
export function policyApprovers(request: AccessRequestRecord): Approver[] {
  try {
    const target = policyFor(approvalPolicy(), request.policyKey);
    return target ? [...target.approvers, ...target.escalationApprovers] : [];
  } catch (error) {
    logger.warn('approval policy unreadable for Slack', { requestId: request.id, error: error instanceof Error ? error.message : String(error) });
    return [];
  }
}

function sameRef(a: SlackRef | undefined, b: SlackRef | undefined): boolean {
  return a !== undefined && b !== undefined && a.channel === b.channel && a.ts === b.ts;
}

/**
 * Replaces the approval message(s) with the request's outcome. `also`: another copy to update (the DM an
 * approver clicked in). An `approved` message can race the workflow's own final update (granted, failed…)
 * landing first; so after writing it, the request is read again and, if it has moved on to a final state
 * meanwhile, the message is written once more from that state: the last write always shows the latest.
 */
export async function showOutcome(slack: SlackNotifier, request: AccessRequestRecord, viewOf: ViewOf, also?: SlackRef): Promise<void> {
  const refs = [request.slackMessage, also].filter((ref, index, all): ref is SlackRef => ref !== undefined && !all.slice(0, index).some((r) => sameRef(r, ref)));
  const final = SETTLED.includes(request.status);
  // No message to edit (webhook mode, or the approval message could not be posted): a final state is
  // posted as a new message; an intermediate one (approved, granting…) is left to the final one.
  if (refs.length === 0 && !final) return;
  const write = async (record: AccessRequestRecord): Promise<void> => {
    const message = outcomeMessage(viewOf(record));
    if (refs.length === 0) {
      await notifySafely('slack.outcome', () => slack.update(undefined, message.blocks, message.text), { requestId: record.id });
      return;
    }
    await Promise.all(refs.map((ref) => notifySafely('slack.outcome', () => slack.update(ref, message.blocks, message.text), { requestId: record.id })));
  };
  await write(request);
  if (final) return;
  const latest = await requestStore.get(request.id);
  if (latest && SETTLED.includes(latest.status)) await write(latest);
}

async function postApprovalRequest(slack: SlackNotifier, request: AccessRequestRecord, view: RequestView, approvalUrls: Record<string, string>): Promise<void> {
  const asked = currentApprovers(request).filter((approver) => approver !== request.requester);
  if (slack.mode === 'webhook') {
    // The webhook notifier's postApproval would put Approve/Deny links to an approval page in the channel;
    // the notice carries none (see webhookApprovalNotice). With no ref, `update` posts a new message.
    const notice = webhookApprovalNotice(view, asked);
    await notifySafely('slack.approval-notice', () => slack.update(undefined, notice.blocks, notice.text), { requestId: request.id });
    return;
  }
  const known = policyApprovers(request);
  const directTo = asked.flatMap((email) => {
    const user = known.find((a) => a.email === email)?.slackUserId;
    const approvalUrl = approvalUrls[email];
    return user ? [{ user, ...(approvalUrl ? { approvalUrl } : {}) }] : [];
  });
  const ref = await notifySafely('slack.approval-request', () => slack.postApproval(view, { interactive: true }, { directTo }), {
    requestId: request.id,
  });
  if (!ref?.ts) return;
  try {
    await requestStore.update(request.id, { set: { slackMessage: ref }, now: new Date() });
  } catch (error) {
    // The message stays; later updates post new messages instead of editing it.
    logger.warn('could not keep the Slack message ref', { requestId: request.id, error });
  }
}

async function replyInThread(slack: SlackNotifier, event: NotificationEvent, request: AccessRequestRecord, view: RequestView): Promise<void> {
  const reply = threadReply(event, view);
  await notifySafely(`slack.${event}`, () => slack.reply(request.slackMessage, reply.blocks, reply.text), { requestId: request.id });
}

/** The Slack side of one notification; never throws. */
export async function notifySlack(event: NotificationEvent, request: AccessRequestRecord, viewOf: ViewOf, approvalUrls: Record<string, string> = {}): Promise<void> {
  const slack = slackForNotifications();
  if (!slack) return;
  try {
    const view = viewOf(request);
    switch (event) {
      case 'approval-requested':
        return await postApprovalRequest(slack, request, view, approvalUrls);
      case 'reminder':
      case 'escalated':
      case 'expiry-warning':
      case 'extension-requested':
      case 'extension-approved':
      case 'extension-denied':
      case 'extension-expired':
      case 'extension-closed':
        return await replyInThread(slack, event, request, view);
      case 'approved':
        // Without a message to edit (webhook mode), the final state's message says it all.
        return await showOutcome(slack, request, viewOf);
      case 'granted':
      case 'ended':
      case 'denied':
      case 'expired':
      case 'failed':
      case 'cancelled':
        await showOutcome(slack, request, viewOf);
        if (slack.mode === 'app' && request.slackMessage) await replyInThread(slack, event, request, view);
        return;
      case 'submitted':
      case 'decided-by-other':
        return;
    }
  } catch (error) {
    logger.warn('Slack notification failed; continuing without it', { requestId: request.id, event, error });
  }
}
