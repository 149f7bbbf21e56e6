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

/**
 * A grant seen in AWS by a bulk describe of one scope (the managed VPC group, or the cache security group):
 * what the reconciler compares with the grant records, and submission checks for equal access.
 */
export interface ObservedGrant {
  /** The rule id (sgr-…), or `<EC2 group name>/<owner>` for a classic authorization. */
  id: string;
  /** The source: the referenced security group id (VPC), or `<EC2 group name>/<owner>` (classic). */
  source: string;
  /** VPC: the TCP ports the rule opens ([from, to]); undefined for all traffic, or for classic. */
  ports?: [number, number];
  /** VPC: the `cachegate-request` tag (the request whose grant call created the rule). */
  taggedRequest?: string;
  state: GrantState;
}

/** The scope a target's grants live in: its managed VPC group, or its cache security group. */
export function grantScope(target: GrantTarget, resolved: ResolvedTarget): string | undefined {
  return target.mode === 'classic' ? target.cacheSecurityGroupName : resolved.managedGroupId;
}

/** Whether an observed grant gives this target's source access (an equal grant, or a wider rule). */
export function grantsTarget(observed: ObservedGrant, target: GrantTarget, resolved: ResolvedTarget): boolean {
  if (target.mode === 'classic') return observed.source === `${target.ec2SecurityGroupName}/${target.ec2SecurityGroupOwnerId.replace(/-/g, '')}`;
  if (observed.source !== target.sourceSecurityGroupId) return false;
  if (!observed.ports || resolved.port === undefined) return observed.ports === undefined;
  return observed.ports[0] <= resolved.port && resolved.port <= observed.ports[1];
}

export interface GrantDriver {
  /** Checks the target exists and can take a grant; throws GroupNotFound or InvalidTarget. */
  resolveTarget(target: GrantTarget): Promise<ResolvedTarget>;
  /** Starts the grant; throws AlreadyAuthorized when an equal grant exists. */
  authorize(request: GrantRequest): Promise<GrantReceipt>;
  /** The grant's current state. */
  status(request: GrantRequest): Promise<GrantState>;
  /** Removes the grant, only if this request created it (receipt.created). */
  revoke(request: GrantRequest, receipt: GrantReceipt): Promise<void>;
  /** Every ingress grant in one scope (grantScope), all pages: one describe per scope, not per request. */
  inventory(scope: string): Promise<ObservedGrant[]>;
}
