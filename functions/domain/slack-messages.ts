/**
 * Slack Block Kit messages for a request (docs/slack-facts.md: buttons, updating the message). Pure: the adapter posts them.
 *
 * - Interactive buttons (Slack app with an interactivity URL) carry `value` = the request id, never a
 *   token: the click arrives signed by Slack and the approver is checked by Slack user id.
 * - Link buttons (incoming webhooks, or no interactivity) carry `url` = the approval page, the same
 *   GET-safe confirmation page as email, and no `value`.
 *
 * Every user-supplied value is escaped for mrkdwn (`&`, `<`, `>`), so nobody can smuggle in `<!channel>`,
 * a mention or a disguised link.
 */
import { CachegateError } from '../errors.js';
import {
  formatDuration,
  formatTime,
  oneLine,
  safeHttpUrl,
  type NotificationEvent,
  type RequestView,
} from './notification-messages.js';

export interface SlackText {
  type: 'mrkdwn' | 'plain_text';
  text: string;
}

export interface SlackButton {
  type: 'button';
  action_id: 'approve' | 'deny' | 'open-request' | 'open-review-page';
  text: { type: 'plain_text'; text: string };
  style?: 'primary' | 'danger';
  value?: string;
  url?: string;
  accessibility_label?: string;
}

export type SlackBlock =
  | { type: 'section'; block_id?: string; text?: SlackText; fields?: SlackText[] }
  | { type: 'actions'; block_id: string; elements: SlackButton[] }
  | { type: 'context'; block_id?: string; elements: SlackText[] };

export interface SlackMessage {
  /** Fallback for notifications and clients without blocks. */
  text: string;
  blocks: SlackBlock[];
}

export interface ApprovalButtons {
  /** true: buttons send block_actions to the app; false: buttons open the approval page. */
  interactive: boolean;
  /** Link mode: the approval page (denyUrl defaults to it). */
  approveUrl?: string;
  denyUrl?: string;
}

/** The block_id of the Approve/Deny actions block, and the action ids its buttons send. */
export const DECISION_BLOCK_ID = 'decision';

const SECTION_TEXT_LIMIT = 2900;
const FIELD_LIMIT = 1900;

