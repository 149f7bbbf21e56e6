/** POST /requests/{id}/cancel: the requester withdraws a request still waiting for approval. */
import { cancelRequest } from '../services/cancel-request.js';
import { publicRequest } from '../services/view-request.js';
import { httpRoute, json } from './middleware.js';
import { readOptionalReason } from './reason-body.js';
import { callerOf } from './request-input.js';

export const handler = httpRoute(async (event) => {
  const reason = readOptionalReason(event);
  const request = await cancelRequest({ caller: callerOf(event), id: event.pathParameters?.id ?? '', now: new Date(), ...(reason ? { reason } : {}) });
  return json(200, publicRequest(request));
});
