/**
 * The approval policy, read with the invocation's parameters (SSM in AWS, cached by the middleware for 15
 * minutes; the environment locally) and parsed again only when its text changes.
 */
import { parseApprovalPolicy, type ApprovalPolicy } from '../domain/approval-policy.js';
import { ConfigError } from '../errors.js';
import { ambientSecret } from '../secrets.js';

let parsed: { text: string; policy: ApprovalPolicy } | undefined;

export function approvalPolicy(): ApprovalPolicy {
  const text = ambientSecret('approvalPolicy');
  if (text === undefined) throw new ConfigError('The approval policy is not configured: set APPROVAL_POLICY_PARAMETER (AWS) or APPROVAL_POLICY (local)');
  if (parsed?.text !== text) parsed = { text, policy: parseApprovalPolicy(text) };
  return parsed.policy;
}
