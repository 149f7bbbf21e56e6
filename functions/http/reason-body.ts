/** The optional `{ "reason" }` body of the routes that end something (cancel, revoke): nothing else is accepted. */
import { parseEndReason } from '../domain/action-bodies.js';
import type { HttpEvent } from './middleware.js';
import { readJsonBody } from './request-input.js';

export function readOptionalReason(event: HttpEvent): string | undefined {
  return event.body ? parseEndReason(readJsonBody(event)) : undefined;
}
