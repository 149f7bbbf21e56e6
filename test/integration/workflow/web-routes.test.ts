/** The web app's JSON routes on the local stack: who may decide, audit and see, and what they are told. */
import { startLocalStack, type LocalStack } from '../../../local/stack.js';
import { call, type RequestBody } from './local-api.js';
import { checkedAnswers } from '../../support/openapi.js';

let stack: LocalStack;
let id = '';

beforeAll(async () => {
  stack = await startLocalStack({ policy: { default: { approvers: ['bob@example.com', 'carol@example.com'], approvalsRequired: 2 }, auditors: ['carol@example.com'] } });
  const created = await call<RequestBody>(stack, 'POST', '/requests', { as: 'alice@example.com', json: { replicationGroupId: 'orders-cache', sourceSecurityGroupId: 'sg-0a99000000000001', reason: 'web routes' } });
  expect(created.status).toBe(202);
  id = created.body.id;
  expect(created.body.links).toEqual({ self: `${stack.url}/requests/${id}`, page: `${stack.url}/app/requests/${id}` });
});

afterAll(async () => {
  await stack?.stop();
});

describe('POST /requests/{id}/decision', () => {
  it('refuses the requester (403), a bad body field by name (400), an unknown id (404)', async () => {
    expect((await call(stack, 'POST', `/requests/${id}/decision`, { as: 'alice@example.com', json: { decision: 'approve' } })).status).toBe(403);
    const bad = await call<{ details: { field: string }[] }>(stack, 'POST', `/requests/${id}/decision`, { as: 'bob@example.com', json: { decision: 'maybe', extra: 1 } });
    expect(bad.status).toBe(400);
    expect(bad.body.details.map((d) => d.field).sort()).toEqual(['decision', 'extra']);
    expect((await call(stack, 'POST', '/requests/00000000-0000-0000-0000-000000000000/decision', { as: 'bob@example.com', json: { decision: 'approve' } })).status).toBe(404);
  });

  it('records one decision per approver: the second try is 409, and the quorum still needs carol', async () => {
    const first = await call<{ outcome: string; request: RequestBody }>(stack, 'POST', `/requests/${id}/decision`, { as: 'bob@example.com', json: { decision: 'approve', comment: 'fine' } });
    expect(first.status).toBe(200);
    expect(first.body.outcome).toBe('recorded');
    expect(first.body.request.history.at(-1)).toMatchObject({ event: 'approved', actor: 'bob@example.com', detail: 'fine' });
    expect((await call(stack, 'POST', `/requests/${id}/decision`, { as: 'bob@example.com', json: { decision: 'deny' } })).status).toBe(409);
  });
});

describe('GET /requests/{id} with ETag', () => {
  it('answers 304 to If-None-Match while nothing changed', async () => {
    // Nothing still under way that writes to the request (the notifications of its decision).
    await stack.notifications.settled();
    const first = await call(stack, 'GET', `/requests/${id}`, { as: 'alice@example.com' });
    const etag = first.headers.get('etag') as string;
    expect(etag).toMatch(/^".+"$/);
    const again = await call(stack, 'GET', `/requests/${id}`, { as: 'alice@example.com', headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    expect(again.text).toBe('');
  });
});

describe('GET /audit/requests and GET /targets', () => {
  it('lets auditors read every request (and its page), and no one else (403)', async () => {
    expect((await call(stack, 'GET', '/audit/requests', { as: 'bob@example.com' })).status).toBe(403);
    const audit = await call<{ items: RequestBody[] }>(stack, 'GET', '/audit/requests?requester=alice@example.com&status=PENDING_APPROVAL', { as: 'carol@example.com' });
    expect(audit.status).toBe(200);
    expect(audit.body.items.map((r) => r.id)).toEqual([id]);
    const bad = await call<{ details: { field: string }[] }>(stack, 'GET', '/audit/requests?from=soon', { as: 'carol@example.com' });
    expect(bad.body.details).toEqual([expect.objectContaining({ field: 'from' })]);
    expect((await call(stack, 'GET', `/requests/${id}`, { as: 'carol@example.com' })).status).toBe(200);
  });

  it('pages through every request, newest first, and filters by target', async () => {
    for (const [cluster, source] of [['sessions-mc', 'sg-0a99000000000001'], ['orders-cache', 'sg-0095000000000001']]) {
      const field = cluster === 'sessions-mc' ? 'cacheClusterId' : 'replicationGroupId';
      expect((await call(stack, 'POST', '/requests', { as: 'alice@example.com', json: { [field]: cluster, sourceSecurityGroupId: source, reason: 'paging' } })).status).toBe(202);
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await call<{ items: RequestBody[]; nextCursor?: string }>(stack, 'GET', `/audit/requests?limit=2${cursor ? `&cursor=${cursor}` : ''}`, { as: 'carol@example.com' });
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.items.map((r) => `${r.id} ${String(r.createdAt)}`));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(3);
    expect([...seen].sort((a, b) => b.split(' ')[1]!.localeCompare(a.split(' ')[1]!))).toEqual(seen);
    const sessions = await call<{ items: RequestBody[] }>(stack, 'GET', '/audit/requests?target=sessions-mc', { as: 'carol@example.com' });
    expect(sessions.body.items.map((r) => r.reason)).toEqual(['paging']);
  });

  it('lists what the caller may ask for, and the caller\'s roles', async () => {
    const targets = await call<{ items: { key: string }[]; caller: Record<string, unknown> }>(stack, 'GET', '/targets', { as: 'carol@example.com' });
    expect(targets.body.caller).toEqual({ email: 'carol@example.com', approver: true, auditor: true });
    expect(targets.body.items.map((t) => t.key)).toEqual([]);
    expect((await call(stack, 'GET', '/targets', { as: 'alice@example.com' })).body).toMatchObject({ items: [{ key: 'orders-cache', mode: 'vpc', approvers: ['bob@example.com', 'carol@example.com'] }, { key: 'sessions-mc' }] });
  });
});

it('every answer above matches the OpenAPI document (/openapi.json)', () => {
  expect(checkedAnswers.problems).toEqual([]);
  expect(checkedAnswers.count).toBeGreaterThan(10);
});
