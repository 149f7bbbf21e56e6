/**
 * The classic grant driver (cache security groups) against the emulator over HTTP (its signed Query calls): each method,
 * the status mapping over time, and how every AWS failure becomes a named grant error.
 */
import type { ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { CreateCacheSecurityGroupCommand } from '@aws-sdk/client-elasticache';
import type { ClassicTarget } from '../../../functions/domain/access-request.js';
import type { GrantDriver, GrantRequest } from '../../../functions/domain/grant-driver.js';
import { grantStateOf } from '../../../functions/adapters/elasticache.js';
import type { AwsEmulator } from '../../../local/aws-emulator/index.js';
import { DEMO_SEED_PATH, emulatorClients, ManualClock, startAwsEmulator } from '../../../local/aws-emulator/index.js';
import { adaptersAgainst } from '../../support/query-adapters.js';

const OWNER = '987654321021';
const clock = new ManualClock();
let emu: AwsEmulator;
let client: ElastiCacheClient;
let driver: GrantDriver;
let classic: typeof import('../../../functions/adapters/elasticache.js');
let counter = 0;

beforeAll(async () => {
  emu = await startAwsEmulator({ seed: DEMO_SEED_PATH, clock });
  // The test's own client creates the cache security groups; the driver makes its own calls.
  client = emulatorClients(emu, { maxAttempts: 2 }).elasticache;
  classic = await adaptersAgainst(emu, () => import('../../../functions/adapters/elasticache.js'));
  driver = classic.classicGrantDriver;
});

afterEach(() => emu.faults.reset());

afterAll(async () => {
  client.destroy();
  await emu.close();
});

/** A request on a fresh cache security group, so tests stay independent on one emulator. */
async function freshRequest(overrides: Partial<ClassicTarget> = {}): Promise<GrantRequest> {
  const cacheSecurityGroupName = `classic-${++counter}`;
  await client.send(new CreateCacheSecurityGroupCommand({ CacheSecurityGroupName: cacheSecurityGroupName, Description: 'driver test' }));
  const target: ClassicTarget = { mode: 'classic', cacheSecurityGroupName, ec2SecurityGroupName: 'myec2group', ec2SecurityGroupOwnerId: OWNER, ...overrides };
  return { requestId: `req-${counter}`, requester: 'alice@example.com', target, resolved: { summary: '' } };
}

test('resolveTarget checks the cache security group exists', async () => {
  const request = await freshRequest();
  await expect(driver.resolveTarget(request.target)).resolves.toEqual({ summary: `myec2group (owner ${OWNER}) on cache security group ${request.target.mode === 'classic' && request.target.cacheSecurityGroupName}` });
  await expect(driver.resolveTarget({ ...request.target, cacheSecurityGroupName: 'no-such-group' } as ClassicTarget)).rejects.toMatchObject({
    name: 'GroupNotFound',
    cause: { name: 'CacheSecurityGroupNotFound' },
  });
});

test('invalid targets are InvalidTarget before any call is made', async () => {
  const before = emu.callCount();
  const base: ClassicTarget = { mode: 'classic', cacheSecurityGroupName: 'default', ec2SecurityGroupName: 'myec2group', ec2SecurityGroupOwnerId: OWNER };
  for (const target of [
    { ...base, cacheSecurityGroupName: 'bad_name' },
    { ...base, cacheSecurityGroupName: 'x'.repeat(256) },
    { ...base, ec2SecurityGroupOwnerId: '12345' },
    { ...base, ec2SecurityGroupOwnerId: 'AKIAIOSFODNN7EXAMPLE' },
    { ...base, ec2SecurityGroupName: '' },
  ]) {
    await expect(driver.resolveTarget(target)).rejects.toMatchObject({ name: 'InvalidTarget' });
    await expect(driver.authorize({ requestId: 'r', requester: 'a', target, resolved: { summary: '' } })).rejects.toMatchObject({ name: 'InvalidTarget' });
  }
  await expect(driver.resolveTarget({ mode: 'vpc', cacheClusterId: 'x', sourceSecurityGroupId: 'sg-00000000' })).rejects.toMatchObject({ name: 'InvalidTarget' });
  expect(emu.callCount()).toBe(before);
});

test('authorize → pending → active after propagation; revoke → revoking → absent', async () => {
  const request = await freshRequest();
  await expect(driver.status(request)).resolves.toBe('absent');
  await expect(driver.authorize(request)).resolves.toEqual({ created: true });
  await expect(driver.status(request)).resolves.toBe('pending');
  clock.advance(60_000);
  await expect(driver.status(request)).resolves.toBe('active');

  await driver.revoke(request, { created: true });
  await expect(driver.status(request)).resolves.toBe('revoking');
  clock.advance(60_000);
  await expect(driver.status(request)).resolves.toBe('absent');
});

test('a grant that already exists is AlreadyAuthorized, and status then reports it', async () => {
  const request = await freshRequest();
  await driver.authorize(request);
  clock.advance(60_000);
  const second = { ...request, requestId: `${request.requestId}-again` };
  await expect(driver.authorize(second)).rejects.toMatchObject({
    name: 'AlreadyAuthorized',
    message: expect.stringContaining('AuthorizationAlreadyExists'),
    cause: { name: 'AuthorizationAlreadyExists', httpStatus: 400 },
  });
  await expect(driver.status(second)).resolves.toBe('active');
});

test('revoke leaves a grant alone that this request did not create', async () => {
  const request = await freshRequest();
  await driver.authorize(request);
  clock.advance(60_000);
  const before = emu.callCount('RevokeCacheSecurityGroupIngress');
  await driver.revoke(request, { created: false });
  expect(emu.callCount('RevokeCacheSecurityGroupIngress')).toBe(before);
  await expect(driver.status(request)).resolves.toBe('active');
});

test('revoking what is not there is NotAuthorized; revoking while authorizing is InvalidTarget', async () => {
  const request = await freshRequest();
  await expect(driver.revoke(request, { created: true })).rejects.toMatchObject({ name: 'NotAuthorized', cause: { name: 'AuthorizationNotFound' } });
  await driver.authorize(request);
  await expect(driver.revoke(request, { created: true })).rejects.toMatchObject({ name: 'InvalidTarget', cause: { name: 'InvalidCacheSecurityGroupState' } });
});

test('authorizing on a missing group is GroupNotFound; an unknown EC2 group of the account is InvalidTarget', async () => {
  const request = await freshRequest();
  await expect(driver.authorize({ ...request, target: { ...request.target, cacheSecurityGroupName: 'gone' } as ClassicTarget })).rejects.toMatchObject({
    name: 'GroupNotFound',
  });
  await expect(driver.authorize({ ...request, target: { ...request.target, ec2SecurityGroupName: 'no-such-ec2-group' } as ClassicTarget })).rejects.toMatchObject({
    name: 'InvalidTarget',
    cause: { name: 'InvalidParameterValue' },
  });
});

test('a dashed owner id is normalized for both authorize and status', async () => {
  const request = await freshRequest({ ec2SecurityGroupName: 'partner-web', ec2SecurityGroupOwnerId: '1111-2222-3333' });
  await driver.authorize(request);
  const target = request.target as ClassicTarget;
  await expect(classic.ingressStatus(target)).resolves.toBe('authorizing');
  const group = await classic.describeGroup(target.cacheSecurityGroupName);
  expect(group.ec2SecurityGroups).toEqual([{ status: 'authorizing', ec2SecurityGroupName: 'partner-web', ec2SecurityGroupOwnerId: '111122223333' }]);
});

test('neverAvailable: the grant stays pending however long the workflow waits', async () => {
  emu.faults.set({ neverAvailable: true });
  const request = await freshRequest();
  await driver.authorize(request);
  clock.advance(3600_000);
  await expect(driver.status(request)).resolves.toBe('pending');
});

test('throttling that outlasts the call’s 3 attempts is GrantThrottled; a short burst is absorbed', async () => {
  const request = await freshRequest();
  emu.faults.set({ throttlingRate: 1 });
  const before = emu.callCount('DescribeCacheSecurityGroups');
  await expect(driver.status(request)).rejects.toMatchObject({ name: 'GrantThrottled', cause: { name: 'Throttling', httpStatus: 400 } });
  expect(emu.callCount('DescribeCacheSecurityGroups')).toBe(before + 3);
  emu.faults.set({ throttlingRate: 0.5 });
  await expect(driver.authorize(request)).resolves.toEqual({ created: true });
});

test('other failures: quota → LimitExceeded, access denied → GrantFailed, both with cause', async () => {
  const request = await freshRequest();
  emu.faults.set({ failOperation: { AuthorizeCacheSecurityGroupIngress: { code: 'QuotaExceeded.CacheSecurityGroup', message: 'quota' } } });
  await expect(driver.authorize(request)).rejects.toMatchObject({ name: 'LimitExceeded', cause: { name: 'QuotaExceeded.CacheSecurityGroup' } });
  emu.faults.set({ failOperation: { AuthorizeCacheSecurityGroupIngress: { code: 'AccessDenied', status: 403, message: 'User is not authorized' } } });
  const failed = driver.authorize(request);
  await expect(failed).rejects.toMatchObject({ name: 'GrantFailed', message: expect.stringContaining('User is not authorized'), cause: { name: 'AccessDenied' } });
});

test('status mapping: authorizing, available/authorized, revoking, absent; anything else is GrantFailed', () => {
  expect(grantStateOf('authorizing')).toBe('pending');
  expect(grantStateOf('available')).toBe('active');
  expect(grantStateOf('authorized')).toBe('active');
  expect(grantStateOf('revoking')).toBe('revoking');
  expect(grantStateOf(undefined)).toBe('absent');
  expect(grantStateOf('revoked')).toBe('absent');
  expect(() => grantStateOf('melting')).toThrow(expect.objectContaining({ name: 'GrantFailed' }));
});
