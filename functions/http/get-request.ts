/** GET /requests/{id}: the request, its status and its history. */
import { publicRequest, viewRequest } from '../services/view-request.js';
import { httpRoute, json } from './middleware.js';
import { callerOf } from './request-input.js';

export const handler = httpRoute(async (event) => {
  const request = await viewRequest(callerOf(event), event.pathParameters?.id ?? '');
  return json(200, publicRequest(request));
});
