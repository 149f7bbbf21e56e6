/** The optional `{ "reason" }` body of the routes that end something (cancel, revoke): nothing else is accepted. */
import { ValidationError } from '../errors.js';
import type { HttpEvent } from './middleware.js';
import { readJsonBody } from './request-input.js';

const REASON_MAX_LENGTH = 500;

export function readOptionalReason(event: HttpEvent): string | undefined {
  if (!event.body) return undefined;
  const body = readJsonBody(event);
  const record = (body && typeof body === 'object' && !Array.isArray(body) ? body : undefined) as Record<string, unknown> | undefined;
  const unknown = Object.keys(record ?? {}).filter((key) => key !== 'reason');
  const badReason = record?.reason !== undefined && (typeof record.reason !== 'string' || record.reason.length > REASON_MAX_LENGTH);
  if (!record || unknown.length > 0 || badReason) {
    throw new ValidationError([
      ...unknown.map((field) => ({ field, message: 'is not a known field' })),
      ...(!record ? [{ field: '(body)', message: 'must be a JSON object' }] : []),
      ...(badReason ? [{ field: 'reason', message: `must be a string of at most ${REASON_MAX_LENGTH} characters` }] : []),
    ]);
  }
  return typeof record.reason === 'string' ? record.reason.trim() || undefined : undefined;
}
