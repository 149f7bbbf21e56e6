/**
 * A managed VPC security group holds a limited number of inbound rules (AWS's default quota: 60). Each
 * grant cachegate makes there is one rule, shared by every request for the same (cache, source): one slot
 * per grant key. The group's slot ledger, one item, lists the slots taken and the requests that reserved
 * each, from submission until the request is final. It changes only by a conditional write on its
 * version, so two submissions racing for the last slot cannot both take it: one write lands, the other
 * reads again and finds the group full.
 */

export interface SlotLedger {
  /** The managed security group (sg-…). */
  group: string;
  /** Grant key → the requests that reserved it → when each did (ISO time). */
  slots: Record<string, Record<string, string>>;
  /** 0 for a ledger not written yet. */
  version: number;
}

export type Reservation =
  /** Reserved by this request already (a retried submission): nothing to write. */
  | { kind: 'held' }
  | { kind: 'reserve'; slots: SlotLedger['slots'] }
  /** No free slot: `taken` slots of the quota. */
  | { kind: 'full'; taken: number };

/**
 * Reserves the slot of `key` for a request. A key already taken (in the ledger, or a grant record in this
 * group: a rule cachegate still has in AWS) needs no new slot: the request shares it. `recordedKeys` are
 * the grant records' keys: slots are counted from cachegate's own records, never from the rules in AWS.
 */
export function reserveSlot(ledger: SlotLedger, key: string, requestId: string, at: Date, quota: number, recordedKeys: readonly string[]): Reservation {
  if (ledger.slots[key]?.[requestId] !== undefined) return { kind: 'held' };
  const taken = new Set([...Object.keys(ledger.slots), ...recordedKeys]);
  if (!taken.has(key) && taken.size >= quota) return { kind: 'full', taken: taken.size };
  return { kind: 'reserve', slots: { ...ledger.slots, [key]: { ...ledger.slots[key], [requestId]: at.toISOString() } } };
}

/**
 * The ledger's slots without the reservations `release` picks; a slot nobody reserves any more is free.
 * Undefined when nothing changes.
 */
export function releaseSlots(ledger: SlotLedger, release: (requestId: string, reservedAt: string) => boolean): SlotLedger['slots'] | undefined {
  let changed = false;
  const slots: SlotLedger['slots'] = {};
  for (const [key, holders] of Object.entries(ledger.slots)) {
    const kept = Object.fromEntries(Object.entries(holders).filter(([id, at]) => !release(id, at)));
    if (Object.keys(kept).length !== Object.keys(holders).length) changed = true;
    if (Object.keys(kept).length > 0) slots[key] = kept;
  }
  return changed ? slots : undefined;
}

/** Every request that holds a reservation in the ledger, with when it reserved. */
export function reservations(ledger: SlotLedger): { requestId: string; reservedAt: string }[] {
  return Object.values(ledger.slots).flatMap((holders) => Object.entries(holders).map(([requestId, reservedAt]) => ({ requestId, reservedAt })));
}
