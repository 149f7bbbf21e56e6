/** Reading what the caller sent: who they are, and a body within limits and of the right type. */
import { HttpError, UnauthorizedError, ValidationError } from '../errors.js';
import type { HttpEvent } from './middleware.js';

export const MAX_BODY_BYTES = 16 * 1024;

/** The authenticated caller: the JWT's email claim (API Gateway's authorizer checked the token). */
export function callerOf(event: HttpEvent): string {
  const email = event.requestContext.authorizer?.jwt?.claims?.email;
  if (typeof email !== 'string' || !email.includes('@')) throw new UnauthorizedError('A bearer token with an email claim is required');
  return email.toLowerCase();
}

function rawBody(event: HttpEvent): string {
  const body = event.body ?? '';
  const text = event.isBase64Encoded ? Buffer.from(body, 'base64').toString('utf8') : body;
  if (Buffer.byteLength(text) > MAX_BODY_BYTES) throw new HttpError(413, 'PayloadTooLarge', `The body must be at most ${MAX_BODY_BYTES} bytes`);
  return text;
}

function contentType(event: HttpEvent): string {
  return (event.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

export function readJsonBody(event: HttpEvent): unknown {
  const text = rawBody(event);
  if (contentType(event) !== 'application/json') {
    throw new HttpError(415, 'UnsupportedMediaType', 'Send the body as JSON with Content-Type: application/json');
  }
  if (text.trim() === '') throw new ValidationError([{ field: '(body)', message: 'is empty; send a JSON object' }]);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ValidationError([{ field: '(body)', message: `is not valid JSON: ${(error as Error).message}` }], 'Malformed JSON');
  }
}

export function readFormBody(event: HttpEvent): URLSearchParams {
  const text = rawBody(event);
  const type = contentType(event);
  if (type === 'application/json') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new ValidationError([{ field: '(body)', message: 'is not valid JSON' }]);
    }
    const form = new URLSearchParams();
    if (parsed && typeof parsed === 'object') for (const [key, value] of Object.entries(parsed)) if (typeof value === 'string') form.set(key, value);
    return form;
  }
  if (type !== 'application/x-www-form-urlencoded') {
    throw new HttpError(415, 'UnsupportedMediaType', 'Send the form as application/x-www-form-urlencoded (or JSON)');
  }
  return new URLSearchParams(text);
}

export function wantsJson(event: HttpEvent): boolean {
  return (event.headers.accept ?? '').includes('application/json');
}
