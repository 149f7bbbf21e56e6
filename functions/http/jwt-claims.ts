/**
 * Claims as API Gateway's HTTP API JWT authorizer hands them to Lambda (payload 2.0,
 * `requestContext.authorizer.jwt.claims`): every value a string. A string claim arrives as itself, a
 * number as its digits, a boolean as "true"/"false", and an array as one string of its elements between
 * brackets, separated by spaces: ["ops", "dba"] → "[ops dba]". Elements that contain spaces cannot be told
 * apart in that form; group names and ids in real issuers do not contain any.
 */
import type { HttpEvent } from './middleware.js';

export type DeliveredClaims = Record<string, string>;

export function claimsOf(event: HttpEvent): DeliveredClaims {
  return event.requestContext.authorizer?.jwt?.claims ?? {};
}

/**
 * A list claim (groups, roles) as delivered: "[a b c]" → ["a", "b", "c"]; "[]" → []; a single value
 * without brackets (an issuer that sends one group as a string) → [value]; absent → [].
 */
export function parseClaimList(value: string | undefined): string[] {
  if (value === undefined) return [];
  const trimmed = value.trim();
  const inner = trimmed.startsWith('[') && trimmed.endsWith(']') ? trimmed.slice(1, -1) : trimmed;
  return inner.split(/\s+/).filter((item) => item.length > 0);
}

/** A boolean claim as delivered: "true" / "false"; anything else (absent included) is undefined. */
export function parseClaimBoolean(value: string | undefined): boolean | undefined {
  if (value === 'true') return true;
  if (value === 'false') return false;
  return undefined;
}
