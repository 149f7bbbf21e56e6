/** Pieces several pages share: a request's summary line, its status badge, a link to its page. */
import { el } from '../dom.js';
import { localTime } from '../time.js';
import type { AccessRequest } from '../types.js';

export function statusBadge(status: string): HTMLElement {
  return el('span', { class: `status status-${status}` }, status.replace(/_/g, ' '));
}

export function targetName(request: AccessRequest): string {
  const t = request.target;
  return (t.mode === 'vpc' ? t.replicationGroupId ?? t.cacheClusterId : t.cacheSecurityGroupName) ?? request.resolvedTarget;
}

export function pageLink(request: AccessRequest): string {
  return `/app/requests/${request.id}`;
}

export function requestCard(request: AccessRequest, ...extra: Node[]): HTMLLIElement {
  return el(
    'li',
    {},
    el('p', {}, el('a', { href: pageLink(request) }, targetName(request)), ' ', statusBadge(request.status)),
    el('p', { class: 'hint' }, `${request.requester} · ${localTime(request.createdAt)} · ${request.reason}`),
    ...extra,
  );
}
