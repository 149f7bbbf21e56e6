/**
 * Who may approve what, how many approvals a grant needs, and how long a request may wait. The policy is
 * a JSON document (configuration), validated once at start: a bad policy stops the function with a
 * message that names the bad entry, rather than failing one request later.
 *
 * {
 *   "default": { "approvers": [{ "email": "bob@example.com", "slackUserId": "U0BOB" }], "approvalsRequired": 1 },
 *   "targets": { "orders-cache": { "approvers": [...], "approvalsRequired": 2, "approvalWindowMinutes": 240 } }
 * }
 * Targets are keyed by cache security group name (classic) or replication group / cluster id (VPC).
 */
import * as v from 'valibot';
import { ConfigError } from '../errors.js';

export interface Approver {
  email: string;
  slackUserId?: string;
}

export interface TargetPolicy {
  approvers: Approver[];
  /** N of M: distinct approvals needed; any single deny ends the request. */
  approvalsRequired: number;
  approvalWindowMinutes: number;
  /** A reminder to approvers who have not acted, this long after the request. */
  reminderAfterMinutes: number;
  /** Fallback approvers are asked this long after the request (if any are configured). */
  escalateAfterMinutes: number;
  escalationApprovers: Approver[];
  /** Access lasts this long when the request names no duration… */
  defaultDurationMinutes: number;
  /** …and at most this long (also the cap of an extension, counted from its approval). */
  maxDurationMinutes: number;
  /** The requester is warned this long before the end (not when the access is shorter than that). */
  expiryWarningMinutes: number;
  maxExtensions: number;
  /** Who may ask: emails and group names (from the JWT's groups claim). Absent: any authenticated user. */
  requesters?: { emails: string[]; groups: string[] };
}

export interface ApprovalPolicy {
  default?: TargetPolicy;
  targets: Record<string, TargetPolicy>;
  /** Who may read every request (the web app's Audit page, GET /audit/requests): emails. */
  auditors: string[];
}

const DEFAULTS = {
  approvalsRequired: 1,
  approvalWindowMinutes: 24 * 60,
  reminderAfterMinutes: 60,
  escalateAfterMinutes: 4 * 60,
  defaultDurationMinutes: 60,
  maxDurationMinutes: 8 * 60,
  expiryWarningMinutes: 10,
  maxExtensions: 3,
};
/** The longest access the policy may allow: 30 days. */
export const MAX_DURATION_LIMIT_MINUTES = 30 * 24 * 60;
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
const SLACK_USER = /^[UW][A-Z0-9]{2,}$/;
const GROUP = /^[A-Za-z0-9][A-Za-z0-9 _.:/+=@-]{0,127}$/;

const got = (rule: string) => (issue: v.BaseIssue<unknown>) => `${rule}, got ${JSON.stringify(issue.input)}`;
const isObject = (message: string) => v.custom<Record<string, unknown>>((input) => input !== null && typeof input === 'object' && !Array.isArray(input), message);
/** An object schema's own message for a missing key (`missing`), an unknown one (`unknown`) or a wrong type. */
const objectMessages =
  ({ type, missing, unknown }: { type: string; missing: string; unknown?: string }) =>
  (issue: v.BaseIssue<unknown>) =>
    issue.kind === 'schema' && issue.path ? (issue.expected === 'never' ? (unknown ?? type) : missing) : type;

const Email = v.pipe(v.string(got('must be an email address')), v.regex(EMAIL, got('must be an email address')));

