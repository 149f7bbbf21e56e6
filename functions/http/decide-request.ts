/**
 * POST /requests/{id}/decision: an approver decides from the web app, as the signed-in person. The same
 * rules as the links (decide-request.ts): quorum, one decision per approver, first decision wins.
 */
import { ValidationError } from '../errors.js';
import { COMMENT_MAX_LENGTH, decide } from '../services/decide-request.js';
import { publicRequest, viewRequest } from '../services/view-request.js';
import { httpRoute, json } from './middleware.js';
import { callerOf, readJsonBody } from './request-input.js';

export const handler = httpRoute(async (event) => {
  const caller = callerOf(event);
  const body = readJsonBody(event);
  const record = (body && typeof body === 'object' && !Array.isArray(body) ? body : {}) as Record<string, unknown>;
  const problems = Object.keys(record)
    .filter((key) => key !== 'decision' && key !== 'comment')
    .map((field) => ({ field, message: 'is not a known field' }));
  if (record.decision !== 'approve' && record.decision !== 'deny') problems.push({ field: 'decision', message: 'must be approve or deny' });
  if (record.comment !== undefined && (typeof record.comment !== 'string' || record.comment.length > COMMENT_MAX_LENGTH)) {
    problems.push({ field: 'comment', message: `must be a string of at most ${COMMENT_MAX_LENGTH} characters` });
  }
  if (problems.length > 0) throw new ValidationError(problems);
  // Not visible and not there look the same (404), as for GET /requests/{id}.
  const request = await viewRequest(caller, event.pathParameters?.id ?? '');
  const result = await decide({
    requestId: request.id,
    approver: caller,
    decision: record.decision as 'approve' | 'deny',
    comment: record.comment as string | undefined,
    via: 'web',
    now: new Date(),
  });
  return json(200, { outcome: result.outcome, request: publicRequest(result.request) });
});
