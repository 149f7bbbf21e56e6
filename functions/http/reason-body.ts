/** The optional `{ "reason" }` body of the routes that end something (cancel, revoke): nothing else is accepted. */
import { visibleTextProblem } from '../domain/visible-text.js';
import { ValidationError } from '../errors.js';
import type { HttpEvent } from './middleware.js';
import { readJsonBody } from './request-input.js';

const REASON_MAX_LENGTH = 500;

export function readOptionalReason(event: HttpEvent): string | undefined {
  if (!event.body) return undefined;
  const body = readJsonBody(event);
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new ValidationError([{ field: '(body)', message: 'must be a JSON object' }]);
  const record = body as Record<string, unknown>;
  const problems = Object.keys(record)
    .filter((key) => key !== 'reason')
    .map((field) => ({ field, message: 'is not a known field' }));
  if (record.reason !== undefined) {
    // An empty reason means none; anything else in it must be visible text (domain/visible-text.ts).
    const problem =
      typeof record.reason !== 'string' || record.reason.length > REASON_MAX_LENGTH
        ? `must be a string of at most ${REASON_MAX_LENGTH} characters`
        : record.reason.trim() === ''
          ? undefined
          : visibleTextProblem(record.reason);
    if (problem) problems.push({ field: 'reason', message: problem });
  }
  if (problems.length > 0) throw new ValidationError(problems);
  return typeof record.reason === 'string' ? record.reason.trim() || undefined : undefined;
}
