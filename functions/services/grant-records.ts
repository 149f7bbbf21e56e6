/** Changes to a grant record (domain/grant-record.ts): conditional writes on its version, re-read on a lost race. */
import type { GrantRecord } from '../domain/grant-record.js';
import { CachegateError } from '../errors.js';
import { requestStore } from '../adapters/request-store.js';

/** A grant being revoked by its last holder: a new holder waits (the state machine retries) and grants again. */
export class GrantBusy extends CachegateError {
  override name = 'GrantBusy';
}

/** Writes a change to the grant record on the version read; re-reads and re-applies on a lost race. */
export async function updateGrantRecord(key: string, change: (record: GrantRecord) => GrantRecord | undefined, now: Date): Promise<GrantRecord | undefined> {
  for (let attempt = 0; attempt < 8; attempt++) {
    const record = await requestStore.grantRecord(key);
    if (!record) return undefined;
    const next = change(record);
    if (!next) return record;
    if (await requestStore.putGrantRecord(next, record.version, now)) return { ...next, version: record.version + 1 };
  }
  throw new GrantBusy('The grant record kept changing; trying again');
}

