/**
 * The reconciler's rules, apart from the AWS calls: when a missing grant counts as gone, when a grant
 * record is quiet enough to touch, and what a run found. EC2's API is eventually consistent, so one
 * absent observation proves nothing; two at least a minute apart do.
 */
import type { GrantRecord } from './grant-record.js';

export interface ReconcileSettings {
  /** A grant record changed less than this long ago (ms) belongs to a workflow under way: left alone. */
  quietMs: number;
  /** Two absent observations at least this far apart (ms) end an ACTIVE request (removed-outside). */
  absentConfirmMs: number;
}

/** What POST /dev/reconcile answers, and the run logs. */
export interface ReconcileSummary {
  /** Requests and grant records compared with AWS. */
  checked: number;
  /** Requests ended by this run (grant removed outside cachegate, or a stuck revoke finished). */
  ended: number;
  orphansRevoked: number;
  errors: number;
}

/** Whether the reconciler may change this grant record: nobody has changed it for a while. */
export function isQuiet(record: Pick<GrantRecord, 'updatedAt'>, now: Date, settings: ReconcileSettings): boolean {
  return now.getTime() - Date.parse(record.updatedAt) >= settings.quietMs;
}

/** A missing grant: the first sighting is remembered; a second, far enough from it, confirms it. */
export function absenceVerdict(missingSince: string | undefined, now: Date, settings: ReconcileSettings): 'first-sighting' | 'unconfirmed' | 'confirmed' {
  if (missingSince === undefined) return 'first-sighting';
  return now.getTime() - Date.parse(missingSince) >= settings.absentConfirmMs ? 'confirmed' : 'unconfirmed';
}
