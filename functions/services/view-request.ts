/** Reading requests: one with its history, or a page of them, only as far as the caller may see. */
import * as v from 'valibot';
import { RequestId } from '../domain/access-request.js';
import { inApproversQueue } from '../domain/approvers-queue.js';
import { parseListQuery } from '../domain/list-query.js';
import { mayView, type AccessRequestRecord } from '../domain/request-lifecycle.js';
import type { RequestStatus } from '../domain/request-statuses.js';
import { NotFoundError, ValidationError } from '../errors.js';
import { InvalidCursor, requestStore, type ListQuery as IndexQuery } from '../adapters/request-store.js';
import { approvalPolicy } from './approval-policy.js';
import { requestApiUrl, requestUrl } from './request-url.js';

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
    links: { self: requestApiUrl(request.id), page: requestUrl(request.id) },
  };
}

/** Auditors (the policy's `auditors`) may read every request. */
export function isAuditor(caller: string): boolean {
  return approvalPolicy().auditors.includes(caller);
}

/** The request, if the caller may see it (its requester or approvers); 404 otherwise, for acting on it. */
export async function viewRequest(caller: string, id: string): Promise<AccessRequestRecord> {
  const request = v.is(RequestId, id) ? await requestStore.get(id) : undefined;
  // Not visible and not there look the same, so ids cannot be probed.
  if (!request || !mayView(request, caller)) throw new NotFoundError(`No request ${id} that you can see`);
  return request;
}

/** The request for reading (GET /requests/{id}): auditors may read every one. */
export async function readRequest(caller: string, id: string): Promise<AccessRequestRecord> {
  const request = v.is(RequestId, id) ? await requestStore.get(id) : undefined;
  if (!request || !(mayView(request, caller) || isAuditor(caller))) throw new NotFoundError(`No request ${id} that you can see`);
  return request;
}

export async function listRequests(caller: string, rawQuery: Record<string, string | undefined>) {
  const { status, mine: mineAsked, limit, cursor } = parseListQuery(rawQuery);
  // Without a status, or with mine=true, the list is the caller's own requests; with a status (and not
  // mine) it is the approvers' queue: the requests in that status the caller is asked to decide on.
  const mine = mineAsked === 'true' || status === undefined;
  const keep = mine
    ? (request: AccessRequestRecord) => status === undefined || request.status === status
    : (request: AccessRequestRecord) => request.status === status && inApproversQueue(request, caller);
  try {
    // Unfiltered, limit + 1 reads tell whether another page exists; filtered, each query reads wider.
    const readSize = mine && status === undefined ? limit + 1 : Math.max(limit + 1, FILTERED_READ_SIZE);
    return await filledPage(mine ? { requester: caller } : { status: status as RequestStatus }, keep, { limit, readSize, cursor });
  } catch (error) {
    if (error instanceof InvalidCursor) throw new ValidationError([{ field: 'cursor', message: 'is not a cursor this API returned for this list' }]);
    throw error;
  }
}

/** At most this many index queries per call: what one page may cost is bounded, however sparse the matches. */
export const MAX_QUERIES_PER_PAGE = 5;
/** Requests read per query when filtering (the queue skips what the caller may not decide on). */
const FILTERED_READ_SIZE = 100;

/**
 * A page of `limit` requests that `keep` accepts, newest first: full unless fewer exist. It reads on
 * until it has found one more than `limit` (so it knows whether another page exists: the last page has no
 * nextCursor), or the index ends, or it has made MAX_QUERIES_PER_PAGE queries; then the page may be
 * shorter, with a nextCursor that resumes after everything read.
 */
async function filledPage(
  list: IndexQuery,
  keep: (request: AccessRequestRecord) => boolean,
  { limit, readSize, cursor }: { limit: number; readSize: number; cursor: string | undefined },
) {
  const found: AccessRequestRecord[] = [];
  let resumeAt = cursor;
  let afterLastFound: string | undefined;
  for (let queries = 0; queries < MAX_QUERIES_PER_PAGE; queries++) {
    const page = await requestStore.list(list, { limit: readSize, ...(resumeAt ? { cursor: resumeAt } : {}) });
    for (const [position, request] of page.items.entries()) {
      if (!keep(request)) continue;
      if (found.length === limit) return { items: found.map(publicRequest), nextCursor: afterLastFound as string };
      found.push(request);
      afterLastFound = page.cursorAfter(position);
    }
    if (page.cursor === undefined) return { items: found.map(publicRequest) };
    resumeAt = page.cursor;
  }
  return { items: found.map(publicRequest), nextCursor: resumeAt as string };
}
