/**
 * Claims as API Gateway's HTTP API JWT authorizer hands them to Lambda (payload 2.0,
 * `requestContext.authorizer.jwt.claims`): every value a string. A string claim arrives as itself, a
 * number as its digits, a boolean as "true"/"false", and an array as one string of its elements between
 * brackets, separated by spaces: ["ops", "dba"] → "[ops dba]" (caller-groups.ts reads a list back).
 */
import type { HttpEvent } from './middleware.js';

export type DeliveredClaims = Record<string, string>;

export function claimsOf(event: HttpEvent): DeliveredClaims {
  return event.requestContext.authorizer?.jwt?.claims ?? {};
}

/** A boolean claim as delivered: "true" / "false"; anything else (absent included) is undefined. */
export function parseClaimBoolean(value: string | undefined): boolean | undefined {
  if (value === 'true') return true;
  if (value === 'false') return false;
  return undefined;
}
