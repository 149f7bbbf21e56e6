/**
 * What other systems hear of a request (docs/events.md): one EventBridge event per status change, and the
 * product metrics each change implies. Both are derived here from the request's history, where every
 * status change is an entry with a `status` (written in the same conditional write as the change), so an
 * event can be rebuilt, and published again, from the request at any later time.
 *
 * `sequence` numbers a request's status changes 1, 2, 3… in the order the store accepted them: EventBridge
 * does not keep order, and at-least-once delivery may repeat one, so a consumer keys on (requestId, sequence).
 */
import { policyKeyOf, type GrantTarget } from './access-request.js';
import type { AccessRequestRecord, EndReason, HistoryEvent } from './request-lifecycle.js';
import { type RequestStatus, isFinal } from './request-statuses.js';

export const EVENT_SOURCE = 'cachegate';
export const EVENT_DETAIL_TYPE = 'Access Request Status Changed';

export interface StatusChange {
  sequence: number;
  status: RequestStatus;
  /** The status before (absent for the first, PENDING_APPROVAL). */
  previousStatus?: RequestStatus;
  /** The history's name for it, e.g. "approved", "revoked", "removed outside cachegate". */
  event: string;
  actor: string;
  at: string;
}

/** The request's status changes, oldest first, numbered from 1. */
export function statusChanges(request: Pick<AccessRequestRecord, 'history'>): StatusChange[] {
  const changes: StatusChange[] = [];
  let previous: RequestStatus | undefined;
  for (const entry of request.history as HistoryEvent[]) {
    if (!entry.status) continue;
    changes.push({ sequence: changes.length + 1, status: entry.status, ...(previous ? { previousStatus: previous } : {}), event: entry.event, actor: entry.actor, at: entry.at });
    previous = entry.status;
  }
  return changes;
}

/** The event's `detail` (its schema is docs/events.md). Only identifiers, people and times: no token, link or signature. */
export interface StatusEventDetail {
  requestId: string;
  sequence: number;
  status: RequestStatus;
  previousStatus?: RequestStatus;
  event: string;
  actor: string;
  time: string;
  requester: string;
  target: GrantTarget & { key: string };
  endReason?: EndReason;
}

export function statusEventDetail(request: AccessRequestRecord, change: StatusChange): StatusEventDetail {
  return {
    requestId: request.id,
    sequence: change.sequence,
    status: change.status,
    ...(change.previousStatus ? { previousStatus: change.previousStatus } : {}),
    event: change.event,
    actor: change.actor,
    time: change.at,
    requester: request.requester,
    target: { ...request.target, key: policyKeyOf(request.target) },
    ...(change.status === 'ENDED' && request.endReason ? { endReason: request.endReason } : {}),
  };
}

/** One data point of the product's own metrics (functions/adapters/metrics.ts adds the `service` dimension). */
export interface MetricPoint {
  name: string;
  unit: 'Count' | 'Seconds';
  value: number;
  dimensions: Record<string, string>;
}

const seconds = (from: string, to: string): number => Math.max(0, Math.round((Date.parse(to) - Date.parse(from)) / 100) / 10);

/**
 * The metrics a status change stands for, counted once per change where its event is published:
 * RequestsSubmitted, RequestsByOutcome (final statuses), TimeToDecision (submitted → approved or denied),
 * TimeFromApprovalToActive (approved → ACTIVE), GrantsCleanedUp (a FAILED request whose grant call was made:
 * "Clean up grant" took it back). Dimensions: `mode` (classic, vpc), and `outcome` for RequestsByOutcome.
 */
export function statusChangeMetrics(request: AccessRequestRecord, change: StatusChange): MetricPoint[] {
  const mode = request.target.mode;
  const changes = statusChanges(request);
  const points: MetricPoint[] = [];
  if (change.status === 'PENDING_APPROVAL') points.push({ name: 'RequestsSubmitted', unit: 'Count', value: 1, dimensions: { mode } });
  if (isFinal(change.status)) points.push({ name: 'RequestsByOutcome', unit: 'Count', value: 1, dimensions: { mode, outcome: change.status } });
  if ((change.status === 'APPROVED' || change.status === 'DENIED') && change.previousStatus === 'PENDING_APPROVAL') {
    points.push({ name: 'TimeToDecision', unit: 'Seconds', value: seconds(request.createdAt, change.at), dimensions: { mode } });
  }
  if (change.status === 'ACTIVE') {
    const approved = changes.filter((c) => c.status === 'APPROVED' && c.sequence < change.sequence).at(-1);
    if (approved) points.push({ name: 'TimeFromApprovalToActive', unit: 'Seconds', value: seconds(approved.at, change.at), dimensions: { mode } });
  }
  if (change.status === 'FAILED' && request.grant) points.push({ name: 'GrantsCleanedUp', unit: 'Count', value: 1, dimensions: { mode } });
  return points;
}
