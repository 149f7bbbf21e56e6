/**
 * The query string of GET /requests (a requester's list, an approver's queue) as a schema, and the parts
 * the auditors' filter shares (audit-query.ts). API Gateway hands each parameter over as one string.
 */
import * as v from 'valibot';
import { parseInput } from './field-problems.js';
import { REQUEST_STATUSES } from './request-statuses.js';

export const Status = v.picklist(REQUEST_STATUSES, `must be one of ${REQUEST_STATUSES.join(', ')}`);
/** A page's cursor as the API hands it out (base64url); whether it belongs to this list is the store's check. */
export const Cursor = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{1,2048}$/, 'is not a cursor this API returned'));

const LIMIT_RULE = 'must be a whole number from 1 to 100';
export const pageLimit = (fallback: number) =>
  v.optional(v.pipe(v.string(), v.transform(Number), v.integer(LIMIT_RULE), v.minValue(1, LIMIT_RULE), v.maxValue(100, LIMIT_RULE)), String(fallback));

/** GET /requests: `status`, `mine`, `limit` (default 20), `cursor`. Other parameters are ignored. */
export const listQueryFields = {
  status: v.optional(Status),
  mine: v.optional(v.picklist(['true', 'false'], 'must be true or false')),
  limit: pageLimit(20),
  cursor: v.optional(Cursor),
};
const listQuery = v.object(listQueryFields);

export function parseListQuery(query: Record<string, string | undefined>): v.InferOutput<typeof listQuery> {
  return parseInput(listQuery, query);
}

