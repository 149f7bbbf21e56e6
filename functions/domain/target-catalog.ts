/**
 * The targets a person may ask for, for the web app's "Ask for access" form: every target the
 * configuration names (the approval policy's targets and the clusters with a managed security group),
 * when a policy covers it, lets this person ask (its `requesters`), and lists enough approvers other than
 * the asker for it to be granted.
 */
import { approversForRequest, mayRequest, policyFor, type ApprovalPolicy } from './approval-policy.js';

export interface RequestableTarget {
  /** The policy key: a replication group / cluster id (VPC) or a cache security group name (classic). */
  key: string;
  /** VPC when cachegate manages a security group for the cluster; classic otherwise. */
  mode: 'vpc' | 'classic';
  /** Who will decide: shown on purpose, so the asker knows. */
  approvers: string[];
  approvalsRequired: number;
  /** How long access lasts when the asker names no duration, and the most they may ask for. */
  defaultDurationMinutes: number;
  maxDurationMinutes: number;
}

export function requestableTargets(policy: ApprovalPolicy, managedGroups: Record<string, string>, caller: string, groups: readonly string[] = []): RequestableTarget[] {
  const keys = new Set([...Object.keys(policy.targets), ...Object.keys(managedGroups).map((key) => key.toLowerCase())]);
  const managed = new Set(Object.keys(managedGroups).map((key) => key.toLowerCase()));
  const targets: RequestableTarget[] = [];
  for (const key of [...keys].sort()) {
    const target = policyFor(policy, key);
    // The policy's `requesters` (emails and groups), when it names them.
    if (!target || !mayRequest(target, caller, groups)) continue;
    const approvers = approversForRequest(target, caller);
    if (approvers.length < target.approvalsRequired) continue;
    targets.push({
      key,
      mode: managed.has(key) ? 'vpc' : 'classic',
      approvers: approvers.map((a) => a.email),
      approvalsRequired: target.approvalsRequired,
      defaultDurationMinutes: target.defaultDurationMinutes,
      maxDurationMinutes: target.maxDurationMinutes,
    });
  }
  return targets;
}

/** Whether this person may decide on some target's requests (the web app shows "To decide" then). */
export function isApproverAnywhere(policy: ApprovalPolicy, caller: string): boolean {
  const all = [...Object.values(policy.targets), ...(policy.default ? [policy.default] : [])];
  return all.some((target) => [...target.approvers, ...target.escalationApprovers].some((a) => a.email === caller));
}
