/**
 * What every notification says, as data: `notificationContent` decides the words (who, what, why, what
 * happens next, the one link), and `renderEmail` turns them into a subject, a text part and an HTML part.
 * Every value is plain text until rendering; the HTML renderer escapes all of it, so no interpolated value
 * can become markup.
 *
 * Approval emails link to the approval page (a GET page with Approve/Deny form buttons: mail scanners open links, docs/email-facts.md);
 * no link in any email acts on its own.
 */
import { CachegateError } from '../errors.js';
import type { GrantTarget } from './access-request.js';
import type { RequestStatus } from './request-statuses.js';

export type NotificationEvent =
  | 'approval-requested'
  | 'submitted'
  | 'approved'
  | 'denied'
  | 'granted'
  | 'expired'
  | 'failed'
  | 'reminder'
  | 'escalated'
  | 'cancelled'
  | 'expiry-warning'
  | 'ended'
  | 'extension-requested'
  | 'extension-approved'
  | 'extension-denied'
  | 'extension-expired'
  | 'extension-closed';

/** The events sent to approvers with their personal approval link. */
export const APPROVER_LINK_EVENTS: readonly NotificationEvent[] = ['approval-requested', 'reminder', 'escalated', 'extension-requested'];

/** What the messages show of a request. Built by the caller from the stored request. */
export interface RequestView {
  id: string;
  requester: string;
  /** One line, e.g. describeTarget(target) or the grant driver's resolved summary. */
  targetSummary: string;
  /** When given, Slack shows the groups and owner as separate fields. */
  target?: GrantTarget;
  reason: string;
  durationMinutes?: number;
  status: RequestStatus;
  decidedBy?: string;
  decisionComment?: string;
  failureReason?: string;
  /** This approver's link to the approval page; only for approval-requested, reminder and escalated. */
  approvalUrl?: string;
  /** The request's page (read-only status). */
  requestUrl: string;
  /** ISO time the current step ends: the approval deadline while pending, the end of access once granted. */
  expiresAt?: string;
  /** Why access ended, and who ended it (ended). */
  endReason?: 'expired' | 'revoked' | 'removed-outside';
  endedBy?: string;
  /** The extension round a message is about (extension-*). */
  extension?: { id: string; durationMinutes: number; reason: string; deadline: string; decidedBy?: string; newExpiresAt?: string };
}

export interface NotificationContent {
  subject: string;
  /** One sentence: what happened. */
  headline: string;
  /** Who, what, why. */
  details: { label: string; value: string }[];
  /** What happens next, or what the reader should do. */
  next: string;
  /** The one link of the message. */
  action?: { label: string; url: string };
  footer?: string;
}

