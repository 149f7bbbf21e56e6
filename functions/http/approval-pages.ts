/** The approval pages: what a person sees after opening a link. Every value is escaped. */
import { describeTarget } from '../domain/access-request.js';
import { escapeHtml, formatDuration, formatTime } from '../domain/notification-messages.js';
import type { AccessRequestRecord, ExtensionRound } from '../domain/request-lifecycle.js';
import type { HttpError } from '../errors.js';
import type { HttpEvent } from './middleware.js';
import { wantsJson } from './request-input.js';

/**
 * The web app's look (web/app.css: palette, header, facts grid), inlined: these pages run no script and
 * load nothing (their CSP allows inline style only), so a time is shown in UTC with how far away it is,
 * which reads right in every time zone.
 */
const STYLE = `*{box-sizing:border-box}body{font:16px/1.5 system-ui,sans-serif;margin:0;color:#1f2328}
header{padding:.75rem 1rem;border-bottom:1px solid #d1d9e0;background:#f6f8fa;font-weight:700;font-size:1.2rem}
main{max-width:42rem;margin:0 auto;padding:1rem}h1{font-size:1.6rem;margin:.5rem 0 1rem}
dl{display:grid;grid-template-columns:minmax(8rem,max-content) 1fr;gap:.25rem 1rem}dt{font-weight:600}dd{margin:0;overflow-wrap:anywhere}
label{display:block;font-weight:600;margin:.75rem 0 .25rem}textarea{font:inherit;width:100%;min-height:4.5rem;padding:.4rem .5rem;border:1px solid #59636e;border-radius:6px}
button{font:inherit;padding:.5rem 1.4rem;margin:.5rem .6rem .25rem 0;border:0;border-radius:6px;color:#fff;cursor:pointer}
button:focus-visible,textarea:focus-visible{outline:3px solid #0a58ca;outline-offset:2px}
.approve{background:#1a7f37}.deny{background:#cf222e}.note{color:#59636e}
@media (max-width:30rem){dl{grid-template-columns:1fr}dd{margin-bottom:.5rem}}`;

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · cachegate</title>
<style>${STYLE}</style>
</head><body><header>cachegate</header><main><h1>${escapeHtml(title)}</h1>
${body}
</main></body></html>`;
}

/** "2026-11-28 14:05 UTC (in 3 h 5 min)", "(12 min ago)" or "(just now)". */
export function whenFromNow(iso: string, now: Date): string {
  const minutes = Math.round((Date.parse(iso) - now.getTime()) / 60_000);
  if (minutes === 0) return `${formatTime(iso) ?? iso} (just now)`;
  const span = Math.abs(minutes) >= 60 ? `${Math.floor(Math.abs(minutes) / 60)} h ${Math.abs(minutes) % 60} min` : `${Math.abs(minutes)} min`;
  return `${formatTime(iso) ?? iso} (${minutes >= 0 ? `in ${span}` : `${span} ago`})`;
}

const table = (rows: [string, string][]): string => `<dl>${rows.map(([label, value]) => `<dt>${escapeHtml(label)}</dt><dd>${escapeHtml(value)}</dd>`).join('')}</dl>`;

function details(request: AccessRequestRecord, now: Date, round?: ExtensionRound): string {
  if (round) {
    return table([
      ['Requested by', request.requester],
      ['Access', describeTarget(request.target)],
      ['Where', request.resolved.summary],
      ['More time asked', formatDuration(round.durationMinutes) ?? `${round.durationMinutes} minutes`],
      ['Why', round.reason],
      ['Access ends now at', request.expiresAt ? whenFromNow(request.expiresAt, now) : 'unknown'],
      ['Approvals needed', `${round.approvalsRequired} (so far ${Object.values(round.approvals).filter((d) => d.decision === 'approve').length})`],
      ['Decide by', whenFromNow(round.deadline, now)],
    ]);
  }
  const rows: [string, string][] = [
    ['Requested by', request.requester],
    ['Access', describeTarget(request.target)],
    ['Where', request.resolved.summary],
    ['Why', request.reason],
    ['Access lasts', `${formatDuration(request.durationMinutes) ?? `${request.durationMinutes} minutes`} from the grant`],
    ['Requested', whenFromNow(request.createdAt, now)],
    ['Approvals needed', `${request.approvalsRequired} (so far ${Object.values(request.approvals).filter((d) => d.decision === 'approve').length})`],
    ['Decide by', whenFromNow(request.approvalDeadline, now)],
  ];
  return table(rows);
}

/** GET: the request and two buttons. The form posts back to the same link; opening it changes nothing. */
export function reviewPage(request: AccessRequestRecord, approver: string, round?: ExtensionRound, now = new Date()): string {
  return page(
    round ? 'Approve more time?' : 'Approve cache access?',
    `${details(request, now, round)}
<form method="post">
<label for="comment">Comment (optional)</label><textarea id="comment" name="comment" maxlength="500"></textarea>
<button class="approve" type="submit" name="decision" value="approve">Approve</button>
<button class="deny" type="submit" name="decision" value="deny">Deny</button>
</form>
<p class="note">You are deciding as ${escapeHtml(approver)}. This link works once.</p>`,
  );
}

export function decisionPage(request: AccessRequestRecord, outcome: 'recorded' | 'approved' | 'denied', approver: string, round?: ExtensionRound, now = new Date()): string {
  const what = round ? 'Extension' : 'Request';
  const title = outcome === 'denied' ? `${what} denied` : outcome === 'approved' ? `${what} approved` : 'Approval recorded';
  const next =
    round && outcome === 'approved'
      ? `The access now ends at ${request.expiresAt ? whenFromNow(request.expiresAt, now) : 'its new end'}; the requester will be told.`
      : outcome === 'approved'
      ? 'cachegate is granting the access now; the requester will hear when it is in place.'
      : outcome === 'denied'
        ? 'The requester will be told.'
        : `More approvals are needed (${request.approvalsRequired} in all).`;
  return page(title, `${details(request, now, round && request.extensions.find((r) => r.id === round.id))}<p>Thank you, ${escapeHtml(approver)}. ${escapeHtml(next)}</p>`);
}

/** The page for a link that cannot be used (JSON instead when the caller asked for JSON). */
export function linkErrorPage(error: HttpError, event: HttpEvent): string | undefined {
  if (wantsJson(event)) return undefined;
  const titles: Record<number, string> = { 403: 'This link cannot be used', 404: 'Not found', 409: 'Already decided', 410: 'This link has expired' };
  return page(titles[error.statusCode] ?? 'Something is wrong with this request', `<p>${escapeHtml(error.message)}</p>`);
}
