/** POST /requests/{id}/cancel: the requester withdraws a request still waiting for approval. */
import { ValidationError } from '../errors.js';
import { cancelRequest } from '../services/cancel-request.js';
import { publicRequest } from '../services/view-request.js';
import { httpRoute, json } from './middleware.js';
import { callerOf, readJsonBody } from './request-input.js';

const REASON_MAX_LENGTH = 500;

export const handler = httpRoute(async (event) => {
  const caller = callerOf(event);
  let reason: string | undefined;
  if (event.body) {
    const body = readJsonBody(event);
    const record = (body && typeof body === 'object' && !Array.isArray(body) ? body : undefined) as Record<string, unknown> | undefined;
    const unknown = Object.keys(record ?? {}).filter((key) => key !== 'reason');
    if (!record || unknown.length > 0 || (record.reason !== undefined && (typeof record.reason !== 'string' || record.reason.length > REASON_MAX_LENGTH))) {
      throw new ValidationError([
        ...unknown.map((field) => ({ field, message: 'is not a known field' })),
        ...(!record ? [{ field: '(body)', message: 'must be a JSON object' }] : []),
        ...(record && record.reason !== undefined && (typeof record.reason !== 'string' || record.reason.length > REASON_MAX_LENGTH)
          ? [{ field: 'reason', message: `must be a string of at most ${REASON_MAX_LENGTH} characters` }]
          : []),
      ]);
    }
    reason = typeof record.reason === 'string' ? record.reason.trim() || undefined : undefined;
  }
  const request = await cancelRequest({ caller, id: event.pathParameters?.id ?? '', now: new Date(), ...(reason ? { reason } : {}) });
  return json(200, publicRequest(request));
});
