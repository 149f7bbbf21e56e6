/**
 * A request's statuses, and those nothing leaves. A module of its own, with no imports, because the web app
 * shares it: the app's status filters and its polling stop use these very lists.
 */
export const REQUEST_STATUSES = [
  'PENDING_APPROVAL',
  'APPROVED',
  'AUTHORIZING',
  'ACTIVE',
  'REVOKING',
  'ENDED',
  'DENIED',
  'EXPIRED',
  'FAILED',
  'CANCELLED',
] as const;
export type RequestStatus = (typeof REQUEST_STATUSES)[number];

/** The statuses nothing leaves: the request's slot is released and its execution is over. */
export const FINAL_STATUSES: readonly RequestStatus[] = ['ENDED', 'DENIED', 'EXPIRED', 'FAILED', 'CANCELLED'];

export function isFinal(status: RequestStatus): boolean {
  return FINAL_STATUSES.includes(status);
}
