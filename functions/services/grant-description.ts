/**
 * The rule's description follows the end of access (classic authorizations have none: who and until when
 * are in the request's history). Apart from the grant drivers, so that a function that only describes
 * ("Check access") bundles the EC2 description call without the drivers and the ElastiCache calls.
 */
import { targetKey } from '../domain/access-request.js';
import { latestEnd, type GrantRecord } from '../domain/grant-record.js';
import type { AccessRequestRecord } from '../domain/request-lifecycle.js';
import { describeRule } from '../adapters/rule-description.js';
import { requestStore } from '../adapters/request-store.js';
import { logger } from '../logger.js';
import { updateGrantRecord } from './grant-records.js';

/**
 * The VPC rule's description says who holds it and until when: the latest end of its holders. Called when
 * a request's end is set (ACTIVE) or moves (an extension; the reconciler also catches a missed one). The
 * holder's end is kept on the grant record (`ends`), a conditional write; the rule is described only when
 * this request's end is the latest, so it names the holder whose access lasts longest.
 */
export async function describeGrantEnd(request: AccessRequestRecord, now: Date): Promise<void> {
  const expiresAt = request.expiresAt;
  if (!expiresAt) return;
  const updated = await updateGrantRecord(
    targetKey(request.target),
    (record) => (record.holders.includes(request.id) && record.ends[request.id] !== expiresAt ? { ...record, ends: { ...record.ends, [request.id]: expiresAt } } : undefined),
    now,
  );
  const group = updated?.resolved.managedGroupId;
  if (!updated?.ruleId || group === undefined || request.target.mode !== 'vpc' || latestEnd(updated) !== expiresAt) return;
  await describeRule(group, updated.ruleId, { requestId: request.id, requester: request.requester, until: expiresAt });
}

/**
 * describeGrantEnd where the workflow sets or moves the end (ACTIVE, an approved extension): a failure
 * leaves the old end in the description, for the reconciler to correct; access itself is not affected.
 */
export async function describeGrantEndIfPossible(request: AccessRequestRecord, now: Date): Promise<void> {
  try {
    await describeGrantEnd(request, now);
  } catch (error) {
    logger.warn('the grant description was not updated', { requestId: request.id, error });
  }
}

/**
 * After a holder leaves a shared VPC rule that others keep: the description names the remaining holder
 * whose access lasts longest, not the one that left. A failure leaves the old text for the reconciler
 * to correct; access itself is not affected.
 */
export async function describeRemainingHolder(record: GrantRecord): Promise<void> {
  const until = latestEnd(record);
  const group = record.resolved.managedGroupId;
  const holder = record.holders.find((id) => record.ends[id] === until);
  if (record.target.mode !== 'vpc' || !record.ruleId || group === undefined || until === undefined || holder === undefined) return;
  try {
    const request = await requestStore.get(holder);
    if (request) await describeRule(group, record.ruleId, { requestId: holder, requester: request.requester, until });
  } catch (error) {
    logger.warn('the grant description was not updated', { requestId: holder, error });
  }
}