export interface EmailContent {
  subject: string;
  text: string;
  html: string;
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(value: string | number): string {
  return String(value).replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

/** The URL if it is an absolute http(s) URL, else undefined (never render `javascript:` and friends as links). */
export function safeHttpUrl(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? value : undefined;
  } catch {
    return undefined;
  }
}

/** Control characters (CR/LF included) become spaces; long values are cut with an ellipsis. */
export function oneLine(value: string, max = 80): string {
  // eslint-disable-next-line no-control-regex
  const flat = value.replace(/[\u0000-\u001f\u007f]+/g, ' ').replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

export function formatDuration(minutes: number | undefined): string | undefined {
  if (minutes === undefined) return undefined;
  if (minutes % 1440 === 0) return plural(minutes / 1440, 'day');
  if (minutes % 60 === 0) return plural(minutes / 60, 'hour');
  if (minutes > 60) return `${plural(Math.floor(minutes / 60), 'hour')} ${plural(minutes % 60, 'minute')}`;
  return plural(minutes, 'minute');
}

/** `2026-11-28T14:05:09Z` → `2026-11-28 14:05 UTC`; anything unparseable is shown as given. */
export function formatTime(iso: string | undefined): string | undefined {
  if (iso === undefined) return undefined;
  const time = new Date(iso);
  if (Number.isNaN(time.getTime())) return iso;
  return `${time.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

function plural(n: number, unit: string): string {
  return `${n} ${unit}${n === 1 ? '' : 's'}`;
}

/** Which way the decision went, for messages about a decided request. */
export function decisionOf(view: RequestView): 'approved' | 'denied' {
  return view.status === 'DENIED' ? 'denied' : 'approved';
}

function requestDetails(view: RequestView, { deadline }: { deadline: boolean }): NotificationContent['details'] {
  const details = [
    { label: 'Request', value: view.id },
    { label: 'Requester', value: view.requester },
    { label: 'Access', value: view.targetSummary },
    { label: 'Reason', value: view.reason },
  ];
  const duration = formatDuration(view.durationMinutes);
  if (duration) details.push({ label: 'Duration', value: duration });
  const expires = formatTime(view.expiresAt);
  if (deadline && expires) details.push({ label: 'Decide by', value: expires });
  return details;
}

function withDecision(details: NotificationContent['details'], view: RequestView): NotificationContent['details'] {
  const out = [...details];
  if (view.decidedBy) out.push({ label: decisionOf(view) === 'denied' ? 'Denied by' : 'Approved by', value: view.decidedBy });
  if (view.decisionComment) out.push({ label: 'Comment', value: view.decisionComment });
  return out;
}

function approverLink(event: NotificationEvent, view: RequestView): { label: string; url: string } {
  const url = safeHttpUrl(view.approvalUrl);
  if (!url) throw new CachegateError(`A "${event}" notification needs the approver's approval page URL`);
  return { label: 'Review and decide', url };
}

function requestLink(view: RequestView, label = 'View the request'): NotificationContent['action'] {
  const url = safeHttpUrl(view.requestUrl);
  return url ? { label, url } : undefined;
}

/** The words of one notification for one recipient (an email address). */
export function notificationContent(event: NotificationEvent, view: RequestView, recipient: string): NotificationContent {
  const id = oneLine(view.id, 64);
  const who = oneLine(view.requester, 60);
  const what = view.targetSummary;
  const approverFooter = `This link is for ${recipient} only; please do not forward it. Opening it changes nothing until you press Approve or Deny on the page.`;
  const deadline = formatTime(view.expiresAt);
  // Outcomes go to the requester and the approvers; each reads what it means for them.
  const toRequester = recipient.toLowerCase() === view.requester.toLowerCase();
  const noActionForApprover = 'No action is needed from you.';

  switch (event) {
    case 'approval-requested':
      return {
        subject: `Approval needed: cache access for ${who} (${id})`,
        headline: `${view.requester} is asking for access: ${what}.`,
        details: requestDetails(view, { deadline: true }),
        next: `Open the request page to approve or deny it.${deadline ? ` If no one decides by ${deadline}, the request expires.` : ''}`,
        action: approverLink(event, view),
        footer: approverFooter,
      };
    case 'reminder':
      return {
        subject: `Reminder: approval still needed for ${id}`,
        headline: `${view.requester}'s request for access is still waiting for a decision: ${what}.`,
        details: requestDetails(view, { deadline: true }),
        next: `Open the request page to approve or deny it.${deadline ? ` It expires at ${deadline}.` : ''}`,
        action: approverLink(event, view),
        footer: approverFooter,
      };
    case 'escalated':
      return {
        subject: `Escalated: approval needed for ${id}`,
        headline: `No one has decided on ${view.requester}'s request yet, so it has been escalated to you: ${what}.`,
        details: requestDetails(view, { deadline: true }),
        next: `Open the request page to approve or deny it.${deadline ? ` It expires at ${deadline}.` : ''}`,
        action: approverLink(event, view),
        footer: approverFooter,
      };
    case 'submitted':
      return {
        subject: `Submitted: your cache access request ${id}`,
        headline: `Your request has been sent to the approvers: ${what}.`,
        details: requestDetails(view, { deadline: true }),
        next: `You will get an email when someone approves or denies it.${deadline ? ` If no one decides by ${deadline}, it expires.` : ''}`,
        action: requestLink(view, 'View your request'),
      };
    case 'approved':
      return {
        subject: `Approved: your cache access request ${id}`,
        headline: `${view.decidedBy ?? 'An approver'} approved your request: ${what}.`,
        details: withDecision(requestDetails(view, { deadline: false }), view),
        next: 'Access is being granted now. You will get another email when it is active.',
        action: requestLink(view, 'View your request'),
      };
    case 'denied':
      return {
        subject: toRequester ? `Denied: your cache access request ${id}` : `Denied: ${who}'s cache access request ${id}`,
        headline: `${view.decidedBy ?? 'An approver'} denied ${toRequester ? 'your' : `${view.requester}'s`} request: ${what}.`,
        details: withDecision(requestDetails(view, { deadline: false }), view),
        next: toRequester ? 'Nothing was changed. If you still need access, submit a new request with more detail.' : `Nothing was changed. ${noActionForApprover}`,
        action: toRequester ? requestLink(view, 'View your request') : requestLink(view),
      };
    case 'granted': {
      const duration = formatDuration(view.durationMinutes);
      const until = deadline ? `Access ends at ${deadline}.` : duration ? `Access ends after ${duration}.` : 'This access has no end time.';
      return {
        subject: `Access granted: ${id}`,
        headline: toRequester ? `Your access is now active: ${what}.` : `${view.requester}'s access is now active: ${what}.`,
        details: withDecision(requestDetails(view, { deadline: false }), view),
        next: toRequester ? `It can take about a minute to take effect. ${until}` : `${until} ${noActionForApprover}`,
        action: toRequester ? requestLink(view, 'View your request') : requestLink(view),
      };
    }
    case 'expired':
      // Expired after an approval: the access window ended. Without one: nobody decided in time.
      return view.decidedBy
        ? {
            subject: `Access ended: ${id}`,
            headline: `The access granted ${toRequester ? '' : `to ${view.requester} `}by request ${view.id} has ended and was removed: ${what}.`,
            details: withDecision(requestDetails(view, { deadline: false }), view),
            next: toRequester ? 'If you need access again, submit a new request.' : noActionForApprover,
            action: requestLink(view),
          }
        : {
            subject: `Expired: cache access request ${id}`,
            headline: `No one decided on ${view.requester}'s request in time, so it expired: ${what}.`,
            details: requestDetails(view, { deadline: false }),
            next: `Nothing was changed. Approval links for it no longer work. ${toRequester ? 'Submit a new request if access is still needed.' : noActionForApprover}`,
            action: requestLink(view),
          };
    case 'failed':
      return {
        subject: `Failed: cache access request ${id}`,
        headline: `The request was approved, but access could not be granted: ${what}.`,
        details: [...withDecision(requestDetails(view, { deadline: false }), view), { label: 'Error', value: view.failureReason ?? 'unknown' }],
        next: toRequester
          ? 'Check the error above. If it does not explain itself, ask the platform team, who have the details in the logs.'
          : `Nothing was granted, and ${view.requester} was told. The platform team has the details in the logs. ${noActionForApprover}`,
        action: requestLink(view),
      };
    case 'expiry-warning':
      return {
        subject: `Ending soon: your cache access ${id}`,
        headline: `Your access ends at ${deadline ?? 'its end time'}: ${what}.`,
        details: requestDetails(view, { deadline: false }),
        next: 'If you still need it, ask for more time from the request page (POST /requests/{id}/extend); the approvers decide as before. Otherwise nothing to do: it is removed by itself.',
        action: requestLink(view, 'View your request'),
      };
    case 'ended': {
      const how =
        view.endReason === 'revoked'
          ? `ended early by ${view.endedBy ?? 'a person'}`
          : view.endReason === 'removed-outside'
            ? 'found removed outside cachegate'
            : 'ended: its time ran out';
      return {
        subject: `Access ended: ${id}`,
        headline: `The access ${how}, and cachegate verified it is gone: ${what}.`,
        details: requestDetails(view, { deadline: false }),
        next: 'If you need access again, submit a new request.',
        action: requestLink(view),
      };
    }
    case 'extension-requested': {
      const extension = view.extension;
      return {
        subject: `Approval needed: more time for ${who} (${id})`,
        headline: `${view.requester} asks to extend their access by ${formatDuration(extension?.durationMinutes) ?? 'some time'}: ${what}.`,
        details: [...requestDetails(view, { deadline: false }), { label: 'Why more time', value: extension?.reason ?? '' }, { label: 'Access ends', value: deadline ?? 'unknown' }],
        next: `Open the page to approve or deny the extension.${extension ? ` If no one decides by ${formatTime(extension.deadline) ?? extension.deadline}, nothing changes.` : ''}`,
        action: approverLink(event, view),
        footer: approverFooter,
      };
    }
    case 'extension-approved':
      return {
        subject: `Extended: your cache access ${id}`,
        headline: `${view.extension?.decidedBy ?? 'An approver'} approved more time: your access now ends at ${formatTime(view.extension?.newExpiresAt) ?? deadline ?? 'its new end'}.`,
        details: requestDetails(view, { deadline: false }),
        next: 'Nothing else to do.',
        action: requestLink(view, 'View your request'),
      };
    case 'extension-denied':
      return {
        subject: `Extension denied: ${id}`,
        headline: `${view.extension?.decidedBy ?? 'An approver'} denied more time. Your access still ends at ${deadline ?? 'its end time'}.`,
        details: requestDetails(view, { deadline: false }),
        next: 'Nothing changed.',
        action: requestLink(view, 'View your request'),
      };
    case 'extension-expired':
    case 'extension-closed':
      return {
        subject: `Extension not decided: ${id}`,
        headline:
          event === 'extension-expired'
            ? `No one decided on your extension in time. Your access still ends at ${deadline ?? 'its end time'}.`
            : 'Your access ended before anyone decided on your extension, so the extension was closed.',
        details: requestDetails(view, { deadline: false }),
        next: 'Nothing changed.',
        action: requestLink(view, 'View your request'),
      };
    case 'cancelled':
      return {
        subject: `Cancelled: cache access request ${id}`,
        headline: `${view.requester}'s request was cancelled: ${what}.`,
        details: requestDetails(view, { deadline: false }),
        next: 'Nothing was changed and no action is needed. Approval links for it no longer work.',
        action: requestLink(view),
      };
  }
}

/** Subject, text part and HTML part of one notification email. */
export function renderEmail(event: NotificationEvent, view: RequestView, recipient: string): EmailContent {
  const content = notificationContent(event, view, recipient);
  return { subject: oneLine(content.subject, 150), text: renderText(content), html: renderHtml(content) };
}

function renderText(content: NotificationContent): string {
  const width = Math.max(...content.details.map((d) => d.label.length)) + 1;
  const lines = [content.headline, ''];
  for (const { label, value } of content.details) {
    lines.push(`  ${`${label}:`.padEnd(width + 1)} ${value.replace(/\r?\n/g, `\n  ${' '.repeat(width + 2)}`)}`);
  }
  lines.push('', content.next);
  if (content.action) lines.push('', `${content.action.label}: ${content.action.url}`);
  if (content.footer) lines.push('', '-- ', content.footer);
  return `${lines.join('\n')}\n`;
}

/** Escapes, then keeps the line breaks people typed. */
function htmlText(value: string): string {
  return escapeHtml(value).replace(/\r?\n/g, '<br>');
}

function renderHtml(content: NotificationContent): string {
  const rows = content.details
    .map(({ label, value }) => `<tr><th align="left" valign="top" style="padding:2px 12px 2px 0">${htmlText(label)}</th><td style="padding:2px 0">${htmlText(value)}</td></tr>`)
    .join('\n');
  const action = content.action
    ? `<p><a href="${escapeHtml(content.action.url)}" style="display:inline-block;padding:8px 16px;background:#1d4ed8;color:#ffffff;text-decoration:none;border-radius:4px">${htmlText(content.action.label)}</a></p>\n<p style="font-size:12px;color:#555">Or open: ${escapeHtml(content.action.url)}</p>`
    : '';
  const footer = content.footer ? `<p style="font-size:12px;color:#555">${htmlText(content.footer)}</p>` : '';
  return [
    '<!doctype html>',
    '<html><head><meta charset="utf-8"><title>' + htmlText(content.subject) + '</title></head>',
    '<body style="font-family:Arial,Helvetica,sans-serif;font-size:14px;color:#222">',
    `<p>${htmlText(content.headline)}</p>`,
    `<table style="border-collapse:collapse;font-size:14px">\n${rows}\n</table>`,
    `<p>${htmlText(content.next)}</p>`,
    action,
    footer,
    '</body></html>',
  ]
    .filter(Boolean)
    .join('\n');
}
