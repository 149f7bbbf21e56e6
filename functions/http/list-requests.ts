/** GET /requests?status=…&mine=true&limit=…&cursor=…: newest first, paged, from an index. */
import { listRequests } from '../services/view-request.js';
import { httpRoute, json } from './middleware.js';
import { callerOf } from './request-input.js';

export const handler = httpRoute(async (event) => json(200, await listRequests(callerOf(event), event.queryStringParameters ?? {})));
