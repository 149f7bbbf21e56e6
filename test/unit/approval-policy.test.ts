import { parseGroupsClaim } from '../../functions/http/caller-groups.js';
import { approversForRequest, describeRequesters, mayRequest, parseApprovalPolicy, policyFor, type TargetPolicy } from '../../functions/domain/approval-policy.js';
import { ConfigError } from '../../functions/errors.js';

const bob = { email: 'bob@example.com', slackUserId: 'U0BOB00001' };
const carol = { email: 'carol@example.com' };

function parse(document: unknown): ReturnType<typeof parseApprovalPolicy> {
  return parseApprovalPolicy(JSON.stringify(document));
}

/** The ConfigError message a document is refused with. */
function refusal(json: string): string {
  try {
    parseApprovalPolicy(json);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).name).toBe('ConfigError');
    return (error as ConfigError).message;
  }
  throw new Error(`accepted: ${json}`);
}

const refusalOf = (document: unknown): string => refusal(JSON.stringify(document));

describe('parseApprovalPolicy: valid documents', () => {
  it('fills in the defaults', () => {
    const policy = parse({ default: { approvers: [bob] } });
    expect(policy).toEqual({
      targets: {},
      auditors: [],
      default: {
        approvers: [bob],
        approvalsRequired: 1,
        approvalWindowMinutes: 24 * 60,
        reminderAfterMinutes: 60,
        escalateAfterMinutes: 4 * 60,
        escalationApprovers: [],
        defaultDurationMinutes: 60,
        maxDurationMinutes: 480,
        expiryWarningMinutes: 10,
        maxExtensions: 3,
      },
    });
  });

  it('durations: the maximum is whole minutes up to 30 days, the default at most the maximum', () => {
    expect(() => parse({ default: { approvers: [bob], maxDurationMinutes: 43_201 } })).toThrow(/maxDurationMinutes: must be a whole number from 1 to 43200/);
    expect(() => parse({ default: { approvers: [bob], maxDurationMinutes: 30.5 } })).toThrow(/maxDurationMinutes/);
    expect(() => parse({ default: { approvers: [bob], maxDurationMinutes: 30, defaultDurationMinutes: 60 } })).toThrow(/defaultDurationMinutes: must be at most maxDurationMinutes \(30\)/);
    expect(parse({ default: { approvers: [bob], maxDurationMinutes: 30 } }).default?.defaultDurationMinutes).toBe(30);
    expect(parse({ default: { approvers: [bob], expiryWarningMinutes: 0, maxExtensions: 0 } }).default).toMatchObject({ expiryWarningMinutes: 0, maxExtensions: 0 });
  });

  it('keeps every setting, lowercases emails and target keys, takes plain email strings', () => {
    const policy = parse({
      targets: {
        'Orders-Cache': {
          approvers: ['Bob@Example.com', { email: 'CAROL@example.com', slackUserId: 'W0CAROL01' }],
          approvalsRequired: 2,
          approvalWindowMinutes: 0.5,
          reminderAfterMinutes: 1 / 60,
          escalateAfterMinutes: 10,
          escalationApprovers: ['dave@example.com'],
          defaultDurationMinutes: 0.5,
          maxDurationMinutes: 120,
          expiryWarningMinutes: 5,
          maxExtensions: 1,
        },
      },
    });
    expect(policy.default).toBeUndefined();
    expect(policy.targets['orders-cache']).toEqual({
      approvers: [{ email: 'bob@example.com' }, { email: 'carol@example.com', slackUserId: 'W0CAROL01' }],
      approvalsRequired: 2,
      approvalWindowMinutes: 0.5,
      reminderAfterMinutes: 1 / 60,
      escalateAfterMinutes: 10,
      escalationApprovers: [{ email: 'dave@example.com' }],
      defaultDurationMinutes: 0.5,
      maxDurationMinutes: 120,
      expiryWarningMinutes: 5,
      maxExtensions: 1,
    });
  });

  it('the demo policy of the local stack parses', () => {
    const policy = parse({ default: { approvers: [bob, { email: 'carol@example.com', slackUserId: 'U0CAROL001' }], approvalsRequired: 1, approvalWindowMinutes: 1440, reminderAfterMinutes: 60 }, targets: {} });
    expect(policy.default?.approvers.map((a) => a.email)).toEqual(['bob@example.com', 'carol@example.com']);
  });
});

