/**
 * Bad input to the HTTP API on the local stack: every refusal is a 4xx with a JSON body that says what
 * is wrong ({ error, message, details: [{ field, message }] }), starts no execution and writes nothing.
 */
import { startLocalStack, type LocalStack } from '../../../local/stack.js';
import { approvalLinkFor, call, type ApiReply, type RequestBody } from './local-api.js';

const ALICE = 'alice@example.com';
const OWNER = '987654321021';
const APP_SG = 'sg-0a99000000000001';

interface ErrorBody {
  error: string;
  message: string;
  details: { field: string; message: string }[];
}

interface ListBody {
  items: RequestBody[];
  nextCursor?: string;
}

let stack: LocalStack;
let strangerToken: string;

function classicBody(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { cacheSecurityGroupName: 'default', ec2SecurityGroupName: 'myec2group', ec2SecurityGroupOwnerId: OWNER, reason: 'investigate latency', ...extra };
}

async function aliceRequestIds(): Promise<string[]> {
  const reply = await call<ListBody>(stack, 'GET', '/requests?mine=true&limit=100', { as: ALICE });
  expect(reply.status).toBe(200);
  return reply.body.items.map((item) => item.id);
}

/** Runs `action` and checks it started no execution and stored no request of alice's. */
async function changesNothing<T>(action: () => Promise<T>): Promise<T> {
  const executions = stack.stepFunctions.executionsList().length;
  const before = await aliceRequestIds();
  const result = await action();
  expect(stack.stepFunctions.executionsList().length).toBe(executions);
  expect(await aliceRequestIds()).toEqual(before);
  return result;
}

/** The reply is `status` with the JSON error body, naming exactly `fields` (in any order). */
function expectRefusal(reply: ApiReply, status: number, error: string, fields: string[]): ErrorBody {
  expect(reply.status).toBe(status);
  expect(reply.headers.get('content-type')).toMatch(/^application\/json/);
  const body = reply.body as unknown as ErrorBody;
  expect(body).toEqual({ error, message: expect.any(String) as unknown as string, details: expect.any(Array) as unknown as ErrorBody['details'] });
  expect(body.message.length).toBeGreaterThan(0);
  for (const detail of body.details) expect(detail).toEqual({ field: expect.any(String) as unknown as string, message: expect.any(String) as unknown as string });
  expect(body.details.map((d) => d.field).sort()).toEqual([...fields].sort());
  return body;
}

async function post(json: unknown, headers: Record<string, string> = {}): Promise<ApiReply> {
  return call(stack, 'POST', '/requests', { as: ALICE, json, headers });
}

async function submitted(body: Record<string, unknown>): Promise<RequestBody> {
  const reply = await call<RequestBody>(stack, 'POST', '/requests', { as: ALICE, json: body });
  expect(reply.status).toBe(202);
  return reply.body;
}

beforeAll(async () => {
  // orders-cache has a managed group; sessions-mc is left unmapped on purpose.
  stack = await startLocalStack({ emulator: { propagationDelayMs: 0, ec2PropagationDelayMs: 0 }, managedSecurityGroups: { 'orders-cache': 'sg-0cac4e9a7e0000001' } });
  strangerToken = await stack.authorizer.issue('mallory@example.com');
});

afterAll(async () => {
  await stack?.stop();
});

