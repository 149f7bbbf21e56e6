/**
 * The VPC rule's description: who holds it and until when, in EC2's character set. Written with the rule
 * (the VPC driver's grant call) and rewritten when the end is set or moves (services/grant-description.ts).
 */
import type { GrantRequest } from '../domain/grant-driver.js';
import { updateRuleDescription } from './ec2-client.js';
import { mapAwsErrors, VPC_ERRORS } from './grant-errors.js';

// What EC2 accepts in a rule's description (UserIdGroupPair: no `&`, unlike a group's own description;
// docs/aws-facts.md, section 1); anything else is replaced, never sent.
const DESCRIPTION_DISALLOWED = /[^a-zA-Z0-9. _\-:/()#,@[\]+=;{}!$*]/g;
const DESCRIPTION_MAX = 255;

/** `cachegate <request id> <requester> until <time or "revoked">`, in EC2's description character set. */
export function ruleDescription(request: Pick<GrantRequest, 'requestId' | 'requester' | 'until'>): string {
  const text = `cachegate ${request.requestId} ${request.requester} until ${request.until ?? 'revoked'}`;
  return text.replace(DESCRIPTION_DISALLOWED, '_').slice(0, DESCRIPTION_MAX);
}

/** Rewrites a rule's description (UpdateSecurityGroupRuleDescriptionsIngress) on its managed group. */
export async function describeRule(groupId: string, ruleId: string, request: Pick<GrantRequest, 'requestId' | 'requester' | 'until'>): Promise<void> {
  await mapAwsErrors(`Describing rule ${ruleId} on ${groupId}`, VPC_ERRORS, () => updateRuleDescription(groupId, ruleId, ruleDescription(request)));
}
