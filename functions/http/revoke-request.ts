/** POST /requests/{id}/revoke: the requester or an approver ends access now. 202: the revoke is under way. */
import { revokeAccess } from '../services/end-access.js';
import { publicRequest } from '../services/view-request.js';
import { httpRoute, json } from './middleware.js';
import { readOptionalReason } from './reason-body.js';
import { callerOf } from './request-input.js';

export const handler = httpRoute(async (event) => {
  const reason = readOptionalReason(event);
  const request = await revokeAccess({ caller: callerOf(event), id: event.pathParameters?.id ?? '', now: new Date(), ...(reason ? { reason } : {}) });
  return json(202, publicRequest(request));
});
