/**
 * Every status change a request can make: from which status, to which, by whom. The store applies a
 * change only with a conditional write on the status it was read in (and, for decisions, on the
 * request's version), so when two people act at once exactly one change lands and the other is re-read
 * and told the truth. Nothing changes a request's status except through `checkTransition`.
 */
import type { RequestStatus } from './request-statuses.js';

/** Who causes a change: a person (in a role on this request), the workflow, or the reconciler. */
export type Actor = 'requester' | 'approver' | 'workflow' | 'reconciler';

export interface Transition {
  from: RequestStatus;
  to: RequestStatus;
  by: readonly Actor[];
  /** What the history calls it. */
  event: string;
}

export const TRANSITIONS: readonly Transition[] = [
  { from: 'PENDING_APPROVAL', to: 'APPROVED', by: ['approver'], event: 'request approved' },
  { from: 'PENDING_APPROVAL', to: 'DENIED', by: ['approver'], event: 'request denied' },
  { from: 'PENDING_APPROVAL', to: 'CANCELLED', by: ['requester'], event: 'cancelled' },
  { from: 'PENDING_APPROVAL', to: 'EXPIRED', by: ['workflow'], event: 'expired' },
  { from: 'PENDING_APPROVAL', to: 'FAILED', by: ['workflow'], event: 'failed' },
  { from: 'APPROVED', to: 'AUTHORIZING', by: ['workflow'], event: 'grant requested' },
  { from: 'APPROVED', to: 'FAILED', by: ['workflow'], event: 'failed' },
  { from: 'AUTHORIZING', to: 'ACTIVE', by: ['workflow'], event: 'granted' },
  { from: 'AUTHORIZING', to: 'FAILED', by: ['workflow'], event: 'failed' },
  // The end of access: at expiry (the workflow), early by a person, or found removed outside cachegate.
  { from: 'ACTIVE', to: 'REVOKING', by: ['workflow', 'requester', 'approver', 'reconciler'], event: 'revoking' },
  // Only once the grant is verified gone (or still held by another request's grant record).
  { from: 'REVOKING', to: 'ENDED', by: ['workflow', 'reconciler'], event: 'ended' },
];

export function findTransition(from: RequestStatus, to: RequestStatus, by: Actor): Transition | undefined {
  return TRANSITIONS.find((t) => t.from === from && t.to === to && t.by.includes(by));
}

/** A change the table forbids: a bug in the caller, never a person's doing (they are refused before). */
export class ForbiddenTransition extends Error {
  override name = 'ForbiddenTransition';
  constructor(
    readonly from: RequestStatus,
    readonly to: RequestStatus,
    readonly by: Actor,
  ) {
    super(`A request cannot go from ${from} to ${to} by the ${by}`);
  }
}

export function checkTransition(from: RequestStatus, to: RequestStatus, by: Actor): Transition {
  const transition = findTransition(from, to, by);
  if (!transition) throw new ForbiddenTransition(from, to, by);
  return transition;
}
