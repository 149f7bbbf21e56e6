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

function fail(where: string, message: string): never {
  throw new ConfigError(`APPROVAL_POLICY ${where}: ${message}`);
}

function parseApprovers(value: unknown, where: string): Approver[] {
  if (!Array.isArray(value)) fail(where, 'must be a list of { "email", "slackUserId"? }');
  return value.map((entry: unknown, index) => {
    const at = `${where}[${index}]`;
    if (typeof entry === 'string') entry = { email: entry };
    if (entry === null || typeof entry !== 'object') fail(at, 'must be { "email", "slackUserId"? }');
    const { email, slackUserId } = entry as Record<string, unknown>;
    if (typeof email !== 'string' || !EMAIL.test(email)) fail(`${at}.email`, `must be an email address, got ${JSON.stringify(email)}`);
    if (slackUserId !== undefined && (typeof slackUserId !== 'string' || !SLACK_USER.test(slackUserId))) {
      fail(`${at}.slackUserId`, `must be a Slack user id like U012ABCDEF, got ${JSON.stringify(slackUserId)}`);
    }
    return { email: email.toLowerCase(), ...(slackUserId ? { slackUserId: slackUserId as string } : {}) };
  });
}

/** Minutes; fractions are allowed down to one second (short windows make demos and tests quick). */
function minutes(value: unknown, where: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 1 / 60) fail(where, 'must be a number of minutes, at least 1/60 (one second)');
  return value;
}

function parseTarget(value: unknown, where: string): TargetPolicy {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) fail(where, 'must be an object');
  const entry = value as Record<string, unknown>;
  const known = new Set([
    'approvers',
    'approvalsRequired',
    'approvalWindowMinutes',
    'reminderAfterMinutes',
    'escalateAfterMinutes',
    'escalationApprovers',
    'defaultDurationMinutes',
    'maxDurationMinutes',
    'expiryWarningMinutes',
    'maxExtensions',
    'requesters',
  ]);
  for (const key of Object.keys(entry)) if (!known.has(key)) fail(`${where}.${key}`, 'is not a known setting');
  const approvers = parseApprovers(entry.approvers, `${where}.approvers`);
  if (approvers.length === 0) fail(`${where}.approvers`, 'must name at least one approver');
  if (new Set(approvers.map((a) => a.email)).size !== approvers.length) fail(`${where}.approvers`, 'names the same approver twice');
  const approvalsRequired = entry.approvalsRequired ?? DEFAULTS.approvalsRequired;
  if (typeof approvalsRequired !== 'number' || !Number.isInteger(approvalsRequired) || approvalsRequired < 1) {
    fail(`${where}.approvalsRequired`, 'must be a whole number, at least 1');
  }
  if (approvalsRequired > approvers.length) {
    fail(`${where}.approvalsRequired`, `asks for ${approvalsRequired} approvals but only ${approvers.length} approvers are listed`);
  }
  const approvalWindowMinutes = minutes(entry.approvalWindowMinutes, `${where}.approvalWindowMinutes`, DEFAULTS.approvalWindowMinutes);
  return {
    approvers,
    approvalsRequired,
    approvalWindowMinutes,
    reminderAfterMinutes: minutes(entry.reminderAfterMinutes, `${where}.reminderAfterMinutes`, DEFAULTS.reminderAfterMinutes),
    escalateAfterMinutes: minutes(entry.escalateAfterMinutes, `${where}.escalateAfterMinutes`, DEFAULTS.escalateAfterMinutes),
    escalationApprovers: entry.escalationApprovers === undefined ? [] : parseApprovers(entry.escalationApprovers, `${where}.escalationApprovers`),
    ...parseDurations(entry, where),
    ...(entry.requesters === undefined ? {} : { requesters: parseRequesters(entry.requesters, `${where}.requesters`) }),
  };
}

const GROUP = /^[A-Za-z0-9][A-Za-z0-9 _.:/+=@-]{0,127}$/;

/** `requesters`: a list of emails (with "@") and group names; an empty list lets no one ask. */
function parseRequesters(value: unknown, where: string): { emails: string[]; groups: string[] } {
  if (!Array.isArray(value)) fail(where, 'must be a list of emails and group names');
  const emails: string[] = [];
  const groups: string[] = [];
  value.forEach((entry: unknown, index) => {
    if (typeof entry !== 'string') fail(`${where}[${index}]`, 'must be an email or a group name');
    if (entry.includes('@')) {
      if (!EMAIL.test(entry)) fail(`${where}[${index}]`, `must be an email address, got ${JSON.stringify(entry)}`);
      emails.push(entry.toLowerCase());
    } else {
      if (!GROUP.test(entry)) fail(`${where}[${index}]`, `must be a group name (letters, digits, _ . : / + = - and spaces), got ${JSON.stringify(entry)}`);
      groups.push(entry);
    }
  });
  return { emails, groups };
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

function wholeNumber(value: unknown, where: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) fail(where, `must be a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`);
  return value;
}

/**
 * Access lengths. The maximum is whole minutes (what a request may ask for); the default and the warning
 * may be fractions down to one second, like the other minutes here, so tests and demos can end quickly.
 */
function parseDurations(entry: Record<string, unknown>, where: string) {
  const maxDurationMinutes = wholeNumber(entry.maxDurationMinutes, `${where}.maxDurationMinutes`, DEFAULTS.maxDurationMinutes, 1, MAX_DURATION_LIMIT_MINUTES);
  const defaultDurationMinutes = minutes(entry.defaultDurationMinutes, `${where}.defaultDurationMinutes`, Math.min(DEFAULTS.defaultDurationMinutes, maxDurationMinutes));
  if (defaultDurationMinutes > maxDurationMinutes) fail(`${where}.defaultDurationMinutes`, `must be at most maxDurationMinutes (${maxDurationMinutes})`);
  const expiryWarningMinutes = entry.expiryWarningMinutes === 0 ? 0 : minutes(entry.expiryWarningMinutes, `${where}.expiryWarningMinutes`, DEFAULTS.expiryWarningMinutes);
  return {
    defaultDurationMinutes,
    maxDurationMinutes,
    expiryWarningMinutes,
    maxExtensions: wholeNumber(entry.maxExtensions, `${where}.maxExtensions`, DEFAULTS.maxExtensions, 0, 100),
  };
}

export function parseApprovalPolicy(json: string): ApprovalPolicy {
  let document: unknown;
  try {
    document = JSON.parse(json);
  } catch (error) {
    fail('', `is not valid JSON (${(error as Error).message})`);
  }
  if (document === null || typeof document !== 'object' || Array.isArray(document)) fail('', 'must be a JSON object');
  const record = document as Record<string, unknown>;
  for (const key of Object.keys(record)) if (!['default', 'targets', 'auditors'].includes(key)) fail(key, 'is not a known section (use "default", "targets" and "auditors")');
  const targetsRaw = record.targets ?? {};
  if (targetsRaw === null || typeof targetsRaw !== 'object' || Array.isArray(targetsRaw)) fail('targets', 'must be an object keyed by target');
  const targets: Record<string, TargetPolicy> = {};
  for (const [key, value] of Object.entries(targetsRaw)) targets[key.toLowerCase()] = parseTarget(value, `targets.${key}`);
  const auditors = record.auditors === undefined ? [] : parseApprovers(record.auditors, 'auditors').map((auditor) => auditor.email);
  const policy: ApprovalPolicy = { targets, auditors };
  if (record.default !== undefined) policy.default = parseTarget(record.default, 'default');
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