const APPROVER_SHAPE = 'must be { "email", "slackUserId"? }';
/** An approver: `"bob@example.com"` or `{ "email", "slackUserId"? }`, the email lowercased. */
const ApproverEntry = v.pipe(
  v.unknown(),
  v.transform((entry) => (typeof entry === 'string' ? { email: entry } : entry)),
  isObject(APPROVER_SHAPE),
  v.object(
    { email: Email, slackUserId: v.optional(v.pipe(v.string(got('must be a Slack user id like U012ABCDEF')), v.regex(SLACK_USER, got('must be a Slack user id like U012ABCDEF')))) },
    objectMessages({ type: APPROVER_SHAPE, missing: 'must be an email address, got undefined' }),
  ),
  v.transform(({ email, slackUserId }): Approver => ({ email: email.toLowerCase(), ...(slackUserId ? { slackUserId } : {}) })),
);
const APPROVERS_SHAPE = 'must be a list of { "email", "slackUserId"? }';
const Approvers = v.array(ApproverEntry, APPROVERS_SHAPE);

/** Minutes; fractions are allowed down to one second (short windows make demos and tests quick). */
const MINUTES_RULE = 'must be a number of minutes, at least 1/60 (one second)';
const Minutes = v.pipe(v.number(MINUTES_RULE), v.finite(MINUTES_RULE), v.minValue(1 / 60, MINUTES_RULE));
const wholeNumber = (min: number, max: number) => {
  const rule = got(`must be a whole number from ${min} to ${max}`);
  return v.pipe(v.number(rule), v.integer(rule), v.minValue(min, rule), v.maxValue(max, rule));
};
const APPROVALS_RULE = 'must be a whole number, at least 1';

/** `requesters`: a list of emails (with "@") and group names; an empty list lets no one ask. */
const Requesters = v.pipe(
  v.array(
    v.pipe(
      v.string('must be an email or a group name'),
      v.check((entry) => !entry.includes('@') || EMAIL.test(entry), got('must be an email address')),
      v.check((entry) => entry.includes('@') || GROUP.test(entry), got('must be a group name (letters, digits, _ . : / + = - and spaces)')),
    ),
    'must be a list of emails and group names',
  ),
  v.transform((entries) => ({
    emails: entries.filter((entry) => entry.includes('@')).map((email) => email.toLowerCase()),
    groups: entries.filter((entry) => !entry.includes('@')),
  })),
);

/**
 * One target's settings (or the default's). The maximum duration is whole minutes (what a request may ask
 * for); the default and the warning may be fractions down to one second, like the other minutes here.
 */
const TargetPolicySchema = v.pipe(
  isObject('must be an object'),
  v.strictObject(
    {
      approvers: v.pipe(
        Approvers,
        v.nonEmpty('must name at least one approver'),
        v.check((approvers) => new Set(approvers.map((a) => a.email)).size === approvers.length, 'names the same approver twice'),
      ),
      approvalsRequired: v.optional(v.pipe(v.number(APPROVALS_RULE), v.integer(APPROVALS_RULE), v.minValue(1, APPROVALS_RULE)), DEFAULTS.approvalsRequired),
      approvalWindowMinutes: v.optional(Minutes, DEFAULTS.approvalWindowMinutes),
      reminderAfterMinutes: v.optional(Minutes, DEFAULTS.reminderAfterMinutes),
      escalateAfterMinutes: v.optional(Minutes, DEFAULTS.escalateAfterMinutes),
      escalationApprovers: v.optional(Approvers, []),
      defaultDurationMinutes: v.optional(Minutes),
      maxDurationMinutes: v.optional(wholeNumber(1, MAX_DURATION_LIMIT_MINUTES), DEFAULTS.maxDurationMinutes),
      expiryWarningMinutes: v.optional(v.union([v.literal(0), Minutes], MINUTES_RULE), DEFAULTS.expiryWarningMinutes),
      maxExtensions: v.optional(wholeNumber(0, 100), DEFAULTS.maxExtensions),
      requesters: v.optional(Requesters),
    },
    objectMessages({ type: 'must be an object', missing: APPROVERS_SHAPE, unknown: 'is not a known setting' }),
  ),
  v.forward(
    v.check(
      (entry) => entry.approvalsRequired <= entry.approvers.length,
      (issue) => {
        const entry = issue.input as { approvalsRequired: number; approvers: unknown[] };
        return `asks for ${entry.approvalsRequired} approvals but only ${entry.approvers.length} approvers are listed`;
      },
    ),
    ['approvalsRequired'],
  ),
  v.forward(
    v.check(
      (entry) => entry.defaultDurationMinutes === undefined || entry.defaultDurationMinutes <= entry.maxDurationMinutes,
      (issue) => `must be at most maxDurationMinutes (${(issue.input as { maxDurationMinutes: number }).maxDurationMinutes})`,
    ),
    ['defaultDurationMinutes'],
  ),
  v.transform(({ defaultDurationMinutes, requesters, ...entry }): TargetPolicy => ({
    ...entry,
    defaultDurationMinutes: defaultDurationMinutes ?? Math.min(DEFAULTS.defaultDurationMinutes, entry.maxDurationMinutes),
    ...(requesters ? { requesters } : {}),
  })),
);

