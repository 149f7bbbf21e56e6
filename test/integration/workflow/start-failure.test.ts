/**
 * When Step Functions refuses to start the workflow (an outage the local stack cannot produce, hence
 * Step Functions' error reply put on the wire in its place, below the adapter's signed call): the caller
 * gets a bare 500, the request is recorded as FAILED with the reason, and the requester's slot is released
 * so the same request can be made again.
 */
import { Readable } from 'node:stream';
import { HttpResponse, type HttpRequest } from '@smithy/core/protocols';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { startLocalStack, type LocalStack } from '../../../local/stack.js';
import { call, type RequestBody } from './local-api.js';

let stack: LocalStack;
let sfn: { restore(): void } | undefined;

const body = { cacheSecurityGroupName: 'default', ec2SecurityGroupName: 'myec2group', ec2SecurityGroupOwnerId: '987654321021', reason: 'outage drill' };

/** Every StartExecution (each attempt) gets this Step Functions error reply; every other call goes through. */
function startExecutionAnswers(status: number, type: string, message: string): { restore(): void } {
  const handle = NodeHttpHandler.prototype.handle;
  const spy = jest.spyOn(NodeHttpHandler.prototype, 'handle').mockImplementation(function (this: NodeHttpHandler, request: HttpRequest, options) {
    if (request.headers['x-amz-target'] !== 'AWSStepFunctions.StartExecution') return handle.call(this, request, options);
    const reply = Buffer.from(JSON.stringify({ __type: `com.amazonaws.states#${type}`, message }));
    return Promise.resolve({ response: new HttpResponse({ statusCode: status, headers: { 'content-type': 'application/x-amz-json-1.0' }, body: Readable.from([reply]) }) });
  });
  return { restore: () => spy.mockRestore() };
}

beforeAll(async () => {
  stack = await startLocalStack({ emulator: { propagationDelayMs: 0 } });
});

afterAll(async () => {
  sfn?.restore();
  await stack?.stop();
});

it('a failed StartExecution: 500 without internals, the request FAILED, the slot free again', async () => {
  sfn = startExecutionAnswers(503, 'ServiceUnavailable', 'Service Unavailable at internal-host-17');

  const refused = await call(stack, 'POST', '/requests', { as: 'alice@example.com', json: body });
  expect(refused.status).toBe(500);
  expect(refused.text).not.toContain('internal-host-17');
  expect((refused.body as { error: string }).error).toBe('InternalError');

  const { items } = (await call<{ items: RequestBody[] }>(stack, 'GET', '/requests?mine=true', { as: 'alice@example.com' })).body;
  expect(items).toHaveLength(1);
  expect(items[0]).toMatchObject({ status: 'FAILED', failureReason: 'The workflow could not be started' });

  sfn.restore();
  sfn = undefined;
  const retried = await call<RequestBody>(stack, 'POST', '/requests', { as: 'alice@example.com', json: body });
  expect(retried.status).toBe(202);
  expect(retried.body.id).not.toBe(items[0]?.id);
  expect(stack.stepFunctions.execution(retried.body.id)?.status).toBe('RUNNING');
});

it('StartExecution throttled: 503 with Retry-After, and a retry with the same Idempotency-Key starts afresh', async () => {
  sfn = startExecutionAnswers(400, 'ThrottlingException', 'Rate exceeded');
  const key = { 'idempotency-key': 'throttled-start-1' };
  const throttledBody = { ...body, ec2SecurityGroupName: 'throttled-start' };

  const refused = await call(stack, 'POST', '/requests', { as: 'alice@example.com', json: throttledBody, headers: key });
  expect(refused.status).toBe(503);
  expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
  expect(refused.text).not.toContain('Rate exceeded');

  sfn.restore();
  sfn = undefined;
  const retried = await call<RequestBody>(stack, 'POST', '/requests', { as: 'alice@example.com', json: throttledBody, headers: key });
  expect(retried.status).toBe(202);
  expect(retried.body.status).toBe('PENDING_APPROVAL');
  expect(stack.stepFunctions.execution(retried.body.id)?.status).toBe('RUNNING');
});
