/**
 * One grant in AWS (a VPC rule, or a classic authorization) can serve several requests at once: the same
 * source group on the same cache, asked for by two people, or by one person twice in a row. The grant
 * record, one per (target, source), lists the requests that hold it. The first holder creates the grant;
 * only the last holder's end revokes it. Every change is a conditional write on the record's version.
 */
import type { GrantTarget } from './access-request.js';
import type { ResolvedTarget } from './grant-driver.js';
import type { RequestStatus } from './request-statuses.js';

/** `granting`: the first holder's grant call is under way; `active`: in place; `revoking`: the last holder left. */
export type GrantRecordState = 'granting' | 'active' | 'revoking';

export interface GrantRecord {
  /** targetKey(target): the same grant, whoever asks. */
  key: string;
  target: GrantTarget;
  resolved: ResolvedTarget;
  /** The request ids that hold the grant. */
  holders: string[];
  /** The request whose grant call created it (the VPC rule's `cachegate-request` tag names it). */
  createdBy: string;
  /** VPC: the rule's id (sgr-…), recorded at grant time so a revoke never guesses. */
  ruleId?: string;
  state: GrantRecordState;
  /** Each holder's end of access, for the rule's description (the latest end of them all). */
  ends: Record<string, string>;
  version: number;
  updatedAt: string;
}

/** The statuses in which a request holds its grant. */
export const HOLDING_STATUSES: readonly RequestStatus[] = ['APPROVED', 'AUTHORIZING', 'ACTIVE', 'REVOKING'];

/** The latest end of access among the holders (what a shared rule's description shows). */
export function latestEnd(record: Pick<GrantRecord, 'ends' | 'holders'>): string | undefined {
  const ends = record.holders.map((holder) => record.ends[holder]).filter((end): end is string => end !== undefined);
  return ends.sort().at(-1);
}

/** What a holder's leaving means: others keep the grant, or this was the last and the grant goes. */
export function afterLeaving(record: GrantRecord, requestId: string): { holders: string[]; last: boolean } {
  const holders = record.holders.filter((holder) => holder !== requestId);
  return { holders, last: holders.length === 0 };
}
