/** The reconciler's rules (two absent sightings a minute apart, quiet records) and its packaging-time checks. */
import { createRequire } from 'node:module';
import { absenceVerdict, isQuiet } from '../../functions/domain/reconcile-rules.js';

const require = createRequire(__filename);
const { check: checkSchedule } = require('../../config/reconcile-schedule.cjs') as { check: (expression: string) => string };
const { groupArns } = require('../../config/managed-group-arns.cjs') as { groupArns: (json: string) => unknown[] };

const settings = { quietMs: 300_000, absentConfirmMs: 60_000 };
const now = new Date('2026-11-29T03:00:00.000Z');

describe('a missing grant', () => {
  it('is remembered at its first sighting, unconfirmed within a minute, confirmed after', () => {
    expect(absenceVerdict(undefined, now, settings)).toBe('first-sighting');
    expect(absenceVerdict('2026-11-29T02:59:00.001Z', now, settings)).toBe('unconfirmed');
    expect(absenceVerdict('2026-11-29T02:59:00.000Z', now, settings)).toBe('confirmed');
  });
});

describe('a grant record', () => {
  it('is touched only once unchanged for the quiet time', () => {
    expect(isQuiet({ updatedAt: '2026-11-29T02:55:00.001Z' }, now, settings)).toBe(false);
    expect(isQuiet({ updatedAt: '2026-11-29T02:55:00.000Z' }, now, settings)).toBe(true);
  });
});

describe('the reconciler schedule (reconcileSchedule, checked when packaging)', () => {
  it.each(['rate(5 minutes)', 'rate(1 minute)', 'rate(2 hours)', 'rate(1 day)', 'cron(0/5 * * * ? *)'])('accepts %s', (expression) => {
    expect(checkSchedule(expression)).toBe(expression);
  });

  it.each(['rate(5 minute)', 'rate(1 minutes)', 'rate(0 minutes)', '5 minutes', 'cron(* * * *)', 'rate(five minutes)'])('refuses %s, naming the parameter', (expression) => {
    expect(() => checkSchedule(expression)).toThrow(/reconcileSchedule/);
  });
});

describe('the managed groups’ ARNs (managedSecurityGroups, for the reconciler’s revokes)', () => {
  it('names each managed group once, and the rules under them', () => {
    expect(groupArns('{"orders-cache":"sg-0123456789abcdef0","orders-replica":"sg-0123456789abcdef0","sessions":"sg-0fedcba9876543210"}')).toEqual([
      { 'Fn::Sub': 'arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:security-group/sg-0123456789abcdef0' },
      { 'Fn::Sub': 'arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:security-group/sg-0fedcba9876543210' },
      { 'Fn::Sub': 'arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:security-group-rule/*' },
    ]);
  });

  it('reaches no group when none is managed, and refuses what is not a group id', () => {
    expect(groupArns('{}')).toEqual([{ 'Fn::Sub': 'arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:security-group/sg-00000000none' }]);
    expect(() => groupArns('{"orders-cache":"orders"}')).toThrow(/not a security group id/);
    expect(() => groupArns('not json')).toThrow(/must be JSON/);
  });
});
