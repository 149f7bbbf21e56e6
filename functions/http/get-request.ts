/**
 * GET /requests/{id}: the request, its status and its history. With an ETag, so that the web app's
 * polling (If-None-Match) gets a bodiless 304 while nothing changed.
 */
import { createHash } from 'node:crypto';
import { secretsMiddleware } from '../secrets-middleware.js';
import { publicRequest, readRequest } from '../services/view-request.js';
import { httpRoute, json } from './middleware.js';
import { callerOf } from './request-input.js';

export const handler = httpRoute(async (event) => {
  const request = await readRequest(callerOf(event), event.pathParameters?.id ?? '');
  const view = publicRequest(request);
  const etag = `"${createHash('sha256').update(JSON.stringify(view)).digest('base64url').slice(0, 27)}"`;
  if (event.headers['if-none-match'] === etag) return { statusCode: 304, headers: { ETag: etag, 'Cache-Control': 'no-store' } };
  return json(200, view, { ETag: etag });
}, { use: [secretsMiddleware(['approvalPolicy'])] });
