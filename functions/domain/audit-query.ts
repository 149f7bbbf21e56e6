/** The auditors' filter: status, target, requester and a time range, validated field by field. */
import { ValidationError, type FieldProblem } from '../errors.js';
import { REQUEST_STATUSES, type RequestStatus } from './access-request.js';

export interface AuditQuery {
  status?: RequestStatus;
  target?: string;
  requester?: string;
  /** ISO times, inclusive. */
  from?: string;
  to?: string;
  limit: number;
  cursor?: string;
}

const KNOWN = new Set(['status', 'target', 'requester', 'from', 'to', 'limit', 'cursor']);

function isoTime(value: string | undefined, field: string, problems: FieldProblem[]): string | undefined {
  if (value === undefined || value === '') return undefined;
  const time = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(time)) {
    problems.push({ field, message: 'must be an ISO 8601 date or time, e.g. 2026-01-31 or 2026-01-31T12:00:00Z' });
    return undefined;
  }
  return new Date(time).toISOString();
}

export function parseAuditQuery(query: Record<string, string | undefined>): AuditQuery {
  const problems: FieldProblem[] = [];
  for (const key of Object.keys(query)) if (!KNOWN.has(key)) problems.push({ field: key, message: 'is not a known filter' });
  const { status, target, requester, limit: rawLimit, cursor } = query;
  if (status && !REQUEST_STATUSES.includes(status as RequestStatus)) problems.push({ field: 'status', message: `must be one of ${REQUEST_STATUSES.join(', ')}` });
  if (target && !/^[A-Za-z0-9-]{1,255}$/.test(target)) problems.push({ field: 'target', message: 'must be a cluster, replication group or cache security group name' });
  if (requester && !/^[^@\s]+@[^@\s]+$/.test(requester)) problems.push({ field: 'requester', message: 'must be an email address' });
  const from = isoTime(query.from, 'from', problems);
  // A bare date as `to` means the whole of that day.
  const to = isoTime(query.to && /^\d{4}-\d{2}-\d{2}$/.test(query.to) ? `${query.to}T23:59:59.999Z` : query.to, 'to', problems);
  if (from && to && from > to) problems.push({ field: 'to', message: 'must not be before from' });
  const limit = rawLimit === undefined || rawLimit === '' ? 50 : Number(rawLimit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) problems.push({ field: 'limit', message: 'must be a whole number from 1 to 100' });
  if (cursor !== undefined && !/^[A-Za-z0-9_-]{1,2048}$/.test(cursor)) problems.push({ field: 'cursor', message: 'is not a cursor this API returned' });
  if (problems.length > 0) throw new ValidationError(problems);
  return {
    ...(status ? { status: status as RequestStatus } : {}),
    ...(target ? { target: target.toLowerCase() } : {}),
    ...(requester ? { requester: requester.toLowerCase() } : {}),
    ...(from ? { from } : {}),
    ...(to ? { to } : {}),
    limit,
    ...(cursor ? { cursor } : {}),
  };
}