/** Escapes text for Slack mrkdwn and plain text (Slack's three control characters). */
export function escapeSlack(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function clip(value: string, max: number): string {
  return value.length > max ? `${value.slice(0, max - 1)}…` : value;
}

/** A Slack user id is shown as a mention; anything else (an email address) as escaped text. */
function person(value: string): string {
  return /^[UW][A-Z0-9]{6,20}$/.test(value) ? `<@${value}>` : escapeSlack(value);
}

function link(url: string | undefined, label: string): string | undefined {
  const safe = safeHttpUrl(url);
  // `|` and `>` end the URL part of <url|label>; percent-encode them.
  return safe ? `<${safe.replace(/\|/g, '%7C').replace(/>/g, '%3E')}|${escapeSlack(label)}>` : undefined;
}

function field(label: string, value: string): SlackText {
  return { type: 'mrkdwn', text: clip(`*${label}*\n${escapeSlack(value)}`, FIELD_LIMIT) };
}

function targetFields(view: RequestView): SlackText[] {
  const t = view.target;
  if (t?.mode === 'classic') {
    return [
      field('Cache security group', t.cacheSecurityGroupName),
      field('EC2 security group', t.ec2SecurityGroupName),
      field('EC2 group owner', t.ec2SecurityGroupOwnerId),
    ];
  }
  if (t?.mode === 'vpc') {
    const cluster = t.replicationGroupId ? `replication group ${t.replicationGroupId}` : `cache cluster ${t.cacheClusterId ?? '?'}`;
    return [
      field('Cluster', cluster),
      field('Source security group', t.sourceSecurityGroupId),
      ...(t.sourceSecurityGroupOwnerId ? [field('Source group owner', t.sourceSecurityGroupOwnerId)] : []),
    ];
  }
  return [field('Access', view.targetSummary)];
}

/** The request itself: who, what, how long, why. Shared by the approval and outcome messages. */
function requestBlocks(view: RequestView, headline: string, { deadline }: { deadline: boolean }): SlackBlock[] {
  const fields = [field('Requester', view.requester), ...targetFields(view)];
  const duration = formatDuration(view.durationMinutes);
  if (duration) fields.push(field('Duration', duration));
  const expires = formatTime(view.expiresAt);
  if (deadline && expires) fields.push(field('Decide by', expires));
  const quoted = escapeSlack(clip(view.reason, SECTION_TEXT_LIMIT))
    .split(/\r?\n/)
    .map((line) => `>${line}`)
    .join('\n');
  return [
    { type: 'section', block_id: 'request', text: { type: 'mrkdwn', text: headline }, fields: fields.slice(0, 10) },
    { type: 'section', block_id: 'reason', text: { type: 'mrkdwn', text: `*Reason*\n${quoted}` } },
  ];
}

function contextBlock(view: RequestView): SlackBlock {
  const parts = [`Request \`${escapeSlack(oneLine(view.id, 64))}\``];
  const page = link(view.requestUrl, 'View request');
  if (page) parts.push(page);
  return { type: 'context', block_id: 'meta', elements: [{ type: 'mrkdwn', text: parts.join(' · ') }] };
}

function decisionButtons(view: RequestView, buttons: ApprovalButtons): SlackButton[] {
  const approve = { type: 'button', action_id: 'approve', text: { type: 'plain_text', text: 'Approve' }, style: 'primary' } as const;
  const deny = { type: 'button', action_id: 'deny', text: { type: 'plain_text', text: 'Deny' }, style: 'danger' } as const;
  if (buttons.interactive) return [{ ...approve, value: view.id }, { ...deny, value: view.id }];

  const approveUrl = safeHttpUrl(buttons.approveUrl);
  const denyUrl = safeHttpUrl(buttons.denyUrl) ?? approveUrl;
  if (!approveUrl || !denyUrl) throw new CachegateError('Link-mode Slack buttons need the approval page URL (http or https)');
  return [
    { ...approve, url: approveUrl, accessibility_label: 'Open the approval page to approve' },
    { ...deny, url: denyUrl, accessibility_label: 'Open the approval page to deny' },
  ];
}

/** The approval request posted to the approvers' channel, with Approve/Deny buttons. */
export function approvalMessage(view: RequestView, buttons: ApprovalButtons): SlackMessage {
  const who = escapeSlack(oneLine(view.requester, 80));
  const blocks: SlackBlock[] = [
    ...requestBlocks(view, `:lock: *${who}* is asking for cache access.`, { deadline: true }),
    { type: 'actions', block_id: DECISION_BLOCK_ID, elements: decisionButtons(view, buttons) },
    contextBlock(view),
  ];
  const text = `Approval needed: ${who} asks for access to ${escapeSlack(oneLine(view.targetSummary, 160))} (${escapeSlack(oneLine(view.id, 64))})`;
  return { text, blocks };
}

/**
 * The approval request for an incoming webhook's channel (SLACK_MODE=webhook). A webhook message is one
 * message for everybody in the channel, and an approval link is a personal, signed, single-use credential
 * bound to one approver: a channel message carrying "Review as bob@…" links would let anyone who can read
 * the channel decide as bob. So the channel learns that a decision is needed and who was asked, its one
 * button opens the request's page (no token), and each approver decides from the link emailed to them.
 */
export function webhookApprovalNotice(view: RequestView, approvers: string[]): SlackMessage {
  const who = escapeSlack(oneLine(view.requester, 80));
  const asked = approvers.map((a) => escapeSlack(oneLine(a, 80))).join(', ');
  const requestPage = safeHttpUrl(view.requestUrl);
  const blocks: SlackBlock[] = [
    ...requestBlocks(view, `:lock: *${who}* is asking for cache access.`, { deadline: true }),
    {
      type: 'section',
      block_id: 'how-to-decide',
      text: { type: 'mrkdwn', text: clip(`:email: ${asked ? `${asked}: ` : ''}your personal approval links were emailed to you. Decide from there.`, SECTION_TEXT_LIMIT) },
    },
    ...(requestPage
      ? [
          {
            type: 'actions',
            block_id: 'links',
            elements: [
              {
                type: 'button',
                action_id: 'open-request',
                text: { type: 'plain_text', text: 'View request' },
                style: 'primary',
                url: requestPage,
                accessibility_label: 'Open the request page',
              },
            ],
          } satisfies SlackBlock,
        ]
      : []),
    contextBlock(view),
  ];
  const text = `Approval needed: ${who} asks for access to ${escapeSlack(oneLine(view.targetSummary, 160))} (${escapeSlack(oneLine(view.id, 64))}); approvers were emailed their links`;
  return { text, blocks };
}

/** A thread reply when one approval of several is in: who, and how many are still needed. */
export function approvalRecordedReply(view: RequestView, approver: string, approvals: number, needed: number): SlackMessage {
  const line = `:ballot_box_with_check: ${person(approver)} approved (${approvals} of ${needed} approvals).`;
  return { text: fallback(line, view), blocks: [{ type: 'section', block_id: 'update', text: { type: 'mrkdwn', text: line } }] };
}

/** The status a request is in, as the event that put it there (for outcome lines). */
function eventOfStatus(view: RequestView): NotificationEvent {
  switch (view.status) {
    case 'PENDING_APPROVAL':
      return 'submitted';
    case 'APPROVED':
    case 'AUTHORIZING':
      return 'approved';
    case 'ACTIVE':
      return 'granted';
    case 'DENIED':
      return 'denied';
    case 'EXPIRED':
      return 'expired';
    case 'REVOKING':
    case 'ENDED':
      return 'ended';
    case 'FAILED':
      return 'failed';
    case 'CANCELLED':
      return 'cancelled';
  }
}

/** One mrkdwn line saying what happened, with who decided and any comment or error. */
function outcomeLine(event: NotificationEvent, view: RequestView): string {
  const by = view.decidedBy ? ` by ${person(view.decidedBy)}` : '';
  const comment = view.decisionComment ? `\n>${escapeSlack(oneLine(view.decisionComment, 500))}` : '';
  const until = formatTime(view.expiresAt);
  switch (event) {
    case 'approval-requested':
    case 'submitted':
      return `:inbox_tray: Waiting for a decision${until ? ` (decide by ${until})` : ''}.`;
    case 'reminder':
      return `:alarm_clock: Still waiting for a decision${until ? `; the request expires at ${until}` : ''}.`;
    case 'escalated':
      return ':arrow_double_up: No decision yet, so the request was escalated to more approvers.';
    case 'approved':
      return `:white_check_mark: *Approved*${by}. Granting access…${comment}`;
    case 'granted':
      return `:white_check_mark: *Approved*${by}. Access is active${until ? ` until ${until}` : ''}.${comment}`;
    case 'denied':
      return `:no_entry: *Denied*${by}.${comment}`;
    case 'expired':
      return view.decidedBy
        ? ':hourglass: *Access ended*; the grant was removed.'
        : ':hourglass: *Expired*: no one decided in time. Nothing was changed.';
    case 'failed':
      return `:warning: *Approved*${by}, but the grant *failed*: ${escapeSlack(oneLine(view.failureReason ?? 'unknown error', 500))}`;
    case 'cancelled':
      return ':heavy_multiplication_x: *Cancelled*. Nothing was changed.';
    case 'expiry-warning':
      return `:hourglass_flowing_sand: Access ends${until ? ` at ${until}` : ' soon'}.`;
    case 'ended':
      return view.endReason === 'revoked'
        ? `:lock: *Access ended* early by ${person(view.endedBy ?? 'a person')}; the grant was removed.`
        : view.endReason === 'removed-outside'
          ? ':lock: *Access ended*: the grant was removed outside cachegate.'
          : ':lock: *Access ended*: its time ran out; the grant was removed.';
    case 'extension-requested':
      return `:hourglass: ${person(view.requester)} asks for ${escapeSlack(oneLine(String(view.extension?.durationMinutes ?? '?'), 10))} more minutes; approvers were emailed their links.`;
    case 'extension-approved':
      return `:white_check_mark: Extension approved; access now ends${until ? ` at ${until}` : ''}.`;
    case 'extension-denied':
      return ':no_entry: Extension denied; the end of access is unchanged.';
    case 'extension-expired':
    case 'extension-closed':
      return ':hourglass: Extension not decided in time; the end of access is unchanged.';
  }
}

function fallback(line: string, view: RequestView): string {
  // Notification text: the line without emoji codes, formatting or quoted comment.
  const plain = line.split('\n')[0]?.replace(/:[a-z_]+:\s*/g, '').replace(/\*/g, '') ?? '';
  return `${plain} (${escapeSlack(oneLine(view.requester, 80))}, ${escapeSlack(oneLine(view.id, 64))})`;
}

/** The approval message after a decision (or any later state): same information, outcome, no buttons. */
export function outcomeMessage(view: RequestView): SlackMessage {
  const line = outcomeLine(eventOfStatus(view), view);
  const who = escapeSlack(oneLine(view.requester, 80));
  return {
    text: fallback(line, view),
    blocks: [
      ...requestBlocks(view, `:lock: *${who}* asked for cache access.`, { deadline: false }),
      { type: 'section', block_id: 'outcome', text: { type: 'mrkdwn', text: line } },
      contextBlock(view),
    ],
  };
}

/** A reply in the approval message's thread: reminders, escalation and every later state change. */
export function threadReply(event: NotificationEvent, view: RequestView): SlackMessage {
  const line = outcomeLine(event, view);
  return { text: fallback(line, view), blocks: [{ type: 'section', block_id: 'update', text: { type: 'mrkdwn', text: line } }] };
}

/**
 * An approver's direct message: the approval message, plus a link button to that approver's own review
 * page (the same scanner-safe page as the email). A DM is private, so the personal link may go there; the
 * channel message never carries one.
 */
export function withReviewLink(message: SlackMessage, reviewUrl: string): SlackMessage {
  const url = safeHttpUrl(reviewUrl);
  if (!url) return message;
  return {
    text: message.text,
    blocks: [
      ...message.blocks,
      { type: 'actions', block_id: 'review', elements: [{ type: 'button', action_id: 'open-review-page', text: { type: 'plain_text', text: 'Open the review page' }, url }] },
    ],
  };
}
