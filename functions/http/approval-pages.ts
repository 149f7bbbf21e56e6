/** The approval pages: what a person sees after opening a link. Every value is escaped. */
import { describeTarget } from '../domain/access-request.js';
import { escapeHtml } from '../domain/notification-messages.js';
import type { AccessRequestRecord, ExtensionRound } from '../domain/request-lifecycle.js';
import type { HttpError } from '../errors.js';
import type { HttpEvent } from './middleware.js';
import { wantsJson } from './request-input.js';

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · cachegate</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:42rem;margin:2rem auto;padding:0 1rem;color:#1f2328}
dt{font-weight:600}dd{margin:0 0 .6rem}button{font-size:1rem;padding:.5rem 1.4rem;margin-right:.6rem;border:0;border-radius:6px;color:#fff;cursor:pointer}
.approve{background:#1a7f37}.deny{background:#cf222e}textarea{width:100%;min-height:4rem}.note{color:#59636e}</style>
</head><body><h1>${escapeHtml(title)}</h1>
${body}
</body></html>`;
}

function details(request: AccessRequestRecord, round?: ExtensionRound): string {
  if (round) {
    const rows: [string, string][] = [
      ['Requested by', request.requester],
      ['Access', describeTarget(request.target)],
      ['Where', request.resolved.summary],
      ['More time asked', `${round.durationMinutes} minutes`],
      ['Why', round.reason],
      ['Access ends now at', request.expiresAt ?? 'unknown'],
      ['Approvals needed', `${round.approvalsRequired} (so far ${Object.values(round.approvals).filter((d) => d.decision === 'approve').length})`],
      ['Decide by', round.deadline],
    ];
    return `<dl>${rows.map(([label, value]) => `<dt>${escapeHtml(label)}</dt><dd>${escapeHtml(value)}</dd>`).join('')}</dl>`;
  }
  const rows: [string, string][] = [
    ['Requested by', request.requester],
    ['Access', describeTarget(request.target)],
    ['Where', request.resolved.summary],
    ['Why', request.reason],
    ['Requested at', request.createdAt],
    ['Approvals needed', `${request.approvalsRequired} (so far ${Object.values(request.approvals).filter((d) => d.decision === 'approve').length})`],
    ['Decide by', request.approvalDeadline],
  ];
  return `<dl>${rows.map(([label, value]) => `<dt>${escapeHtml(label)}</dt><dd>${escapeHtml(value)}</dd>`).join('')}</dl>`;
}

/** GET: the request and two buttons. The form posts back to the same link; opening it changes nothing. */
export function reviewPage(request: AccessRequestRecord, approver: string, round?: ExtensionRound): string {
  return page(
    round ? 'Approve more time?' : 'Approve cache access?',
    `${details(request, round)}
<form method="post">
<p><label for="comment">Comment (optional)</label><br><textarea id="comment" name="comment" maxlength="500"></textarea></p>
<button class="approve" type="submit" name="decision" value="approve">Approve</button>
<button class="deny" type="submit" name="decision" value="deny">Deny</button>
</form>
<p class="note">You are deciding as ${escapeHtml(approver)}. This link works once.</p>`,
  );
}

export function decisionPage(request: AccessRequestRecord, outcome: 'recorded' | 'approved' | 'denied', approver: string, round?: ExtensionRound): string {
  const what = round ? 'Extension' : 'Request';
  const title = outcome === 'denied' ? `${what} denied` : outcome === 'approved' ? `${what} approved` : 'Approval recorded';
  const next =
    round && outcome === 'approved'
      ? `The access now ends at ${request.expiresAt ?? 'its new end'}; the requester will be told.`
      : outcome === 'approved'
      ? 'cachegate is granting the access now; the requester will hear when it is in place.'
      : outcome === 'denied'
        ? 'The requester will be told.'
        : `More approvals are needed (${request.approvalsRequired} in all).`;
  return page(title, `${details(request, round && request.extensions.find((r) => r.id === round.id))}<p>Thank you, ${escapeHtml(approver)}. ${escapeHtml(next)}</p>`);
}

/** The page for a link that cannot be used (JSON instead when the caller asked for JSON). */
export function linkErrorPage(error: HttpError, event: HttpEvent): string | undefined {
  if (wantsJson(event)) return undefined;
  const titles: Record<number, string> = { 403: 'This link cannot be used', 404: 'Not found', 409: 'Already decided', 410: 'This link has expired' };
  return page(titles[error.statusCode] ?? 'Something is wrong with this request', `<p>${escapeHtml(error.message)}</p>`);
}