describe('POST /requests: the body', () => {
  it('malformed JSON → 400', async () => {
    const reply = await changesNothing(() => call(stack, 'POST', '/requests', { as: ALICE, raw: '{"reason": "x",', headers: { 'content-type': 'application/json' } }));
    const body = expectRefusal(reply, 400, 'ValidationError', ['(body)']);
    expect(body.message).toBe('Malformed JSON');
    expect(body.details[0]?.message).toMatch(/not valid JSON/);
  });

  it('an empty body → 400', async () => {
    const reply = await changesNothing(() => call(stack, 'POST', '/requests', { as: ALICE, raw: '', headers: { 'content-type': 'application/json' } }));
    expectRefusal(reply, 400, 'ValidationError', ['(body)']);
  });

  it('a JSON array → 400', async () => {
    const reply = await changesNothing(() => post([classicBody()]));
    expect(expectRefusal(reply, 400, 'ValidationError', ['(body)']).details[0]?.message).toBe('must be a JSON object');
  });

  it.each([
    ['text/plain', { 'content-type': 'text/plain' }],
    ['a form', { 'content-type': 'application/x-www-form-urlencoded' }],
    ['no content type', {}],
  ])('valid JSON sent as %s → 415', async (_name, headers) => {
    const reply = await changesNothing(() => call(stack, 'POST', '/requests', { as: ALICE, raw: JSON.stringify(classicBody()), headers }));
    expect(expectRefusal(reply, 415, 'UnsupportedMediaType', []).message).toMatch(/application\/json/);
  });

  it('a body over 16 KB → 413', async () => {
    const reply = await changesNothing(() => post(classicBody({ reason: 'x'.repeat(17 * 1024) })));
    expect(expectRefusal(reply, 413, 'PayloadTooLarge', []).message).toMatch(/16384 bytes/);
  });

  it('unknown and missing fields → 400 naming each', async () => {
    const reply = await changesNothing(() => post({ cacheSecurityGroupName: 'default', requester: 'bob@example.com', reason: 'r', colour: 'blue' }));
    const body = expectRefusal(reply, 400, 'ValidationError', ['requester', 'colour', 'ec2SecurityGroupName', 'ec2SecurityGroupOwnerId']);
    expect(body.details.find((d) => d.field === 'requester')?.message).toMatch(/authenticated caller/);
    expect(body.details.find((d) => d.field === 'ec2SecurityGroupName')?.message).toBe('is required');
  });

  it('no target at all → 400', async () => {
    const reply = await changesNothing(() => post({ reason: 'r' }));
    expectRefusal(reply, 400, 'ValidationError', ['(target)']);
  });

  it('an owner id that is not 12 digits → 400', async () => {
    const reply = await changesNothing(() => post(classicBody({ ec2SecurityGroupOwnerId: '98765432102' })));
    expect(expectRefusal(reply, 400, 'ValidationError', ['ec2SecurityGroupOwnerId']).details[0]?.message).toMatch(/12-digit/);
  });

  it('an empty reason → 400', async () => {
    const reply = await changesNothing(() => post(classicBody({ reason: '   ' })));
    expect(expectRefusal(reply, 400, 'ValidationError', ['reason']).details[0]?.message).toBe('must contain visible text');
  });

  it('a reason over 999 characters → 400', async () => {
    const reply = await changesNothing(() => post(classicBody({ reason: 'r'.repeat(1000) })));
    expect(expectRefusal(reply, 400, 'ValidationError', ['reason']).details[0]?.message).toBe('must be at most 999 characters (got 1000)');
  });

  it('durationMinutes above the target’s maximum → 400 that gives the maximum', async () => {
    const reply = await changesNothing(() => post(classicBody({ durationMinutes: 481 })));
    expect(expectRefusal(reply, 400, 'ValidationError', ['durationMinutes']).details[0]?.message).toBe('must be at most 480 minutes for this target (got 481)');
  });

  it.each([0, -5, 1.5, '30', null])('durationMinutes %p → 400: a whole number of minutes, at least 1', async (durationMinutes) => {
    const reply = await changesNothing(() => post(classicBody({ durationMinutes })));
    expect(expectRefusal(reply, 400, 'ValidationError', ['durationMinutes']).details[0]?.message).toBe('must be a whole number of minutes, at least 1');
  });

  it('every problem at once', async () => {
    const reply = await changesNothing(() => post({ replicationGroupId: 'Orders_Cache', sourceSecurityGroupId: 'sg-nothex', reason: '', durationMinutes: 0 }));
    expectRefusal(reply, 400, 'ValidationError', ['replicationGroupId', 'sourceSecurityGroupId', 'reason', 'durationMinutes']);
  });

  it('a malformed Idempotency-Key → 400', async () => {
    const reply = await changesNothing(() => post(classicBody({ ec2SecurityGroupName: 'idempotency-check' }), { 'idempotency-key': 'has spaces in it' }));
    expectRefusal(reply, 400, 'ValidationError', ['Idempotency-Key']);
  });
});

