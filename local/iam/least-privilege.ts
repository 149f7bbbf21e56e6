/**
 * What the deployed roles must NOT allow. The endpoints' checks (access.ts) catch a permission that is
 * missing, because the workflow then fails; they cannot catch one that grew wider, because AWS would allow
 * it too and every workflow still passes. A dropped condition, or a resource widened to "*", is exactly that
 * kind of change. So the local stack also asks the deployed roles a few calls they must refuse, and will not
 * start if one is allowed, naming the function and what its role no longer limits. Each probe is one least-
 * privilege promise of serverless.yml; docs/local-stack.md lists them.
 */
import { authorize, type AccessRequest, type Principal } from './policy.js';

interface Probe {
  /** The function (serverless.yml key) whose role is asked. */
  fn: string;
  /** A call its role must refuse, built for the stack's region and account. */
  request: (where: { region: string; account: string }) => AccessRequest;
  /** What the role no longer limits when the call is allowed. */
  limit: string;
}

const PROBES: Probe[] = [
  {
    fn: 'grantIngress',
    // Tagging an existing rule (no ec2:CreateAction in the context) could rewrite another request's request-id
    // tag, and so what the revoke and the reconciler treat as that request's rule.
    request: ({ region, account }) => ({ action: 'ec2:CreateTags', resources: [`arn:aws:ec2:${region}:${account}:security-group-rule/sgr-0000000000000000`] }),
    limit: 'ec2:CreateTags to rules it is creating (the condition ec2:CreateAction = AuthorizeSecurityGroupIngress)',
  },
  {
    fn: 'decideApproval',
    request: ({ region, account }) => ({ action: 'states:SendTaskSuccess', resources: [`arn:aws:states:${region}:${account}:stateMachine:another-state-machine`] }),
    limit: "states:SendTaskSuccess to cachegate's own state machine",
  },
];

/** A role allows a call serverless.yml means it to refuse (the stack does not start). */
export class LeastPrivilegeError extends Error {
  override name = 'LeastPrivilegeError';
}

/** Every probe the deployed roles allow, as "<function>'s role no longer limits …" lines. */
export function leastPrivilegeGaps(principalOf: (fn: string) => Principal | undefined, where: { region: string; account: string }): string[] {
  const gaps: string[] = [];
  for (const probe of PROBES) {
    const principal = principalOf(probe.fn);
    if (!principal) {
      gaps.push(`${probe.fn}: no such function, so its least-privilege probe cannot run (local/iam/least-privilege.ts)`);
      continue;
    }
    const request = probe.request(where);
    if (authorize(principal, request).allowed) {
      gaps.push(`${probe.fn}'s role no longer limits ${probe.limit}: it allows ${request.action} on ${request.resources.join(', ')}`);
    }
  }
  return gaps;
}
