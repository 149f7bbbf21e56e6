/** Auditors read every request, filtered and paged; the web app builds its CSV export page by page. */
import { parseAuditQuery } from '../domain/audit-query.js';
import { ForbiddenError, ValidationError } from '../errors.js';
import { InvalidCursor, requestStore } from '../adapters/request-store.js';
import { approvalPolicy } from './approval-policy.js';
import { publicRequest } from './view-request.js';

export async function auditRequests(caller: string, rawQuery: Record<string, string | undefined>) {
  if (!approvalPolicy().auditors.includes(caller)) throw new ForbiddenError('Only auditors (the approval policy\'s "auditors") can read every request.');
  const query = parseAuditQuery(rawQuery);
  let page;
  try {
    page = await requestStore.audit(
      {
        ...(query.status ? { status: query.status } : {}),
        ...(query.requester ? { requester: query.requester } : {}),
        ...(query.target ? { policyKey: query.target } : {}),
        ...(query.from ? { from: query.from } : {}),
        ...(query.to ? { to: query.to } : {}),
      },
      { limit: query.limit, ...(query.cursor ? { cursor: query.cursor } : {}) },
    );
  } catch (error) {
    // A cursor that does not decode, or belongs to another filter's index.
    if (query.cursor && (error instanceof InvalidCursor || (error as Error).name === 'ValidationException')) {
      throw new ValidationError([{ field: 'cursor', message: 'is not a cursor this API returned for these filters' }]);
    }
    throw error;
  }
  return { items: page.items.map(publicRequest), ...(page.cursor ? { nextCursor: page.cursor } : {}) };
}
