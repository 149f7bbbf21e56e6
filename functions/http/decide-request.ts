/**
 * POST /requests/{id}/decision: an approver decides from the web app, as the signed-in person. The same
 * rules as the links (decide-request.ts): quorum, one decision per approver, first decision wins.
 */
import { parseDecision } from '../domain/action-bodies.js';
import { decide } from '../services/decide-request.js';
import { publicRequest, viewRequest } from '../services/view-request.js';
import { httpRoute, json } from './middleware.js';
import { callerOf, readJsonBody } from './request-input.js';

export const handler = httpRoute(async (event) => {
  const caller = callerOf(event);
  const { decision, comment } = parseDecision(readJsonBody(event), { strict: true });
  // Not visible and not there look the same (404), as for GET /requests/{id}.
  const request = await viewRequest(caller, event.pathParameters?.id ?? '');
  const result = await decide({
    requestId: request.id,
    approver: caller,
    decision,
    comment,
    via: 'web',
    now: new Date(),
  });
  return json(200, { outcome: result.outcome, request: publicRequest(result.request) });
});
