/** Reading what the caller sent: who they are, and a body within limits and of the right type. */
import { identityConfig } from '../config.js';
import { ForbiddenError, HttpError, ValidationError } from '../errors.js';
import { claimsOf, parseClaimBoolean } from './jwt-claims.js';
import type { HttpEvent } from './middleware.js';

export const MAX_BODY_BYTES = 16 * 1024;

/** One address, no spaces or angle brackets (a display name is not an identity). */
const EMAIL = /^[^@\s<>"]+@[^@\s<>"]+\.[^@\s<>"]+$/;

/**
 * The authenticated caller: the configured identity claim (IDENTITY_CLAIM, default `email`) of the token
 * API Gateway's JWT authorizer already checked. A token whose `email_verified` says false is refused; one
 * without that claim is refused unless REQUIRE_VERIFIED_EMAIL=false (issuers whose access tokens omit it).
 */
export function callerOf(event: HttpEvent): string {
  const { claim, requireVerifiedEmail } = identityConfig();
  const claims = claimsOf(event);
  const identity = claims[claim];
  if (identity === undefined || !EMAIL.test(identity)) {
    throw new ForbiddenError(
      `The token's "${claim}" claim must hold your email address. With Cognito, send the ID token (its access token has no email), ` +
        'or ask an administrator which token and claim this API expects.',
    );
  }
  const verified = parseClaimBoolean(claims.email_verified);
  if (verified === false || (verified === undefined && requireVerifiedEmail)) {
    throw new ForbiddenError(
      verified === false
        ? 'Your email address is not verified with your identity provider; verify it, then sign in again'
        : 'The token does not say that your email address is verified (no email_verified claim); send a token that does',
    );
  }
  return identity.toLowerCase();
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

/**
 * A form's fields: application/x-www-form-urlencoded, or the same as a JSON object (its values checked by
 * the route's schema). A field given twice is refused, not picked from.
 */
export function readFormFields(event: HttpEvent): unknown {
  const type = contentType(event);
  if (type === 'application/json') return readJsonBody(event);
  const text = rawBody(event);
  if (type !== 'application/x-www-form-urlencoded') {
    throw new HttpError(415, 'UnsupportedMediaType', 'Send the form as application/x-www-form-urlencoded (or JSON)');
  }
  const form = new URLSearchParams(text);
  // decision=deny&decision=approve: which one was meant? Refuse rather than pick one.
  const repeated = [...new Set([...form.keys()].filter((key) => form.getAll(key).length > 1))];
  if (repeated.length > 0) throw new ValidationError(repeated.map((field) => ({ field, message: 'must be given once' })));
  return Object.fromEntries(form);
}

export function wantsJson(event: HttpEvent): boolean {
  return (event.headers.accept ?? '').includes('application/json');
}
