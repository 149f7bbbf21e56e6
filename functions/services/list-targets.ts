/** GET /targets: what the caller may ask for, and which pages of the web app are theirs. */
import { grantConfig } from '../config.js';
import { isApproverAnywhere, requestableTargets } from '../domain/target-catalog.js';
import { approvalPolicy } from './approval-policy.js';

export function listTargets(caller: string, groups: readonly string[]) {
  const policy = approvalPolicy();
  return {
    items: requestableTargets(policy, grantConfig().managedGroups, caller, groups),
    caller: { email: caller, approver: isApproverAnywhere(policy, caller), auditor: policy.auditors.includes(caller) },
  };
}
