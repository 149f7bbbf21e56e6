/**
 * Who sees a request in their approvers' queue (GET /requests?status=…): the people it asks to decide
 * (its approvers, and its escalation approvers once escalated), never its requester. While it waits for
 * approval, only those who may still decide on it: an approver who has decided already is done with it.
 */
import { currentApprovers, type AccessRequestRecord } from './request-lifecycle.js';

export function inApproversQueue(request: AccessRequestRecord, caller: string): boolean {
  if (request.requester === caller || !currentApprovers(request).includes(caller)) return false;
  return request.status !== 'PENDING_APPROVAL' || request.approvals[caller] === undefined;
}
