/**
 * What a grant driver does, whichever AWS API it speaks. The classic driver authorizes an EC2 security
 * group on a cache security group (ElastiCache, EC2-Classic); the VPC driver adds an ingress rule to the
 * cluster's cachegate-managed VPC security group (EC2). The workflow only sees this interface.
 *
 * Drivers throw the named errors of functions/errors.ts: GroupNotFound, AlreadyAuthorized, NotAuthorized,
 * InvalidTarget, LimitExceeded, GrantThrottled, GrantFailed.
 */
import type { GrantTarget } from './access-request.js';

/** What the driver found out about the target before anything is granted. */
export interface ResolvedTarget {
  /** Human description for pages and messages, e.g. "sg-0cachegate00000001 port 6379 on orders-cache". */
  summary: string;
  /** VPC mode: the managed security group cachegate edits, and the port to open. */
  managedGroupId?: string;
  port?: number;
}

export interface GrantRequest {
  requestId: string;
  requester: string;
  target: GrantTarget;
  resolved: ResolvedTarget;
  /** When the access should end, if time-limited (for the rule description). */
  until?: string;
}

/** What the grant call produced. `created: false` means an equal grant existed and is not ours to revoke. */
export interface GrantReceipt {
  created: boolean;
  /** VPC mode: the security group rule id (sgr-…), the handle for revocation. */
  ruleId?: string;
}

/** `pending`: accepted, not effective yet; `active`: effective; `revoking`: on its way out; `absent`: none. */
export type GrantState = 'pending' | 'active' | 'revoking' | 'absent';

export interface GrantDriver {
  /** Checks the target exists and can take a grant; throws GroupNotFound or InvalidTarget. */
  resolveTarget(target: GrantTarget): Promise<ResolvedTarget>;
  /** Starts the grant; throws AlreadyAuthorized when an equal grant exists. */
  authorize(request: GrantRequest): Promise<GrantReceipt>;
  /** The grant's current state. */
  status(request: GrantRequest): Promise<GrantState>;
  /** Removes the grant, only if this request created it (receipt.created). */
  revoke(request: GrantRequest, receipt: GrantReceipt): Promise<void>;
}
