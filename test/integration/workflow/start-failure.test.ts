/**
 * When Step Functions refuses to start the workflow (an outage, injected at the local Step Functions
 * endpoint): the caller gets a bare 500, the request is recorded as FAILED with the reason, and the
 * requester's slot is released so the same request can be made again.
 */
import { startLocalStack, type LocalStack } from '../../../local/stack.js';
import { call, type RequestBody } from './local-api.js';

let stack: LocalStack;

const body = { cacheSecurityGroupName: 'default', ec2SecurityGroupName: 'myec2group', ec2SecurityGroupOwnerId: '987654321021', reason: 'outage drill' };

beforeAll(async () => {
  stack = await startLocalStack({ emulator: { propagationDelayMs: 0 } });
});

afterAll(async () => {
  await stack?.stop();
});

it('a failed StartExecution: 500 without internals, the request FAILED, the slot free again', async () => {
  stack.stepFunctions.injectFailure('StartExecution', 'ServiceUnavailable', 'Service Unavailable at internal-host-17', 503);

  const refused = await call(stack, 'POST', '/requests', { as: 'alice@example.com', json: body });
  expect(refused.status).toBe(500);
  expect(refused.text).not.toContain('internal-host-17');
  expect((refused.body as { error: string }).error).toBe('InternalError');

  const { items } = (await call<{ items: RequestBody[] }>(stack, 'GET', '/requests?mine=true', { as: 'alice@example.com' })).body;
  expect(items).toHaveLength(1);
  expect(items[0]).toMatchObject({ status: 'FAILED', failureReason: 'The workflow could not be started' });

  stack.stepFunctions.clearFailure('StartExecution');
  const retried = await call<RequestBody>(stack, 'POST', '/requests', { as: 'alice@example.com', json: body });
  expect(retried.status).toBe(202);
  expect(retried.body.id).not.toBe(items[0]?.id);
  expect(stack.stepFunctions.execution(retried.body.id)?.status).toBe('RUNNING');
});

it('StartExecution throttled: 503 with Retry-After, and a retry with the same Idempotency-Key starts afresh', async () => {
  stack.stepFunctions.injectFailure('StartExecution', 'ThrottlingException', 'Rate exceeded', 400);
  const key = { 'idempotency-key': 'throttled-start-1' };
  const throttledBody = { ...body, ec2SecurityGroupName: 'throttled-start' };

  const refused = await call(stack, 'POST', '/requests', { as: 'alice@example.com', json: throttledBody, headers: key });
  expect(refused.status).toBe(503);
  expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
  expect(refused.text).not.toContain('Rate exceeded');

  stack.stepFunctions.clearFailure('StartExecution');
  const retried = await call<RequestBody>(stack, 'POST', '/requests', { as: 'alice@example.com', json: throttledBody, headers: key });
  expect(retried.status).toBe(202);
  expect(retried.body.status).toBe('PENDING_APPROVAL');
  expect(stack.stepFunctions.execution(retried.body.id)?.status).toBe('RUNNING');
});