describe('parseApprovalPolicy: a bad document names the bad entry', () => {
  it.each([
    ['not JSON', '{"default":', /^APPROVAL_POLICY .*is not valid JSON/],
    ['an array', '[]', /must be a JSON object/],
    ['null', 'null', /must be a JSON object/],
    ['no approvers anywhere', '{}', /defines no approvers/],
    ['empty targets and no default', '{"targets":{}}', /defines no approvers/],
  ])('%s', (_name, json, message) => {
    expect(refusal(json)).toMatch(message);
  });

  it.each<[string, unknown, string, RegExp]>([
    ['an unknown section', { default: { approvers: [bob] }, rules: {} }, 'rules', /not a known section/],
    ['targets not an object', { targets: [] }, 'targets', /must be an object keyed by target/],
    ['a target not an object', { targets: { 'orders-cache': 'bob@example.com' } }, 'targets.orders-cache', /must be an object/],
    ['an unknown setting', { targets: { 'orders-cache': { approvers: [bob], approvalRequired: 2 } } }, 'targets.orders-cache.approvalRequired', /not a known setting/],
    ['approvers missing', { targets: { 'orders-cache': {} } }, 'targets.orders-cache.approvers', /must be a list/],
    ['approvers empty', { targets: { 'orders-cache': { approvers: [] } } }, 'targets.orders-cache.approvers', /at least one approver/],
    ['the same approver twice', { targets: { 'orders-cache': { approvers: ['bob@example.com', 'BOB@example.com'] } } }, 'targets.orders-cache.approvers', /same approver twice/],
    ['an approver not an object', { targets: { 'orders-cache': { approvers: [bob, 7] } } }, 'targets.orders-cache.approvers[1]', /must be \{ "email"/],
    ['a bad email', { targets: { 'orders-cache': { approvers: [bob, { email: 'carol' }] } } }, 'targets.orders-cache.approvers[1].email', /must be an email address, got "carol"/],
    ['a bad Slack id', { targets: { 'orders-cache': { approvers: [{ email: 'bob@example.com', slackUserId: 'bob' }] } } }, 'targets.orders-cache.approvers[0].slackUserId', /Slack user id/],
    ['approvalsRequired zero', { targets: { 'orders-cache': { approvers: [bob], approvalsRequired: 0 } } }, 'targets.orders-cache.approvalsRequired', /whole number, at least 1/],
    ['approvalsRequired fractional', { targets: { 'orders-cache': { approvers: [bob, carol], approvalsRequired: 1.5 } } }, 'targets.orders-cache.approvalsRequired', /whole number/],
    ['approvalsRequired a string', { targets: { 'orders-cache': { approvers: [bob], approvalsRequired: '1' } } }, 'targets.orders-cache.approvalsRequired', /whole number/],
    ['more approvals than approvers', { targets: { 'orders-cache': { approvers: [bob, carol], approvalsRequired: 3 } } }, 'targets.orders-cache.approvalsRequired', /asks for 3 approvals but only 2 approvers/],
    ['a window under a second', { targets: { 'orders-cache': { approvers: [bob], approvalWindowMinutes: 0.001 } } }, 'targets.orders-cache.approvalWindowMinutes', /at least 1\/60/],
    ['a reminder not a number', { targets: { 'orders-cache': { approvers: [bob], reminderAfterMinutes: '60' } } }, 'targets.orders-cache.reminderAfterMinutes', /number of minutes/],
    ['a negative escalation', { targets: { 'orders-cache': { approvers: [bob], escalateAfterMinutes: -1 } } }, 'targets.orders-cache.escalateAfterMinutes', /number of minutes/],
    ['escalation approvers not a list', { targets: { 'orders-cache': { approvers: [bob], escalationApprovers: 'dave@example.com' } } }, 'targets.orders-cache.escalationApprovers', /must be a list/],
    ['a bad escalation approver', { targets: { 'orders-cache': { approvers: [bob], escalationApprovers: [{ email: 'x' }] } } }, 'targets.orders-cache.escalationApprovers[0].email', /email address/],
    ['a bad default', { default: { approvers: [bob], approvalsRequired: 2 } }, 'default.approvalsRequired', /asks for 2 approvals but only 1/],
    ['a bad default beside good targets', { default: { approvers: 'bob' }, targets: { 'orders-cache': { approvers: [bob] } } }, 'default.approvers', /must be a list/],
  ])('%s', (_name, document, path, message) => {
    const text = refusalOf(document);
    expect(text.startsWith(`APPROVAL_POLICY ${path}: `)).toBe(true);
    expect(text).toMatch(message);
  });
});

describe('policyFor', () => {
  const policy = parse({
    default: { approvers: [bob] },
    targets: { 'orders-cache': { approvers: [bob, carol], approvalsRequired: 2 } },
  });

  it('finds a target by its key, in any case', () => {
    expect(policyFor(policy, 'orders-cache')?.approvalsRequired).toBe(2);
    expect(policyFor(policy, 'ORDERS-CACHE')?.approvalsRequired).toBe(2);
  });

  it('falls back to the default', () => {
    expect(policyFor(policy, 'sessions-mc')).toBe(policy.default);
  });

  it('is undefined without a target entry or a default', () => {
    const noDefault = parse({ targets: { 'orders-cache': { approvers: [bob] } } });
    expect(policyFor(noDefault, 'sessions-mc')).toBeUndefined();
    expect(policyFor(noDefault, 'orders-cache')).toBeDefined();
  });
});

describe('approversForRequest', () => {
  const target: TargetPolicy = parse({ default: { approvers: [bob, carol, 'alice@example.com'], approvalsRequired: 2 } }).default as TargetPolicy;

  it('never includes the requester, whatever the case of their email', () => {
    expect(approversForRequest(target, 'alice@example.com').map((a) => a.email)).toEqual(['bob@example.com', 'carol@example.com']);
    expect(approversForRequest(target, 'Alice@Example.COM').map((a) => a.email)).toEqual(['bob@example.com', 'carol@example.com']);
    expect(approversForRequest(target, 'bob@example.com').map((a) => a.email)).toEqual(['carol@example.com', 'alice@example.com']);
  });

  it('keeps everyone for someone who is not an approver, with their Slack ids', () => {
    expect(approversForRequest(target, 'dave@example.com')).toEqual([bob, carol, { email: 'alice@example.com' }]);
  });
});

describe('requesters: who may ask', () => {
  const withRequesters = (requesters: unknown) => parse({ default: { approvers: [bob], requesters } }).default as TargetPolicy;

  it('anyone authenticated when the policy names none', () => {
    expect(mayRequest(parse({ default: { approvers: [bob] } }).default as TargetPolicy, 'anyone@example.com', [])).toBe(true);
  });

  it('listed emails (any case) and members of listed groups; nobody else', () => {
    const target = withRequesters(['Alice@Example.com', 'ops', 'cognito:admins']);
    expect(mayRequest(target, 'alice@example.com', [])).toBe(true);
    expect(mayRequest(target, 'dave@example.com', ['dev', 'ops'])).toBe(true);
    expect(mayRequest(target, 'dave@example.com', ['dev'])).toBe(false);
    expect(describeRequesters(target)).toBe('alice@example.com, members of group "ops", members of group "cognito:admins"');
  });

  it('an empty list lets no one ask; bad entries stop the policy with their place', () => {
    expect(mayRequest(withRequesters([]), 'alice@example.com', ['ops'])).toBe(false);
    expect(() => withRequesters('ops')).toThrow(/default.requesters: must be a list/);
    expect(() => withRequesters(['not an@email'])).toThrow(/default.requesters\[0\]: must be an email/);
    expect(() => withRequesters([42])).toThrow(/default.requesters\[0\]/);
  });
});

describe('parseGroupsClaim: groups as API Gateway hands them to Lambda', () => {
  it.each([
    ['[ops platform]', ['ops', 'platform']],
    ['[ops]', ['ops']],
    ['[]', []],
    ['ops', ['ops']],
    [['ops', 'platform'], ['ops', 'platform']],
    [undefined, []],
    [42, []],
  ])('%p → %p', (claim, groups) => {
    expect(parseGroupsClaim(claim)).toEqual(groups);
  });
});