const SECTIONS = 'is not a known section (use "default", "targets" and "auditors")';
const ApprovalPolicySchema = v.pipe(
  isObject('must be a JSON object'),
  v.strictObject(
    {
      default: v.optional(TargetPolicySchema),
      targets: v.optional(v.pipe(isObject('must be an object keyed by target'), v.record(v.string(), TargetPolicySchema)), {}),
      auditors: v.optional(Approvers, []),
    },
    objectMessages({ type: 'must be a JSON object', missing: SECTIONS, unknown: SECTIONS }),
  ),
);

/** `targets.orders-cache.approvers[1].email`: where in the document an issue is. */
function whereOf(issue: v.BaseIssue<unknown>): string {
  return (issue.path ?? []).map((item) => (item.type === 'array' ? `[${String(item.key)}]` : `.${String(item.key)}`)).join('').replace(/^\./, '');
}

function fail(where: string, message: string): never {
  throw new ConfigError(`APPROVAL_POLICY ${where}: ${message}`);
}

/** Whether this person may ask for access to the target: listed by email or by one of their groups. */
export function mayRequest(target: TargetPolicy, email: string, groups: readonly string[]): boolean {
  if (!target.requesters) return true;
  return target.requesters.emails.includes(email.toLowerCase()) || groups.some((group) => target.requesters?.groups.includes(group));
}

/** Who may ask, in words, for the 403 that refuses someone else. */
export function describeRequesters(target: TargetPolicy): string {
  const { emails, groups } = target.requesters ?? { emails: [], groups: [] };
  const parts = [...emails, ...groups.map((group) => `members of group "${group}"`)];
  return parts.length === 0 ? 'no one (its policy lists no requesters)' : parts.join(', ');
}

export function parseApprovalPolicy(json: string): ApprovalPolicy {
  let document: unknown;
  try {
    document = JSON.parse(json);
  } catch (error) {
    fail('', `is not valid JSON (${(error as Error).message})`);
  }
  const result = v.safeParse(ApprovalPolicySchema, document, { abortEarly: true });
  if (!result.success) fail(whereOf(result.issues[0]), result.issues[0].message);
  const { default: fallback, targets, auditors } = result.output;
  const policy: ApprovalPolicy = {
    targets: Object.fromEntries(Object.entries(targets).map(([key, target]) => [key.toLowerCase(), target])),
    auditors: auditors.map((auditor) => auditor.email),
  };
  if (fallback) policy.default = fallback;
  if (!policy.default && Object.keys(targets).length === 0) fail('', 'defines no approvers: give "default" or at least one entry in "targets"');
  return policy;
}

/** The policy for a target, or undefined when neither the target nor a default is configured. */
export function policyFor(policy: ApprovalPolicy, policyKey: string): TargetPolicy | undefined {
  return policy.targets[policyKey.toLowerCase()] ?? policy.default;
}

/** The approvers who get a link for this request: never the requester themself. */
export function approversForRequest(target: TargetPolicy, requester: string): Approver[] {
  return target.approvers.filter((approver) => approver.email !== requester.toLowerCase());
}
