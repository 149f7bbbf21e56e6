/**
 * Submitting when AWS pushes back, and when a client reuses an Idempotency-Key: what the caller is told,
 * and that nothing is left behind.
 */
import { startLocalStack, type LocalStack } from '../../../local/stack.js';
import { call, type RequestBody } from '../workflow/local-api.js';

let stack: LocalStack;

const body = (group: string) => ({ cacheSecurityGroupName: 'default', ec2SecurityGroupName: group, ec2SecurityGroupOwnerId: '987654321021', reason: 'conditions' });

async function aliceRequests(): Promise<string[]> {
  return (await call<{ items: RequestBody[] }>(stack, 'GET', '/requests?mine=true&limit=100', { as: 'alice@example.com' })).body.items.map((item) => item.id);
}

beforeAll(async () => {
  stack = await startLocalStack({ emulator: { propagationDelayMs: 0 } });
});

afterAll(async () => {
  await stack?.stop();
});

describe('AWS throttling while submitting', () => {
  afterEach(() => stack.emulator.faults.reset());

  it('→ 503 with Retry-After, no internals, nothing stored or started; the same request goes through once AWS recovers', async () => {
    const before = await aliceRequests();
    const executions = stack.stepFunctions.executionsList().length;
    const describes = stack.emulator.callCount('DescribeCacheSecurityGroups');
    stack.emulator.faults.set({ throttlingRate: 1 });
    const throttled = await call(stack, 'POST', '/requests', { as: 'alice@example.com', json: body('throttled-app') });
    expect(throttled.status).toBe(503);
    expect(throttled.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(throttled.body).toEqual({ error: 'ServiceUnavailable', message: expect.stringMatching(/try again/) as unknown as string, details: [] });
    expect(throttled.text).not.toMatch(/Throttling|Describ|HTTP 400/);
    // AWS said Throttling, and the SDK retried before the caller heard of it.
    expect(stack.emulator.callCount('DescribeCacheSecurityGroups') - describes).toBeGreaterThan(1);
    expect(await aliceRequests()).toEqual(before);
    expect(stack.stepFunctions.executionsList()).toHaveLength(executions);

    stack.emulator.faults.reset();
    const retried = await call<RequestBody>(stack, 'POST', '/requests', { as: 'alice@example.com', json: body('throttled-app') });
    expect(retried.status).toBe(202);
  });
});

describe('Idempotency-Key', () => {
  it('the same key and the same body (in any key order or spacing) → the same request', async () => {
    const first = await call<RequestBody>(stack, 'POST', '/requests', { as: 'alice@example.com', json: body('idem-same'), headers: { 'idempotency-key': 'same-1' } });
    expect(first.status).toBe(202);
    const reordered = `{ "reason": "conditions", "ec2SecurityGroupOwnerId": "987654321021",\n "ec2SecurityGroupName": "idem-same", "cacheSecurityGroupName": "default" }`;
    const again = await call<RequestBody>(stack, 'POST', '/requests', { as: 'alice@example.com', raw: reordered, headers: { 'content-type': 'application/json', 'idempotency-key': 'same-1' } });
    expect(again.status).toBe(202);
    expect(again.body.id).toBe(first.body.id);
  });

  it('the same key with another body → 422, and the first request is untouched', async () => {
    const first = await call<RequestBody>(stack, 'POST', '/requests', { as: 'alice@example.com', json: body('idem-first'), headers: { 'idempotency-key': 'reused-1' } });
    expect(first.status).toBe(202);
    const before = await aliceRequests();
    const executions = stack.stepFunctions.executionsList().length;
    const other = await call(stack, 'POST', '/requests', { as: 'alice@example.com', json: { ...body('idem-first'), reason: 'a different reason' }, headers: { 'idempotency-key': 'reused-1' } });
    expect(other.status).toBe(422);
    expect(other.body).toMatchObject({ error: 'Unprocessable', details: [{ field: 'Idempotency-Key', message: 'was used with a different body' }] });
    expect(await aliceRequests()).toEqual(before);
    expect(stack.stepFunctions.executionsList()).toHaveLength(executions);
    const stored = await call<RequestBody>(stack, 'GET', `/requests/${first.body.id}`, { as: 'alice@example.com' });
    expect(stored.body.reason).toBe('conditions');
  });

  it('two different bodies racing on one key: one is accepted, the other gets 422', async () => {
    const [a, b] = await Promise.all([
      call<RequestBody>(stack, 'POST', '/requests', { as: 'alice@example.com', json: body('race-a'), headers: { 'idempotency-key': 'race-1' } }),
      call<RequestBody>(stack, 'POST', '/requests', { as: 'alice@example.com', json: body('race-b'), headers: { 'idempotency-key': 'race-1' } }),
    ]);
    expect([a.status, b.status].sort()).toEqual([202, 422]);
  });
});
