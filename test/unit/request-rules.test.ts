import { accessDuration, parseNewAccessRequest, REASON_MAX_LENGTH } from '../../functions/domain/request-rules.js';
import { ValidationError, type FieldProblem } from '../../functions/errors.js';

const OWNER = '987654321021';
const classic = { cacheSecurityGroupName: 'default', ec2SecurityGroupName: 'myec2group', ec2SecurityGroupOwnerId: OWNER, reason: 'investigate latency' };
const vpc = { replicationGroupId: 'orders-cache', sourceSecurityGroupId: 'sg-0a99000000000001', reason: 'investigate latency' };

/** The problems a body is refused with (fails the test if it is accepted or refused otherwise). */
function problemsOf(body: unknown): FieldProblem[] {
  try {
    parseNewAccessRequest(body);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    const validation = error as ValidationError;
    expect(validation.statusCode).toBe(400);
    expect(validation.details.length).toBeGreaterThan(0);
    return validation.details;
  }
  throw new Error(`accepted: ${JSON.stringify(body)}`);
}

function fieldsOf(body: unknown): string[] {
  return problemsOf(body).map((p) => p.field).sort();
}

function messageFor(body: unknown, field: string): string {
  const found = problemsOf(body).filter((p) => p.field === field);
  expect(found).toHaveLength(1);
  return found[0]?.message ?? '';
}

describe('parseNewAccessRequest: valid bodies', () => {
  it('a classic body becomes a classic target, the cache group name lowercased and the reason trimmed', () => {
    expect(parseNewAccessRequest({ ...classic, cacheSecurityGroupName: 'Default-Group', reason: '  look at keys  ' })).toEqual({
      target: { mode: 'classic', cacheSecurityGroupName: 'default-group', ec2SecurityGroupName: 'myec2group', ec2SecurityGroupOwnerId: OWNER },
      reason: 'look at keys',
    });
  });

  it('an EC2 group name may be any printable ASCII up to 255 characters', () => {
    const name = 'App servers (prod) #1'.padEnd(255, 'x');
    const parsed = parseNewAccessRequest({ ...classic, ec2SecurityGroupName: name });
    expect(parsed.target).toMatchObject({ ec2SecurityGroupName: name });
  });

  it('a VPC body with a replication group', () => {
    expect(parseNewAccessRequest(vpc)).toEqual({
      target: { mode: 'vpc', replicationGroupId: 'orders-cache', sourceSecurityGroupId: 'sg-0a99000000000001' },
      reason: 'investigate latency',
    });
  });

  it('a VPC body with a cache cluster and a source owner', () => {
    const { replicationGroupId: _omit, ...rest } = vpc;
    expect(parseNewAccessRequest({ ...rest, cacheClusterId: 'sessions-mc', sourceSecurityGroupOwnerId: OWNER }).target).toEqual({
      mode: 'vpc',
      cacheClusterId: 'sessions-mc',
      sourceSecurityGroupId: 'sg-0a99000000000001',
      sourceSecurityGroupOwnerId: OWNER,
    });
  });

  it('ids at the AWS length limits: replication group 40, cache cluster 50, a one-letter id', () => {
    const id40 = `a${'b'.repeat(39)}`;
    const id50 = `a${'b'.repeat(49)}`;
    expect(parseNewAccessRequest({ ...vpc, replicationGroupId: id40 }).target).toMatchObject({ replicationGroupId: id40 });
    expect(parseNewAccessRequest({ reason: 'r', sourceSecurityGroupId: 'sg-12345678', cacheClusterId: id50 }).target).toMatchObject({ cacheClusterId: id50 });
    expect(parseNewAccessRequest({ ...vpc, replicationGroupId: 'a' }).target).toMatchObject({ replicationGroupId: 'a' });
  });

  it('a reason of exactly the maximum length is accepted', () => {
    expect(parseNewAccessRequest({ ...classic, reason: 'r'.repeat(REASON_MAX_LENGTH) }).reason).toHaveLength(REASON_MAX_LENGTH);
  });
});

describe('parseNewAccessRequest: the body itself', () => {
  it.each([null, 'text', 42, [classic], undefined])('%p is not a JSON object', (body) => {
    expect(problemsOf(body)).toEqual([{ field: '(body)', message: 'must be a JSON object' }]);
  });

  it('an empty object asks for a target and a reason', () => {
    expect(fieldsOf({})).toEqual(['(target)', 'reason']);
    expect(messageFor({}, '(target)')).toMatch(/cacheSecurityGroupName.*replicationGroupId or cacheClusterId/);
  });
});

