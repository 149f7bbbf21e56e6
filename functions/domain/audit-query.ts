/** The auditors' filter (GET /audit/requests): status, target, requester and a time range, as a schema. */
import * as v from 'valibot';
import { ValidationError } from '../errors.js';
import { parseInput, unknownFields } from './field-problems.js';
import { Cursor, pageLimit, Status } from './list-query.js';
import type { RequestStatus } from './request-statuses.js';

const ISO_RULE = 'must be an ISO 8601 date or time, e.g. 2026-01-31 or 2026-01-31T12:00:00Z';
const isoTime = (readAs: (text: string) => string = (text) => text) =>
  v.pipe(
    v.string(),
    v.regex(/^\d{4}-\d{2}-\d{2}/, ISO_RULE),
    v.transform((text) => Date.parse(readAs(text))),
    v.check((time) => !Number.isNaN(time), ISO_RULE),
    v.transform((time) => new Date(time).toISOString()),
  );

/** GET /audit/requests: every filter optional (an empty one means none), times inclusive, `limit` default 50. */
export const auditQueryFields = {
  status: v.optional(Status),
  target: v.optional(v.pipe(v.string(), v.regex(/^[A-Za-z0-9-]{1,255}$/, 'must be a cluster, replication group or cache security group name'), v.toLowerCase())),
  requester: v.optional(v.pipe(v.string(), v.regex(/^[^@\s]+@[^@\s]+$/, 'must be an email address'), v.toLowerCase())),
  from: v.optional(isoTime()),
  // A bare date as `to` means the whole of that day.
  to: v.optional(isoTime((text) => (/^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T23:59:59.999Z` : text))),
  limit: pageLimit(50),
  cursor: v.optional(Cursor),
};
const auditQuery = v.object(auditQueryFields);

export type AuditQuery = v.InferOutput<typeof auditQuery> & { status?: RequestStatus };

export function parseAuditQuery(query: Record<string, string | undefined>): AuditQuery {
  // An empty filter box is no filter; an empty cursor is still a bad cursor.
  const given = Object.fromEntries(Object.entries(query).filter(([key, value]) => value !== '' || key === 'cursor'));
  const parsed = parseInput(auditQuery, given, unknownFields(given, auditQueryFields, 'is not a known filter'));
  if (parsed.from && parsed.to && parsed.from > parsed.to) throw new ValidationError([{ field: 'to', message: 'must not be before from' }]);
  return Object.fromEntries(Object.entries(parsed).filter(([, value]) => value !== undefined)) as AuditQuery;
}
