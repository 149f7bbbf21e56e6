/**
 * One IAM gate for every local AWS endpoint (ElastiCache/EC2, Step Functions, DynamoDB, SSM, SES, and any
 * added later, such as SQS or EventBridge): who is calling (the access key id in the SigV4 Authorization
 * header; each function runs with credentials of its own), does their role allow the request
 * (local/iam/policy.ts), and the AccessDenied each service answers. Every denial is also kept as a
 * violation, so a stack whose deployed permissions fall short fails its tests by name (LocalStack.stop).
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { authorize, resourceArn, type AccessDecision, type AccessRequest, type Principal } from './policy.js';

/** The access key id a request was signed with (SigV4 `Credential=<key>/<date>/<region>/<service>/aws4_request`). */
export function accessKeyOf(headers: IncomingHttpHeaders): string | undefined {
  const authorization = headers.authorization;
  return typeof authorization === 'string' ? /Credential=([^/,\s]+)\//.exec(authorization)?.[1] : undefined;
}

export class LocalIam {
  private readonly principals = new Map<string, Principal>();
  /** Every denial and every missing-configuration failure, in order: what the stack reports on stop. */
  readonly violations: string[] = [];

  constructor(
    readonly region: string,
    readonly account: string,
  ) {}

  /** Credentials for `principal`; the local endpoints know the caller by them. */
  credentialsFor(principal: Principal): { accessKeyId: string; secretAccessKey: string } {
    const accessKeyId = `LOCAL${principal.name.replace(/[^A-Za-z0-9]/g, '')}`;
    this.principals.set(accessKeyId, principal);
    return { accessKeyId, secretAccessKey: `local-secret-of-${principal.name}` };
  }

  /** The function whose credentials signed `headers`; undefined for the operator's. */
  callerOf(headers: IncomingHttpHeaders): Principal | undefined {
    return this.principals.get(accessKeyOf(headers) ?? '');
  }

  principal(name: string): Principal | undefined {
    return [...this.principals.values()].find((p) => p.name === name);
  }

  /**
   * The decision for a call signed by `headers`' credentials (or made by `caller` directly). With several
   * requests, the first allowed one decides (SES: the sender's address identity, or else its domain's).
   * A call signed with credentials that are no function's is the operator's (a test, a benchmark, a person
   * with the AWS CLI looking at the emulator): allowed, as an administrator's would be.
   */
  check(caller: IncomingHttpHeaders | Principal, ...requests: [AccessRequest, ...AccessRequest[]]): AccessDecision {
    const principal = 'statements' in caller ? (caller as Principal) : this.callerOf(caller);
    if (!principal) return { allowed: true };
    let decision: AccessDecision = { allowed: false, message: '' };
    for (const request of requests) {
      decision = authorize(principal, request);
      if (decision.allowed) break;
    }
    if (!decision.allowed) this.report(decision.message);
    return decision;
  }

  report(violation: string): void {
    if (!this.violations.includes(violation)) process.stderr.write(`local stack: ${violation}\n`);
    this.violations.push(violation);
  }
}

/** AccessDenied as each protocol family spells it. */
export const accessDenied = {
  /** AWS JSON 1.0/1.1 (Step Functions, DynamoDB, SSM, SQS, EventBridge): HTTP 400, `__type`. */
  awsJson(message: string, namespace?: string): { status: number; headers: Record<string, string>; body: string } {
    const type = namespace ? `${namespace}#AccessDeniedException` : 'AccessDeniedException';
    return { status: 400, headers: { 'Content-Type': 'application/x-amz-json-1.0', 'x-amzn-ErrorType': 'AccessDeniedException' }, body: JSON.stringify({ __type: type, message }) };
  },
  /** REST-JSON (SES v2): HTTP 403 with the type in x-amzn-ErrorType. */
  restJson(message: string): { status: number; headers: Record<string, string>; body: string } {
    return { status: 403, headers: { 'Content-Type': 'application/json', 'x-amzn-ErrorType': 'AccessDeniedException' }, body: JSON.stringify({ message }) };
  },
  /** The Query APIs: EC2 says UnauthorizedOperation (HTTP 403), ElastiCache AccessDenied (HTTP 403). */
  queryCode(service: 'ec2' | 'elasticache'): string {
    return service === 'ec2' ? 'UnauthorizedOperation' : 'AccessDenied';
  },
};

/** A resource of a call: an ARN, or the Reference's resource type of the action and the values of its ARN format. */
export type CallResource = string | { type: string; ids: Record<string, string> };

/**
 * The IAM gate of a local endpoint in one call (docs/local-stack.md, "A new local endpoint"): the caller of
 * `req` (by its access key) for `action` on every resource, with the condition keys the request sets.
 * Refused: answers `res` with AccessDenied as the service's protocol spells it (`awsJson`: AWS JSON 1.0/1.1,
 * e.g. SSM, EventBridge; `restJson`: REST-JSON, e.g. SES v2), records the violation, and resolves false.
 * Allowed: resolves true and the endpoint goes on.
 */
export async function allowCall(
  iam: LocalIam,
  req: IncomingMessage,
  res: ServerResponse,
  call: { action: string; resources: CallResource[]; context?: Record<string, string[]> },
  protocol: 'awsJson' | 'restJson' = 'awsJson',
): Promise<boolean> {
  const where = { region: iam.region, account: iam.account };
  const resources = await Promise.all(call.resources.map((resource) => (typeof resource === 'string' ? resource : resourceArn(call.action, resource.type, resource.ids, where))));
  const decision = iam.check(req.headers, { action: call.action, resources, ...(call.context ? { context: call.context } : {}) });
  if (decision.allowed) return true;
  const denied = protocol === 'awsJson' ? accessDenied.awsJson(decision.message) : accessDenied.restJson(decision.message);
  res.writeHead(denied.status, denied.headers);
  res.end(denied.body);
  return false;
}
