/**
 * Audit (the policy's auditors): every request, filtered by status, target, requester and time, paged;
 * and a CSV of what the filters show, built in the browser one API page at a time (no Lambda ever holds
 * the whole export; the HTTP API cannot stream).
 */
import { api, ApiError, query } from '../api.js';
import { csvRow } from '../csv.js';
import { alertBox, el, show } from '../dom.js';
import { localTime } from '../time.js';
import { REQUEST_STATUSES } from '../../../functions/domain/request-statuses.js';
import type { AccessRequest, RequestPage } from '../types.js';
import { pageLink, statusBadge, targetName } from './common.js';

const FILTERS = ['status', 'target', 'requester', 'from', 'to'] as const;

/** The filters as the API takes them: the date range as the reader's own days, in UTC instants. */
function apiFilters(filters: Record<string, string>): Record<string, string> {
  const day = (date: string | undefined, time: string): string | undefined => (date ? new Date(`${date}T${time}`).toISOString() : undefined);
  const from = day(filters.from, '00:00:00.000');
  const to = day(filters.to, '23:59:59.999');
  return { ...filters, ...(from ? { from } : {}), ...(to ? { to } : {}) };
}

function filterForm(current: URLSearchParams, apply: (filters: Record<string, string>) => void): HTMLFormElement {
  const input = (name: string, label: string, type = 'text') =>
    el('div', {}, el('label', { for: `a-${name}` }, label), el('input', { id: `a-${name}`, name, type, value: current.get(name) ?? '' }));
  const status = el('select', { id: 'a-status', name: 'status' }, el('option', { value: '' }, 'any'), ...REQUEST_STATUSES.map((s) => el('option', { value: s, selected: current.get('status') === s }, s.replace(/_/g, ' '))));
  const form = el(
    'form',
    { class: 'filters', 'aria-label': 'Filters' },
    el('div', {}, el('label', { for: 'a-status' }, 'Status'), status),
    input('target', 'Target'),
    input('requester', 'Requester (email)'),
    input('from', 'From (date)', 'date'),
    input('to', 'To (date)', 'date'),
    el('div', {}, el('button', { class: 'primary', type: 'submit' }, 'Apply filters')),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const data = new FormData(form);
    apply(Object.fromEntries(FILTERS.map((name) => [name, String(data.get(name) ?? '').trim()]).filter(([, value]) => value !== '')));
  });
  return form;
}

function row(request: AccessRequest): HTMLTableRowElement {
  return el(
    'tr',
    {},
    el('td', {}, el('a', { href: pageLink(request) }, localTime(request.createdAt))),
    el('td', {}, request.requester),
    el('td', {}, targetName(request)),
    el('td', {}, statusBadge(request.status)),
    el('td', {}, request.decidedBy.join(', ')),
    el('td', {}, request.reason),
  );
}

const CSV_COLUMNS = ['id', 'createdAt', 'requester', 'target', 'access', 'status', 'decidedBy', 'reason', 'updatedAt'];

function csvLine(request: AccessRequest): string {
  return csvRow([request.id, request.createdAt, request.requester, targetName(request), request.resolvedTarget, request.status, request.decidedBy.join(' '), request.reason, request.updatedAt]);
}

async function exportCsv(filters: Record<string, string>, status: HTMLElement): Promise<void> {
  const parts: string[] = [csvRow(CSV_COLUMNS)];
  let cursor: string | undefined;
  let count = 0;
  do {
    const { body } = await api<RequestPage>('GET', `/audit/requests${query({ ...apiFilters(filters), limit: '100', cursor })}`);
    for (const request of body?.items ?? []) parts.push(csvLine(request));
    count += body?.items.length ?? 0;
    cursor = body?.nextCursor;
    status.textContent = `Exporting… ${count} requests`;
  } while (cursor);
  const link = el('a', { href: URL.createObjectURL(new Blob(parts, { type: 'text/csv' })), download: 'cachegate-requests.csv' });
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 60_000);
  status.textContent = `Exported ${count} requests to cachegate-requests.csv.`;
}

export async function auditPage(navigate: (path: string) => void): Promise<void> {
  const current = new URLSearchParams(location.search);
  const filters = Object.fromEntries(FILTERS.map((name) => [name, current.get(name) ?? '']).filter(([, value]) => value !== ''));
  const body = el('tbody');
  const more = el('div');
  const status = el('p', { role: 'status', class: 'note' });
  const loadPage = async (cursor?: string): Promise<void> => {
    const { body: page } = await api<RequestPage>('GET', `/audit/requests${query({ ...apiFilters(filters), limit: '25', cursor })}`);
    body.append(...(page?.items ?? []).map(row));
    if (body.childElementCount === 0) status.textContent = 'No request matches these filters.';
    more.replaceChildren(page?.nextCursor ? el('button', { type: 'button', onclick: () => void loadPage(page.nextCursor) }, 'Show more') : '');
  };
  show(
    'Audit',
    filterForm(current, (next) => navigate(`/app/audit${query(next)}`)),
    el('button', { type: 'button', onclick: () => void exportCsv(filters, status).catch((error: unknown) => status.replaceChildren(alertBox(String(error)))) }, 'Export CSV'),
    status,
    el('div', { class: 'table-wrap' }, el('table', {}, el('caption', { class: 'note' }, 'Requests, newest first'), el('thead', {}, el('tr', {}, ...['Asked', 'Requester', 'Target', 'Status', 'Decided by', 'Why'].map((h) => el('th', { scope: 'col' }, h)))), body)),
    more,
  );
  try {
    await loadPage();
  } catch (error) {
    status.replaceChildren(alertBox(error instanceof ApiError ? `${error.message} ${error.details.map((d) => `${d.field} ${d.message}`).join('; ')}` : String(error)));
  }
}