describe('parseNewAccessRequest: classic fields', () => {
  it.each(['cacheSecurityGroupName', 'ec2SecurityGroupName', 'ec2SecurityGroupOwnerId'] as const)('%s missing is required', (field) => {
    const body: Record<string, unknown> = { ...classic };
    delete body[field];
    expect(problemsOf(body)).toEqual([{ field, message: 'is required' }]);
  });

  it.each(['cacheSecurityGroupName', 'ec2SecurityGroupName', 'ec2SecurityGroupOwnerId', 'reason'] as const)('%s not a string is reported once, as such', (field) => {
    expect(problemsOf({ ...classic, [field]: 12 })).toEqual([{ field, message: 'must be a string' }]);
  });

  it.each([
    ['cacheSecurityGroupName', 'my_group', /letters, digits or hyphens/],
    ['cacheSecurityGroupName', '', /1 to 255/],
    ['cacheSecurityGroupName', 'a'.repeat(256), /1 to 255/],
    ['ec2SecurityGroupName', 'café', /printable ASCII/],
    ['ec2SecurityGroupName', 'x'.repeat(256), /1 to 255/],
    ['ec2SecurityGroupName', '', /1 to 255/],
    ['ec2SecurityGroupOwnerId', '98765432102', /12-digit/],
    ['ec2SecurityGroupOwnerId', '9876543210210', /12-digit/],
    ['ec2SecurityGroupOwnerId', '98765432102a', /12-digit/],
  ])('%s = %p is refused', (field, value, message) => {
    expect(messageFor({ ...classic, [field]: value }, field)).toMatch(message);
    expect(fieldsOf({ ...classic, [field]: value })).toEqual([field]);
  });

  it('VPC fields cannot be combined with a classic target', () => {
    const problems = problemsOf({ ...classic, replicationGroupId: 'orders-cache', sourceSecurityGroupId: 'sg-12345678' });
    expect(problems.map((p) => p.field).sort()).toEqual(['replicationGroupId', 'sourceSecurityGroupId']);
    for (const problem of problems) expect(problem.message).toMatch(/VPC target/);
  });
});

describe('parseNewAccessRequest: VPC fields', () => {
  it('both replicationGroupId and cacheClusterId are refused', () => {
    expect(messageFor({ ...vpc, cacheClusterId: 'sessions-mc' }, 'cacheClusterId')).toMatch(/either replicationGroupId or cacheClusterId, not both/);
  });

  it('a source group without a cluster asks for one', () => {
    expect(problemsOf({ sourceSecurityGroupId: 'sg-12345678', reason: 'r' })).toEqual([
      { field: 'replicationGroupId', message: 'a VPC target needs replicationGroupId or cacheClusterId' },
    ]);
  });

  it('a cluster without a source group asks for it', () => {
    expect(problemsOf({ replicationGroupId: 'orders-cache', reason: 'r' })).toEqual([{ field: 'sourceSecurityGroupId', message: 'is required' }]);
  });

  it.each([
    ['replicationGroupId', 'Orders-Cache'],
    ['replicationGroupId', '1orders'],
    ['replicationGroupId', 'orders-'],
    ['replicationGroupId', 'orders--cache'],
    ['replicationGroupId', 'orders_cache'],
    ['replicationGroupId', ''],
    ['replicationGroupId', `a${'b'.repeat(40)}`],
    ['cacheClusterId', `a${'b'.repeat(50)}`],
    ['cacheClusterId', '-sessions'],
  ])('%s = %p is outside the AWS constraints', (field, value) => {
    const body = { sourceSecurityGroupId: 'sg-12345678', reason: 'r', [field]: value };
    const limit = field === 'replicationGroupId' ? 40 : 50;
    expect(problemsOf(body)).toEqual([{ field, message: expect.stringContaining(`1 to ${limit} lowercase letters`) as unknown as string }]);
  });

  it.each(['sg-1234567', 'sg-ABCDEF12', 'sg-123456789012345678', 'g-12345678', 'myec2group'])('sourceSecurityGroupId %p is not a security group id', (id) => {
    expect(problemsOf({ ...vpc, sourceSecurityGroupId: id })).toEqual([
      { field: 'sourceSecurityGroupId', message: 'must be a security group id: "sg-" and 8 to 17 lowercase hex digits' },
    ]);
  });

  it('sourceSecurityGroupOwnerId must be 12 digits', () => {
    expect(problemsOf({ ...vpc, sourceSecurityGroupOwnerId: '12345' })).toEqual([{ field: 'sourceSecurityGroupOwnerId', message: 'must be a 12-digit AWS account id' }]);
    expect(problemsOf({ ...vpc, sourceSecurityGroupOwnerId: 987654321021 })).toEqual([{ field: 'sourceSecurityGroupOwnerId', message: 'must be a string' }]);
  });

  it('a non-string cluster id is reported as such, not as missing', () => {
    expect(problemsOf({ ...vpc, replicationGroupId: 7 })).toEqual([{ field: 'replicationGroupId', message: 'must be a string' }]);
  });

  it('classic fields cannot be combined with a VPC target', () => {
    const problems = problemsOf({ ...vpc, ec2SecurityGroupName: 'myec2group', ec2SecurityGroupOwnerId: OWNER });
    expect(problems.map((p) => p.field).sort()).toEqual(['ec2SecurityGroupName', 'ec2SecurityGroupOwnerId']);
    for (const problem of problems) expect(problem.message).toMatch(/classic target/);
  });
});

