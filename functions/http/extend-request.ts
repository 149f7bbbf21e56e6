/** POST /requests/{id}/extend: the requester asks for more time; approvers decide in a round of its own. 202. */
import { parseExtensionRequest } from '../domain/request-rules.js';
import { requestExtension } from '../services/extend-access.js';
import { publicRequest } from '../services/view-request.js';
import { secretsMiddleware } from '../secrets-middleware.js';
import { httpRoute, json } from './middleware.js';
import { callerOf, readJsonBody } from './request-input.js';

export const handler = httpRoute(async (event) => {
  const caller = callerOf(event);
  const { durationMinutes, reason } = parseExtensionRequest(readJsonBody(event));
  const request = await requestExtension({ caller, id: event.pathParameters?.id ?? '', durationMinutes, reason, now: new Date() });
  return json(202, publicRequest(request));
}, { use: [secretsMiddleware(['approvalPolicy'])] });
