/** The approval policy from configuration, parsed and validated once per cold start. */
import { policySource } from '../config.js';
import { parseApprovalPolicy, type ApprovalPolicy } from '../domain/approval-policy.js';

let policy: ApprovalPolicy | undefined;

export function approvalPolicy(): ApprovalPolicy {
  policy ??= parseApprovalPolicy(policySource().json);
  return policy;
}