describe('POST /requests: who is asking', () => {
  it.each([
    ['no token', {}],
    ['a token signed by someone else', { authorization: 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJlbWFpbCI6ImFsaWNlQGV4YW1wbGUuY29tIn0.c2lnbmF0dXJlLW5vdC12YWxpZC1hdC1hbGwtMDEyMzQ1Njc' }],
    ['garbage', { authorization: 'Bearer nope' }],
    ['not a bearer token', { authorization: 'Basic YWxpY2U6cGFzc3dvcmQ=' }],
  ])('%s → 401 from the gateway', async (_name, headers) => {
    const reply = await changesNothing(() => call(stack, 'POST', '/requests', { json: classicBody(), headers }));
    expect(reply.status).toBe(401);
    expect(reply.body).toEqual({ message: 'Unauthorized' });
  });

  it('GET /requests without a token → 401', async () => {
    expect((await call(stack, 'GET', '/requests')).status).toBe(401);
  });
});

describe('POST /requests: the target', () => {
  it('an unknown cache security group → 404 naming the field', async () => {
    const reply = await changesNothing(() => post(classicBody({ cacheSecurityGroupName: 'no-such-group' })));
    const body = expectRefusal(reply, 404, 'NotFound', ['cacheSecurityGroupName']);
    expect(body.message).toMatch(/no-such-group/);
  });

  it('an unknown replication group → 404 naming the field', async () => {
    const reply = await changesNothing(() => post({ replicationGroupId: 'no-such-cache', sourceSecurityGroupId: APP_SG, reason: 'r' }));
    const body = expectRefusal(reply, 404, 'NotFound', ['replicationGroupId']);
    expect(body.message).toMatch(/no-such-cache/);
  });

  it('an unknown cache cluster → 404 naming the field', async () => {
    const reply = await changesNothing(() => post({ cacheClusterId: 'no-such-cluster', sourceSecurityGroupId: APP_SG, reason: 'r' }));
    expectRefusal(reply, 404, 'NotFound', ['cacheClusterId']);
  });

  it('a cluster without a managed security group → 422 saying what to do', async () => {
    const reply = await changesNothing(() => post({ cacheClusterId: 'sessions-mc', sourceSecurityGroupId: APP_SG, reason: 'r' }));
    const body = expectRefusal(reply, 422, 'Unprocessable', ['cacheClusterId']);
    expect(body.message).toMatch(/sessions-mc has no cachegate-managed security group/);
    expect(body.message).toMatch(/MANAGED_SECURITY_GROUPS/);
  });

  it('the same request while the first is pending → 409 with its id; the first was accepted', async () => {
    const body = { replicationGroupId: 'orders-cache', sourceSecurityGroupId: APP_SG, reason: 'debug orders' };
    const executions = stack.stepFunctions.executionsList().length;
    const first = await submitted(body);
    expect(first.status).toBe('PENDING_APPROVAL');
    expect(stack.stepFunctions.executionsList().length).toBe(executions + 1);
    expect(stack.stepFunctions.execution(first.id)).toBeDefined();

    const again = await changesNothing(() => post({ ...body, reason: 'asking again' }));
    const refusal = expectRefusal(again, 409, 'Conflict', []);
    expect(refusal.message).toContain(first.id);
    const stored = await call<RequestBody>(stack, 'GET', `/requests/${first.id}`, { as: ALICE });
    expect(stored.body.reason).toBe('debug orders');
  });
});

describe('GET /requests/{id} and GET /requests', () => {
  let ids: string[] = [];

  beforeAll(async () => {
    ids = [];
    for (const name of ['page-one', 'page-two', 'page-three']) {
      ids.push((await submitted(classicBody({ ec2SecurityGroupName: name }))).id);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  });

  it('a stranger gets 404 for a request that exists, as for one that does not', async () => {
    const id = ids[0] ?? '';
    const reply = await call(stack, 'GET', `/requests/${id}`, { as: strangerToken });
    expect(expectRefusal(reply, 404, 'NotFound', []).message).toContain(id);
    const missing = await call(stack, 'GET', '/requests/00000000-0000-4000-8000-000000000000', { as: ALICE });
    expectRefusal(missing, 404, 'NotFound', []);
    expectRefusal(await call(stack, 'GET', '/requests/not-an-id', { as: ALICE }), 404, 'NotFound', []);
    // The requester and an approver see it.
    expect((await call(stack, 'GET', `/requests/${id}`, { as: ALICE })).status).toBe(200);
    expect((await call(stack, 'GET', `/requests/${id}`, { as: 'bob@example.com' })).status).toBe(200);
  });

  it.each([
    ['status=NOPE', ['status']],
    ['status=pending_approval', ['status']],
    ['limit=0', ['limit']],
    ['limit=101', ['limit']],
    ['limit=ten', ['limit']],
    ['limit=1.5', ['limit']],
    ['mine=yes', ['mine']],
    ['cursor=not!a*cursor', ['cursor']],
    ['status=NOPE&limit=-1', ['status', 'limit']],
  ])('GET /requests?%s → 400', async (query, fields) => {
    const reply = await call(stack, 'GET', `/requests?${query}`, { as: ALICE });
    expectRefusal(reply, 400, 'ValidationError', fields);
  });

  it('a cursor the API did not return → 400', async () => {
    const reply = await call(stack, 'GET', `/requests?mine=true&cursor=${Buffer.from('{"bogus":1}').toString('base64url')}`, { as: ALICE });
    expectRefusal(reply, 400, 'ValidationError', ['cursor']);
  });

  it('mine=true lists newest first and pages with nextCursor', async () => {
    const all = await call<ListBody>(stack, 'GET', '/requests?mine=true&limit=100', { as: ALICE });
    expect(all.status).toBe(200);
    const listed = all.body.items.map((item) => item.id);
    expect(listed.slice(0, 3)).toEqual([...ids].reverse());
    const created = all.body.items.map((item) => String(item.createdAt));
    expect(created).toEqual([...created].sort().reverse());
    expect(all.body.items.every((item) => item.requester === ALICE)).toBe(true);

    const paged: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 20; page++) {
      const reply = await call<ListBody>(stack, 'GET', `/requests?mine=true&limit=1${cursor ? `&cursor=${cursor}` : ''}`, { as: ALICE });
      expect(reply.status).toBe(200);
      expect(reply.body.items.length).toBeLessThanOrEqual(1);
      paged.push(...reply.body.items.map((item) => item.id));
      cursor = reply.body.nextCursor;
      if (!cursor) break;
    }
    expect(cursor).toBeUndefined();
    expect(paged).toEqual(listed);
    expect(paged.length).toBeGreaterThanOrEqual(3);
  });

  it('a stranger’s own list does not show alice’s requests', async () => {
    const reply = await call<ListBody>(stack, 'GET', '/requests?mine=true', { as: strangerToken });
    expect(reply.status).toBe(200);
    expect(reply.body.items).toEqual([]);
  });
});

describe('POST /approvals/{token}', () => {
  it('a garbage token → 403 page, nothing decided', async () => {
    const reply = await changesNothing(() => call(stack, 'POST', '/approvals/garbage', { form: { decision: 'approve' } }));
    expect(reply.status).toBe(403);
    expect(reply.headers.get('content-type')).toContain('text/html');
    expect(reply.text).toContain('This link cannot be used');
  });

  it('a garbage token asked for as JSON → 403 JSON', async () => {
    const reply = await call(stack, 'POST', '/approvals/garbage', { form: { decision: 'approve' }, headers: { accept: 'application/json' } });
    expectRefusal(reply, 403, 'LinkInvalid', []);
  });

  it('decision=maybe on a real link → 400, and the link still works after', async () => {
    const { id } = await submitted(classicBody({ ec2SecurityGroupName: 'maybe-group' }));
    const link = await approvalLinkFor(stack, 'bob@example.com', id);

    const page = await call(stack, 'POST', link, { form: { decision: 'maybe' } });
    expect(page.status).toBe(400);
    expect(page.headers.get('content-type')).toContain('text/html');

    const reply = await changesNothing(() => call(stack, 'POST', link, { form: { decision: 'maybe' }, headers: { accept: 'application/json' } }));
    expect(expectRefusal(reply, 400, 'ValidationError', ['decision']).details[0]?.message).toBe('must be approve or deny');

    const missing = await call(stack, 'POST', link, { form: { comment: 'no decision' }, headers: { accept: 'application/json' } });
    expectRefusal(missing, 400, 'ValidationError', ['decision']);

    const still = await call<RequestBody>(stack, 'GET', `/requests/${id}`, { as: ALICE });
    expect(still.body.status).toBe('PENDING_APPROVAL');
    expect(still.body.decidedBy).toEqual([]);
    expect(still.body.history.map((e) => e.event)).not.toContain('approved');
    // Refusing the decision did not use the link up.
    const decided = await call(stack, 'POST', link, { form: { decision: 'deny' }, headers: { accept: 'application/json' } });
    expect(decided.status).toBe(200);
    expect((decided.body as { outcome: string }).outcome).toBe('denied');
    await stack.stepFunctions.execution(id)?.done;
    expect(stack.stepFunctions.execution(id)?.status).toBe('SUCCEEDED');
  });
});
