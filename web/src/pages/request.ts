/**
 * A request's page (the `links.page` of the API, and the "view" link in emails and Slack): status,
 * approvals, a timeline in the reader's local time, and the buttons the reader may use. It polls with
 * If-None-Match while the request can still change, and stops at a final status or when left.
 */
import { api, ApiError } from '../api.js';
import { alertBox, el, show } from '../dom.js';
import { localTime, timeElement, timeLeft } from '../time.js';
import { isFinal } from '../../../functions/domain/request-statuses.js';
import type { AccessRequest } from '../types.js';
import { statusBadge, targetName } from './common.js';
import { decisionForm } from './decision-form.js';

const POLL_MS = 3000;
/** Access that is in place changes seldom (its end, an extension): a slower look. */
const ACTIVE_POLL_MS = 30_000;

function facts(request: AccessRequest): HTMLElement {
  const approvals = Object.values(request.approvals).filter((d) => d.decision === 'approve').length;
  const rows: [string, Node | string][] = [
    ['Status', statusBadge(request.status)],
    ['Requested by', request.requester],
    ['Access', request.resolvedTarget],
    ['Why', request.reason],
    ['Asked', localTime(request.createdAt)],
    ['Approvers', request.approvers.join(', ')],
    ['Approvals', `${approvals} of ${request.approvalsRequired}`],
  ];
  if (request.status === 'PENDING_APPROVAL') rows.push(['Decide by', `${localTime(request.approvalDeadline)} (${timeLeft(request.approvalDeadline)} left)`]);
  if (request.status === 'ACTIVE' && request.expiresAt) rows.push(['Access ends', `${localTime(request.expiresAt)} (${timeLeft(request.expiresAt)} left)`]);
  else if (request.endedAt) rows.push(['Access ended', localTime(request.endedAt)]);
  else rows.push(['Access lasts', `${request.durationMinutes} minutes from the grant`]);
  if (request.failureReason) rows.push(['Why it failed', request.failureReason]);
  return el('dl', { class: 'facts' }, ...rows.flatMap(([label, value]) => [el('dt', {}, label), el('dd', {}, value)]));
}

function timeline(request: AccessRequest): HTMLElement {
  return el(
    'ol',
    { class: 'timeline' },
    ...request.history.map((event) =>
      el('li', {}, timeElement(event.at), el('strong', {}, event.event), ` by ${event.actor}`, event.detail ? `: ${event.detail}` : '', event.status ? ` (${event.status.replace(/_/g, ' ')})` : ''),
    ),
  );
}

/** Ask for more time (POST /requests/{id}/extend): the approvers decide in a round of its own. */
function extendForm(request: AccessRequest, message: HTMLElement, refresh: () => void): HTMLFormElement {
  const form = el(
    'form',
    { 'aria-label': 'Ask for more time' },
    el('label', { for: 'x-durationMinutes' }, 'More time (minutes)'),
    el('input', { id: 'x-durationMinutes', name: 'durationMinutes', type: 'number', min: '1', value: String(request.durationMinutes), required: true }),
    el('label', { for: 'x-reason' }, 'Why?'),
    el('textarea', { id: 'x-reason', name: 'reason', maxlength: '999', required: true }),
    el('button', { type: 'submit' }, 'Ask for more time'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const data = new FormData(form);
    api('POST', `/requests/${request.id}/extend`, { json: { durationMinutes: Number(data.get('durationMinutes')), reason: String(data.get('reason') ?? '').trim() } })
      .then(() => {
        message.replaceChildren(el('p', { class: 'success', role: 'status' }, 'Asked: the approvers decide on the extension.'));
        refresh();
      })
      .catch((error: unknown) =>
        message.replaceChildren(alertBox(error instanceof ApiError ? `${error.message} ${error.details.map((d) => `${d.field} ${d.message}`).join('; ')}`.trim() : String(error))),
      );
  });
  return form;
}

function actions(request: AccessRequest, me: string, refresh: () => void): HTMLElement | undefined {
  const buttons: HTMLElement[] = [];
  const message = el('div', { 'aria-live': 'polite' });
  const post = (path: string, label: string) =>
    el('button', {
      type: 'button',
      onclick: (event: Event) => {
        (event.currentTarget as HTMLButtonElement).disabled = true;
        api('POST', `/requests/${request.id}/${path}`, { json: {} })
          .then(refresh)
          .catch((error: unknown) => message.replaceChildren(alertBox(error instanceof ApiError ? error.message : String(error))));
      },
    }, label);
  if (request.requester === me && request.status === 'PENDING_APPROVAL') buttons.push(post('cancel', 'Cancel this request'));
  if ((request.requester === me || request.approvers.includes(me)) && request.status === 'ACTIVE') buttons.push(post('revoke', 'End access now'));
  if (request.requester === me && request.status === 'ACTIVE') buttons.push(extendForm(request, message, refresh));
  const mayDecide = request.status === 'PENDING_APPROVAL' && request.requester !== me && request.approvers.includes(me) && !request.approvals[me];
  if (buttons.length === 0 && !mayDecide) return undefined;
  return el('section', { 'aria-labelledby': 'actions-title' }, el('h2', { id: 'actions-title' }, 'What you can do'), ...buttons, mayDecide ? decisionForm(request, refresh) : undefined, message);
}

export async function requestPage(id: string, me: string, isCurrent: () => boolean): Promise<void> {
  let etag: string | undefined;
  let request: AccessRequest | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const render = (): void => {
    if (!request) return;
    show(
      `${targetName(request)}: ${request.status.replace(/_/g, ' ').toLowerCase()}`,
      facts(request),
      actions(request, me, () => void load().finally(schedule)),
      el('h2', {}, 'Timeline'),
      timeline(request),
    );
  };
  const load = async (): Promise<void> => {
    const reply = await api<AccessRequest>('GET', `/requests/${encodeURIComponent(id)}`, etag ? { etag } : {});
    if (reply.status !== 304 && reply.body) {
      request = reply.body;
      etag = reply.etag ?? undefined;
      if (isCurrent()) render();
    }
  };
  // One timer: re-armed after every load (a poll, or an action's refresh), at the pace the status calls for.
  const schedule = (): void => {
    clearTimeout(timer);
    if (!isCurrent() || !request || isFinal(request.status)) return;
    timer = setTimeout(() => {
      if (isCurrent()) void load().catch(() => undefined).finally(schedule);
    }, request.status === 'ACTIVE' ? ACTIVE_POLL_MS : POLL_MS);
  };
  try {
    await load();
  } catch (error) {
    show('Request not found', alertBox(error instanceof ApiError ? error.message : String(error)));
    return;
  }
  schedule();
}
