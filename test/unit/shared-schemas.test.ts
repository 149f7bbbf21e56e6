/**
 * One rule per input, wherever it is checked: the API's body and the grant drivers' own check before a
 * call take the same AWS ids; a comment follows the same rules from the web app and from a link's form.
 */
import { validateClassicTarget } from '../../functions/adapters/elasticache.js';
import { validateVpcTarget } from '../../functions/adapters/vpc-grant.js';
import { parseDecision } from '../../functions/domain/action-bodies.js';
import { parseNewAccessRequest } from '../../functions/domain/request-rules.js';
import type { GrantTarget } from '../../functions/domain/access-request.js';
import { ValidationError } from '../../functions/errors.js';

const vpc = (replicationGroupId: string): GrantTarget => ({ mode: 'vpc', replicationGroupId, sourceSecurityGroupId: 'sg-0a99000000000001' });
const apiAccepts = (target: GrantTarget): boolean => {
  try {
    const { mode: _mode, ...fields } = target;
    parseNewAccessRequest({ ...fields, reason: 'r' });
    return true;
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return false;
  }
};
const driverAccepts = (target: GrantTarget): boolean => {
  try {
    if (target.mode === 'vpc') validateVpcTarget(target);
    else validateClassicTarget(target);
    return true;
  } catch (error) {
    expect(error).toMatchObject({ name: 'InvalidTarget' });
    return false;
  }
};

it.each([
  ['an uppercase replication group id', vpc('Orders-Cache')],
  ['a trailing hyphen', vpc('orders-')],
  ['a double hyphen', vpc('orders--cache')],
  ['a 41-character replication group id', vpc(`a${'b'.repeat(40)}`)],
  ['a 40-character replication group id', vpc(`a${'b'.repeat(39)}`)],
  ['a 50-character cluster id', { mode: 'vpc', cacheClusterId: `a${'b'.repeat(49)}`, sourceSecurityGroupId: 'sg-12345678' } as GrantTarget],
  ['a source group id of 7 hex digits', { mode: 'vpc', replicationGroupId: 'orders-cache', sourceSecurityGroupId: 'sg-1234567' } as GrantTarget],
  ['a dashed owner id', { mode: 'classic', cacheSecurityGroupName: 'default', ec2SecurityGroupName: 'web', ec2SecurityGroupOwnerId: '1111-2222-3333' } as GrantTarget],
  ['an 11-digit owner id', { mode: 'classic', cacheSecurityGroupName: 'default', ec2SecurityGroupName: 'web', ec2SecurityGroupOwnerId: '11112222333' } as GrantTarget],
])('%s: the API and the grant driver agree', (_name, target) => {
  expect(driverAccepts(target)).toBe(apiAccepts(target));
});

it('a dashed owner id is taken as its 12 digits, by the API as by the driver', () => {
  const target = parseNewAccessRequest({ cacheSecurityGroupName: 'default', ec2SecurityGroupName: 'web', ec2SecurityGroupOwnerId: '1111-2222-3333', reason: 'r' }).target;
  expect(target).toMatchObject({ ec2SecurityGroupOwnerId: '111122223333' });
});

it.each([
  ['the web app (JSON)', { strict: true }],
  ['a link’s form', { strict: false }],
] as const)('a comment from %s: blank is none, invisible or bidi text is refused, 500 characters at most', (_name, options) => {
  expect(parseDecision({ decision: 'approve', comment: '  ' }, options)).toEqual({ decision: 'approve' });
  expect(parseDecision({ decision: 'deny', comment: ' fine ' }, options)).toEqual({ decision: 'deny', comment: 'fine' });
  for (const comment of ['\u200B\u2060', 'ok \u202Edenied', 'c'.repeat(501)]) {
    expect(() => parseDecision({ decision: 'approve', comment }, options)).toThrow(expect.objectContaining({ details: [expect.objectContaining({ field: 'comment' })] }));
  }
});
