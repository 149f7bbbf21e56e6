/** POST /requests: ask for access. 202 with the request; the workflow runs on. */
import { submitRequest } from '../services/submit-request.js';
import { publicRequest } from '../services/view-request.js';
import { secretsMiddleware } from '../secrets-middleware.js';
import { callerGroups } from './caller-groups.js';
import { httpRoute, json } from './middleware.js';
import { callerOf, readJsonBody } from './request-input.js';

export const handler = httpRoute(async (event) => {
  const requester = callerOf(event);
  const body = readJsonBody(event);
  const idempotencyKey = event.headers['idempotency-key'];
  const { request } = await submitRequest({ requester, groups: callerGroups(event), body, now: new Date(), ...(idempotencyKey !== undefined ? { idempotencyKey } : {}) });
  const view = publicRequest(request);
  return json(202, { id: view.id, status: view.status, links: view.links }, { Location: view.links.self });
}, { use: [secretsMiddleware(['approvalPolicy'])] });