describe('parseNewAccessRequest: reason, duration and unknown fields', () => {
  it('a missing reason is required', () => {
    const { reason: _omit, ...body } = classic;
    expect(problemsOf(body)).toEqual([{ field: 'reason', message: 'is required: say why you need access' }]);
  });

  it.each(['', '   ', '\n\t'])('an empty reason %p is refused', (reason) => {
    expect(problemsOf({ ...classic, reason })).toEqual([{ field: 'reason', message: 'must contain visible text' }]);
  });

  it.each([REASON_MAX_LENGTH + 1, 1000, 5000])('a reason of %d characters is refused with its length', (length) => {
    expect(problemsOf({ ...classic, reason: 'r'.repeat(length) })).toEqual([
      { field: 'reason', message: `must be at most ${REASON_MAX_LENGTH} characters (got ${length})` },
    ]);
  });

  it.each([30, 1, 60 * 24])('durationMinutes %p is taken as asked (the target’s maximum is checked against the policy)', (durationMinutes) => {
    expect(parseNewAccessRequest({ ...classic, durationMinutes }).durationMinutes).toBe(durationMinutes);
  });

  it('accessDuration: the default when none is asked, the asked one up to the maximum, a 400 naming the maximum above it', () => {
    const limits = { defaultDurationMinutes: 60, maxDurationMinutes: 480 };
    expect(accessDuration(undefined, limits)).toBe(60);
    expect(accessDuration(480, limits)).toBe(480);
    expect(() => accessDuration(481, limits)).toThrow(expect.objectContaining({ details: [{ field: 'durationMinutes', message: 'must be at most 480 minutes for this target (got 481)' }] }));
  });

  it.each([0, -5, 1.5, '30', null])('durationMinutes %p is not a whole number of minutes', (durationMinutes) => {
    expect(messageFor({ ...classic, durationMinutes }, 'durationMinutes')).toBe('must be a whole number of minutes, at least 1');
  });

  it('unknown fields are named; requester says the caller is the requester', () => {
    const problems = problemsOf({ ...classic, requester: 'mallory@example.com', port: 6379 });
    expect(problems).toEqual(
      expect.arrayContaining([
        { field: 'requester', message: 'is not a known field (the requester is the authenticated caller)' },
        { field: 'port', message: 'is not a known field' },
      ]),
    );
    expect(problems).toHaveLength(2);
  });
});

describe('parseNewAccessRequest: every problem at once', () => {
  it('classic: each bad field is reported in one error', () => {
    expect(
      fieldsOf({ cacheSecurityGroupName: 'bad name', ec2SecurityGroupOwnerId: '123', reason: '', durationMinutes: 0, requester: 'x@example.com' }),
    ).toEqual(['cacheSecurityGroupName', 'durationMinutes', 'ec2SecurityGroupName', 'ec2SecurityGroupOwnerId', 'reason', 'requester']);
  });

  it('VPC: each bad field is reported in one error', () => {
    expect(
      fieldsOf({ replicationGroupId: 'Bad', cacheClusterId: 'also', sourceSecurityGroupId: 'sg-x', sourceSecurityGroupOwnerId: '1', reason: 'r'.repeat(1000), extra: true }),
    ).toEqual(['cacheClusterId', 'extra', 'reason', 'replicationGroupId', 'sourceSecurityGroupId', 'sourceSecurityGroupOwnerId']);
  });
});
