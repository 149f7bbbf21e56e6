/**
 * The caller's groups, from the JWT claim GROUPS_CLAIM names, for the policy's `requesters`. API Gateway's
 * JWT authorizer hands an array claim to Lambda as one string, "[ops platform]" (its items joined by spaces,
 * so a group name with a space cannot be told apart: name groups without spaces). An array, as other
 * authorizers pass it, is taken as it is.
 */
import { requesterGroupsConfig } from '../config.js';
import type { HttpEvent } from './middleware.js';

export function parseGroupsClaim(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((item): item is string => typeof item === 'string' && item.length > 0);
  if (typeof value !== 'string') return [];
  const text = value.trim();
  const inner = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  return inner.split(/\s+/).filter((group) => group.length > 0);
}

export function callerGroups(event: HttpEvent): string[] {
  return parseGroupsClaim(event.requestContext.authorizer?.jwt?.claims?.[requesterGroupsConfig().claim]);
}
