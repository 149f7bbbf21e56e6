/** GET /audit/requests?status=…&target=…&requester=…&from=…&to=…&limit=…&cursor=…: auditors only. */
import { secretsMiddleware } from '../secrets-middleware.js';
import { auditRequests } from '../services/audit-requests.js';
import { httpRoute, json } from './middleware.js';
import { callerOf } from './request-input.js';

export const handler = httpRoute(async (event) => json(200, await auditRequests(callerOf(event), event.queryStringParameters ?? {})), {
  use: [secretsMiddleware(['approvalPolicy'])],
});
