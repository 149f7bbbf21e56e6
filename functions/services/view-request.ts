/** Reading requests: one with its history, or a page of them, only as far as the caller may see. */
import { REQUEST_STATUSES, type RequestStatus } from '../domain/access-request.js';
import { mayView, type AccessRequestRecord } from '../domain/request-lifecycle.js';
import { NotFoundError, ValidationError } from '../errors.js';
import { requestStore } from '../adapters/request-store.js';
import { requestUrl } from './request-url.js';

/** What the API shows of a request (the task token lives elsewhere and is never part of it). */
export function publicRequest(request: AccessRequestRecord) {
  return {
    id: request.id,
    status: request.status,
    requester: request.requester,
    target: request.target,
    resolvedTarget: request.resolved.summary,
    reason: request.reason,
    createdAt: request.createdAt,
    updatedAt: request.updatedAt,
    approvers: request.approvers,
    approvalsRequired: request.approvalsRequired,
    approvals: request.approvals,
    decidedBy: request.decidedBy,
    approvalDeadline: request.approvalDeadline,
    ...(request.failureReason ? { failureReason: request.failureReason } : {}),
    durationMinutes: request.durationMinutes,
    ...(request.activeSince ? { activeSince: request.activeSince } : {}),
    ...(request.expiresAt ? { expiresAt: request.expiresAt } : {}),
    ...(request.endedAt ? { endedAt: request.endedAt } : {}),
    ...(request.endReason ? { endReason: request.endReason, endedBy: request.endedBy } : {}),
    extensions: request.extensions,
    ...(request.grantChecks !== undefined ? { grantStatusChecks: request.grantChecks } : {}),
    history: request.history,
    links: { self: requestUrl(request.id) },
  };
}

export async function viewRequest(caller: string, id: string): Promise<AccessRequestRecord> {
  const request = /^[0-9a-f-]{36}$/.test(id) ? await requestStore.get(id) : undefined;
  // Not visible and not there look the same, so ids cannot be probed.
  if (!request || !mayView(request, caller)) throw new NotFoundError(`No request ${id} that you can see`);
  return request;
}

export interface ListQuery {
  status?: string;
  mine?: string;
  limit?: string;
  cursor?: string;
}

export async function listRequests(caller: string, query: ListQuery) {
  const problems = [];
  if (query.status !== undefined && !REQUEST_STATUSES.includes(query.status as RequestStatus)) {
    problems.push({ field: 'status', message: `must be one of ${REQUEST_STATUSES.join(', ')}` });
  }
  if (query.mine !== undefined && query.mine !== 'true' && query.mine !== 'false') problems.push({ field: 'mine', message: 'must be true or false' });
  const limit = query.limit === undefined ? 20 : Number(query.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) problems.push({ field: 'limit', message: 'must be a whole number from 1 to 100' });
  if (query.cursor !== undefined && !/^[A-Za-z0-9_-]{1,2048}$/.test(query.cursor)) problems.push({ field: 'cursor', message: 'is not a cursor this API returned' });
  if (problems.length > 0) throw new ValidationError(problems);

  const status = query.status as RequestStatus | undefined;
  // Without a status, or with mine=true, the list is the caller's own requests; with a status (and not
  // mine) it is every request in that status that the caller may see (approvers' queue).
  const mine = query.mine === 'true' || status === undefined;
  let page;
  try {
    page = await requestStore.list(mine ? { requester: caller } : { status: status as RequestStatus }, { limit, ...(query.cursor ? { cursor: query.cursor } : {}) });
  } catch (error) {
    if (query.cursor && (error as Error).name !== 'ResourceNotFoundException') throw new ValidationError([{ field: 'cursor', message: 'is not a cursor this API returned' }]);
    throw error;
  }
  const items = page.items.filter((request) => mayView(request, caller) && (status === undefined || request.status === status));
  return { items: items.map(publicRequest), ...(page.cursor ? { nextCursor: page.cursor } : {}) };
}
