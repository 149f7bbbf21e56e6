/**
 * Classic mode's check schedule through the real ASL: right after the grant, "Check grant status" makes
 * no call (nothing shows before AWS's first look) and hands the wait to the free Wait state; from the
 * first look on it looks every poll interval inside one invocation. The schedule is the deployed one,
 * scaled down (first look at 3 s, looks every 200 ms); nothing is overridden. The first look is 3 s out, not
 * 1 s, so that a loaded machine's slow start of "Check grant status" still comes before it (1 s failed once).
 */
import { CreateCacheSecurityGroupCommand, ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { startLocalStack, type LocalStack } from '../../../local/stack.js';
import { approvalLinkFor, call, waitForStatus, type RequestBody } from './local-api.js';

let stack: LocalStack;
let elasticache: ElastiCacheClient;

beforeAll(async () => {
  stack = await startLocalStack({
    // The authorization becomes available 3.5 s after the call: after the first look, within the next second.
    emulator: { propagationDelayMs: 3_500, ec2PropagationDelayMs: 0 },
    grant: { firstCheckSeconds: 3, pollIntervalMs: 200, pollWindowMs: 5_000, verifyTimeoutSeconds: 10 },
    policy: { default: { approvers: ['bob@example.com'], approvalsRequired: 1 } },
  });
  elasticache = new ElastiCacheClient({ endpoint: stack.emulator.url, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
});

afterAll(async () => {
  elasticache?.destroy();
  await stack?.stop();
});

it('no call before the first look, a Wait state until it, then looks every poll interval until available', async () => {
  await elasticache.send(new CreateCacheSecurityGroupCommand({ CacheSecurityGroupName: 'scheduled', Description: 'test' }));
  const reply = await call<RequestBody>(stack, 'POST', '/requests', {
    as: 'alice@example.com',
    json: { cacheSecurityGroupName: 'scheduled', ec2SecurityGroupName: 'myec2group', ec2SecurityGroupOwnerId: '987654321021', reason: 'schedule' },
  });
  const { id } = reply.body;
  const link = await approvalLinkFor(stack, 'bob@example.com', id);
  const before = stack.emulator.callCount('DescribeCacheSecurityGroups');
  await call(stack, 'POST', link, { form: { decision: 'approve' } });
  const done = await waitForStatus(stack, id, ['ACTIVE', 'FAILED']);
  expect(done.status).toBe('ACTIVE');

  const states = stack.stepFunctions.execution(id)?.statesEntered ?? [];
  expect(states.slice(states.indexOf('Grant ingress'), states.indexOf('Notify granted') + 1)).toEqual([
    'Grant ingress',
    'Check grant status',
    'Grant active?',
    'Wait before next check',
    'Check grant status',
    'Grant active?',
    'Notify granted',
  ]);
  // Looks at about 3.0, 3.2, 3.4 s (authorizing) and 3.6 s (available): a few more or fewer on a busy machine
  // (looks are anchored to the grant call, and a slow answer delays the next), never more than the one
  // invocation's window holds; every look is one status call.
  expect(done.grantStatusChecks).toBeGreaterThanOrEqual(1);
  expect(done.grantStatusChecks).toBeLessThanOrEqual(5_000 / 200 + 1);
  expect(stack.emulator.callCount('DescribeCacheSecurityGroups') - before).toBe(done.grantStatusChecks);
});
