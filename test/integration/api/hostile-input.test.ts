/**
 * Hostile input on every route and every way in. Each probe must get a 4xx with a body that says what is
 * wrong, never a 5xx, and change nothing: the whole table, the executions, the notification queue, the
 * outbox and the Slack sink are the same after it as before (nothing stored, nothing started, nothing
 * queued or sent). Every response from our functions carries the security headers and
 * Cache-Control: no-store, error pages and JSON errors included. API Gateway's own answers (401 from the
 * JWT authorizer, 404 for no route, 400 for an undecodable path) come from the gateway and cannot be
 * customised on an HTTP API.
 */
import { UnsecuredJWT } from 'jose';
import { LocalAuthorizer } from '../../../local/http-gateway.js';
import { startLocalStack, type LocalStack } from '../../../local/stack.js';
import { clickPayload, approvalPost } from '../slack/slack-click.js';
import { approvalLinkFor, call, type ApiReply, type RequestBody } from '../workflow/local-api.js';
import { checkedAnswers } from '../../support/openapi.js';

const ALICE = 'alice@example.com';
const OWNER = '987654321021';
const APP_SG = 'sg-0a99000000000001';

let stack: LocalStack;
let store: typeof import('../../../functions/adapters/request-store.js')['requestStore'];
/** alice's pending request, and bob's unused link to it. */
let pendingId: string;
let bobsLink: string;
const statuses: number[] = [];

const classic = (extra: Record<string, unknown> = {}) => ({ cacheSecurityGroupName: 'default', ec2SecurityGroupName: 'hostile-probe', ec2SecurityGroupOwnerId: OWNER, reason: 'a fine reason', ...extra });
const vpc = (extra: Record<string, unknown> = {}) => ({ replicationGroupId: 'orders-cache', sourceSecurityGroupId: APP_SG, reason: 'a fine reason', ...extra });

/** Everything a request could change: every stored item, every execution, every message sent. */
async function everything(): Promise<string> {
  const { DynamoDBClient } = await import('@aws-sdk/client-dynamodb');
  const { DynamoDBDocumentClient, ScanCommand } = await import('@aws-sdk/lib-dynamodb');
  const client = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1', endpoint: process.env.DYNAMODB_ENDPOINT }));
  const { Items = [] } = await client.send(new ScanCommand({ TableName: process.env.TABLE_NAME, ConsistentRead: true }));
  client.destroy();
  const items = Items.map((item) => JSON.stringify(item)).sort();
  const executions = stack.stepFunctions.executionsList().map((e) => `${e.name} ${e.status} ${e.statesEntered.length}`);
  return JSON.stringify({ items, executions, queued: stack.notifications.depth, outbox: stack.outbox.messages().length, slack: stack.slack.calls().length });
}

type From = 'function' | 'gateway' | 'slack';

/** The probe answered `status` (a 4xx) with a clear body and the right headers, and changed nothing. */
async function refused(probe: () => Promise<ApiReply>, status: number, from: From = 'function'): Promise<ApiReply> {
  const before = await everything();
  const reply = await probe();
  statuses.push(reply.status);
  expect(reply.status).toBe(status);
  expect(await everything()).toBe(before);
  const type = reply.headers.get('content-type') ?? '';
  if (from === 'gateway') {
    expect(reply.body).toEqual({ message: expect.any(String) });
    return reply;
  }
  expect(reply.headers.get('x-content-type-options')).toBe('nosniff');
  expect(reply.headers.get('cache-control')).toBe('no-store');
  expect(reply.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
  if (from === 'slack') {
    // Slack's contract: a refused interaction gets an empty 401 (the signature is the only conversation).
    expect(reply.text).toBe('');
  } else if (type.startsWith('text/html')) {
    expect(reply.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(reply.headers.get('x-frame-options')).toBe('DENY');
    expect(reply.text).toMatch(/<h1>[^<]+<\/h1>/);
  } else {
    expect(type).toMatch(/^application\/json/);
    const body = reply.body as { error?: unknown; message?: unknown };
    expect(body.error).toEqual(expect.any(String));
    expect(String(body.message).length).toBeGreaterThan(10);
  }
  return reply;
}

const asAlice = (method: string, path: string, options: Parameters<typeof call>[3] = {}) => () => call(stack, method, path, { as: ALICE, ...options });
const postJson = (json: unknown, headers: Record<string, string> = {}) => asAlice('POST', '/requests', { json, headers });
const postRaw = (raw: string, contentType?: string) => asAlice('POST', '/requests', { raw, headers: contentType ? { 'content-type': contentType } : {} });
const fields = (reply: ApiReply) => ((reply.body as { details?: { field: string }[] }).details ?? []).map((d) => d.field).sort();

beforeAll(async () => {
  stack = await startLocalStack({ emulator: { propagationDelayMs: 0 } });
  ({ requestStore: store } = await import('../../../functions/adapters/request-store.js'));
  const submitted = await call<RequestBody>(stack, 'POST', '/requests', { as: ALICE, json: classic({ ec2SecurityGroupName: 'the-pending-one' }) });
  expect(submitted.status).toBe(202);
  pendingId = submitted.body.id;
  // Let the approval wait send everything it sends first: the approvers' emails and the channel post, then
  // the requester's "submitted" email, its last effect.
  bobsLink = await approvalLinkFor(stack, 'bob@example.com', pendingId);
  await approvalPost(stack, pendingId);
  await stack.outbox.waitFor((m) => m.channel === 'email' && m.to.includes(ALICE) && (m.text.includes(pendingId) || m.links.some((l) => l.includes(pendingId))), 5000);
  await stack.notifications.settled();
});

afterAll(async () => {
  await stack?.stop();
});

describe('POST /requests', () => {
  it.each<[string, unknown, string[]]>([
    ['reason of the wrong type', classic({ reason: 5 }), ['reason']],
    ['a group name that is a list', classic({ cacheSecurityGroupName: ['default'] }), ['cacheSecurityGroupName']],
    ['an owner id that is a number', classic({ ec2SecurityGroupOwnerId: 987654321021 }), ['ec2SecurityGroupOwnerId']],
    ['a missing field', { cacheSecurityGroupName: 'default', ec2SecurityGroupName: 'x', reason: 'r' }, ['ec2SecurityGroupOwnerId']],
    ['an unknown field', classic({ admin: true }), ['admin']],
    ['a constructor key', classic({ constructor: { name: 'x' } }), ['constructor']],
    ['classic and VPC fields mixed', classic({ replicationGroupId: 'orders-cache' }), ['replicationGroupId']],
    ['VPC and classic fields mixed', vpc({ ec2SecurityGroupName: 'x' }), ['ec2SecurityGroupName']],
    ['a cache security group name over 255 characters', classic({ cacheSecurityGroupName: 'a'.repeat(256) }), ['cacheSecurityGroupName']],
    ['a cache security group name with spaces', classic({ cacheSecurityGroupName: 'bad name!' }), ['cacheSecurityGroupName']],
    ['a non-ASCII EC2 group name', classic({ ec2SecurityGroupName: 'grüppe' }), ['ec2SecurityGroupName']],
    ['an owner id with a letter', classic({ ec2SecurityGroupOwnerId: '98765432102a' }), ['ec2SecurityGroupOwnerId']],
    ['a replication group id starting with a hyphen', vpc({ replicationGroupId: '-orders' }), ['replicationGroupId']],
    ['a replication group id with a double hyphen', vpc({ replicationGroupId: 'orders--cache' }), ['replicationGroupId']],
    ['an uppercase replication group id', vpc({ replicationGroupId: 'Orders' }), ['replicationGroupId']],
    ['a replication group id over 40 characters', vpc({ replicationGroupId: 'a'.repeat(41) }), ['replicationGroupId']],
    ['a security group id that is not hex', vpc({ sourceSecurityGroupId: 'sg-XYZ12345' }), ['sourceSecurityGroupId']],
    ['a short security group id', vpc({ sourceSecurityGroupId: 'sg-1234567' }), ['sourceSecurityGroupId']],
    ['a source owner id of 4 digits', vpc({ sourceSecurityGroupOwnerId: '1234' }), ['sourceSecurityGroupOwnerId']],
    ['a reason of zero-width spaces', classic({ reason: '\u200B\u200B\u2060' }), ['reason']],
    ['a reason with a right-to-left override', classic({ reason: 'routine \u202Eetaler\u202C check' }), ['reason']],
    ['a reason with an isolate', classic({ reason: 'see \u2066this\u2069' }), ['reason']],
    ['a reason with a NUL', classic({ reason: 'fix\u0000it' }), ['reason']],
    ['a reason with a terminal escape', classic({ reason: 'fix \u001B[2Jit' }), ['reason']],
    ['JSON null', null, ['(body)']],
    ['a JSON number', 42, ['(body)']],
    ['a JSON string', 'please', ['(body)']],
    ['a reason nested 2,000 levels deep', classic({ reason: JSON.parse(`${'['.repeat(2000)}${']'.repeat(2000)}`) as unknown }), ['reason']],
  ])('%s → 400 naming the field', async (_name, json, expected) => {
    expect(fields(await refused(postJson(json), 400))).toEqual(expected.sort());
  });

  it.each([
    ['a __proto__ key', `{"__proto__":{"admin":true},"cacheSecurityGroupName":"default","ec2SecurityGroupName":"x","ec2SecurityGroupOwnerId":"${OWNER}","reason":"r"}`, ['__proto__']],
    ['invalid JSON', '{"reason": "x",', ['(body)']],
    ['JSON after a byte order mark', `\uFEFF${JSON.stringify(classic())}`, ['(body)']],
    ['an empty body', '', ['(body)']],
    ['an array 5,000 levels deep', `${'['.repeat(5000)}${']'.repeat(5000)}`, ['(body)']],
  ])('%s → 400', async (_name, raw, expected) => {
    expect(fields(await refused(postRaw(raw, 'application/json'), 400))).toEqual(expected);
  });

  it.each([
    ['text/plain', 'text/plain'],
    ['a form', 'application/x-www-form-urlencoded'],
    ['multipart', 'multipart/form-data; boundary=x'],
    ['a JSON-like type', 'application/json-patch+json'],
    ['no content type', undefined],
  ])('valid JSON sent as %s → 415', async (_name, type) => {
    await refused(postRaw(JSON.stringify(classic()), type), 415);
  });

  it('a body over 16 KB → 413', async () => {
    await refused(postJson(classic({ reason: 'x'.repeat(17 * 1024) })), 413);
  });

  it.each([
    ['spaces', 'has spaces'],
    ['over 128 characters', 'k'.repeat(129)],
    ['a slash', 'a/b'],
  ])('an Idempotency-Key with %s → 400', async (_name, key) => {
    expect(fields(await refused(postJson(classic(), { 'idempotency-key': key }), 400))).toEqual(['Idempotency-Key']);
  });

  it('an unknown replication group → 404 saying what to check, not AWS’s fault text', async () => {
    const reply = await refused(postJson(vpc({ replicationGroupId: 'no-such-cache' })), 404);
    const body = reply.body as { message: string; details: { field: string; message: string }[] };
    expect(body.message).toContain('no-such-cache');
    expect(body.message).toMatch(/Check the id/);
    expect(reply.text).not.toMatch(/Fault|HTTP 404|Describing/);
    expect(body.details).toEqual([{ field: 'replicationGroupId', message: body.message }]);
  });

  it('an unknown cache security group → 404 saying what to check', async () => {
    const reply = await refused(postJson(classic({ cacheSecurityGroupName: 'no-such-group' })), 404);
    expect(reply.text).toContain('no-such-group');
    expect(reply.text).not.toMatch(/Fault|HTTP 404|Describing/);
  });
});

describe('GET /requests', () => {
  const otherListCursor = () =>
    Buffer.from(JSON.stringify({ pk: `REQ#${pendingId}`, sk: 'REQUEST', requesterKey: 'bob@example.com', listKey: `2026-01-01T00:00:00.000Z#${pendingId}` })).toString('base64url');

  it.each([
    ['status=bogus', ['status']],
    ['status=PENDING_APPROVAL&status=DENIED', ['status']],
    ['limit=0', ['limit']],
    ['limit=abc', ['limit']],
    ['limit=-5', ['limit']],
    ['mine=1', ['mine']],
    ['cursor=AAAA', ['cursor']],
    [`cursor=${'A'.repeat(3000)}`, ['cursor']],
    ['cursor=%E0%A4%A', ['cursor']],
  ])('?%s → 400 naming the field', async (query, expected) => {
    expect(fields(await refused(asAlice('GET', `/requests?${query}`), 400))).toEqual(expected);
  });

  it('a cursor forged from another requester’s list → 400', async () => {
    expect(fields(await refused(asAlice('GET', `/requests?mine=true&cursor=${otherListCursor()}`), 400))).toEqual(['cursor']);
  });
});

describe('GET /requests/{id} and POST /requests/{id}/cancel', () => {
  it.each(['/requests/%E0%A4%A', '/requests/%', '/requests/%ZZ/cancel'])('malformed percent-encoding in %s → 400 from the gateway', async (path) => {
    await refused(asAlice(path.endsWith('cancel') ? 'POST' : 'GET', path), 400, 'gateway');
  });

  it.each([`/requests/${'x'.repeat(3000)}`, '/requests/..%2F..%2Fdev%2Ftokens', '/requests/00000000-0000-4000-8000-000000000000'])('GET %s → 404', async (path) => {
    await refused(asAlice('GET', path), 404);
  });

  it('someone else cancelling alice’s request → 403', async () => {
    await refused(() => call(stack, 'POST', `/requests/${pendingId}/cancel`, { as: 'bob@example.com', json: {} }), 403);
  });

  it.each<[string, string, string | undefined]>([
    ['a reason of the wrong type', '{"reason":5}', 'application/json'],
    ['an unknown field', '{"why":"because"}', 'application/json'],
    ['a __proto__ key', '{"__proto__":{"x":1}}', 'application/json'],
    ['a reason with a bidi override', '{"reason":"done \\u202Eenod"}', 'application/json'],
    ['an invisible reason', '{"reason":"\\u200B\\u200B"}', 'application/json'],
    ['a list body', '[]', 'application/json'],
    ['invalid JSON', '{"reason":', 'application/json'],
  ])('alice cancelling her own request with %s → 400, and it stays pending', async (_name, raw, type) => {
    await refused(asAlice('POST', `/requests/${pendingId}/cancel`, { raw, headers: { 'content-type': type ?? '' } }), 400);
  });

  it.each([
    ['a reason of the wrong type', '{"reason":5}'],
    ['an unknown field', '{"now":true}'],
    ['a reason with a bidi override', '{"reason":"ok \\u2067x"}'],
  ])('revoking with %s → 400', async (_name, raw) => {
    await refused(asAlice('POST', `/requests/${pendingId}/revoke`, { raw, headers: { 'content-type': 'application/json' } }), 400);
  });

  it.each<[string, unknown, string[]]>([
    ['no duration', { reason: 'more time' }, ['durationMinutes']],
    ['a duration of the wrong type', { durationMinutes: '60', reason: 'more time' }, ['durationMinutes']],
    ['a fractional duration', { durationMinutes: 1.5, reason: 'more time' }, ['durationMinutes']],
    ['an invisible reason', { durationMinutes: 60, reason: '\u200B' }, ['reason']],
    ['a reason with a bidi override', { durationMinutes: 60, reason: 'more \u202Etime' }, ['reason']],
    ['an unknown field', { durationMinutes: 60, reason: 'more time', until: 'forever' }, ['until']],
  ])('extending with %s → 400 naming the field', async (_name, json, expected) => {
    expect(fields(await refused(asAlice('POST', `/requests/${pendingId}/extend`, { json }), 400))).toEqual(expected);
  });

  it('extending a request that is not active → 409', async () => {
    await refused(asAlice('POST', `/requests/${pendingId}/extend`, { json: { durationMinutes: 60, reason: 'more time' } }), 409);
  });

  it('revoking a request that is not active → 409, and it stays pending', async () => {
    await refused(asAlice('POST', `/requests/${pendingId}/revoke`, { json: {} }), 409);
  });

  it('malformed percent-encoding on the revoke route → 400 from the gateway', async () => {
    await refused(asAlice('POST', '/requests/%E0%A4%A/revoke'), 400, 'gateway');
  });

  it('a cancel body sent as text/plain → 415', async () => {
    await refused(asAlice('POST', `/requests/${pendingId}/cancel`, { raw: '{"reason":"x"}', headers: { 'content-type': 'text/plain' } }), 415);
  });
});

describe('approval links', () => {
  const tampered = () => {
    const token = bobsLink.slice('/approvals/'.length);
    const last = token.at(-2) === 'A' ? 'B' : 'A';
    return `/approvals/${token.slice(0, -2)}${last}${token.at(-1)}`;
  };
  const truncated = () => bobsLink.slice(0, Math.floor(bobsLink.length * 0.6));

  it.each<[string, () => string]>([
    ['a tampered token', tampered],
    ['a truncated token', truncated],
    ['an oversized token', () => `/approvals/${'a'.repeat(8000)}`],
    ['a token with an encoded NUL', () => `${bobsLink}%00`],
  ])('GET with %s → 403 page', async (_name, path) => {
    await refused(() => call(stack, 'GET', path()), 403);
  });

  it.each<[string, () => string]>([
    ['a tampered token', tampered],
    ['a truncated token', truncated],
    ['an oversized token', () => `/approvals/${'a'.repeat(8000)}`],
  ])('POST approve with %s → 403, as a page and as JSON', async (_name, path) => {
    await refused(() => call(stack, 'POST', path(), { form: { decision: 'approve' } }), 403);
    await refused(() => call(stack, 'POST', path(), { form: { decision: 'approve' }, headers: { accept: 'application/json' } }), 403);
  });

  it('an empty token → 404 from the gateway (no route)', async () => {
    await refused(() => call(stack, 'GET', '/approvals/'), 404, 'gateway');
  });

  it('malformed percent-encoding in a token → 400 from the gateway', async () => {
    await refused(() => call(stack, 'GET', `${bobsLink}%E0%A4%A`), 400, 'gateway');
    await refused(() => call(stack, 'POST', `${bobsLink}%`, { form: { decision: 'approve' } }), 400, 'gateway');
  });

  it.each<[string, string, string, string[]]>([
    ['a repeated decision', 'decision=deny&decision=approve', 'application/x-www-form-urlencoded', ['decision']],
    ['a repeated comment', 'decision=approve&comment=a&comment=b', 'application/x-www-form-urlencoded', ['comment']],
    ['no decision', 'comment=hello', 'application/x-www-form-urlencoded', ['decision']],
    ['decision=APPROVE', 'decision=APPROVE', 'application/x-www-form-urlencoded', ['decision']],
    ['a __proto__ field and no decision', '__proto__=approve', 'application/x-www-form-urlencoded', ['decision']],
    ['a comment with a bidi override', `decision=approve&comment=${encodeURIComponent('ok \u202Edenied')}`, 'application/x-www-form-urlencoded', ['comment']],
    ['an invisible comment', `decision=approve&comment=${encodeURIComponent('\u200B\u2060')}`, 'application/x-www-form-urlencoded', ['comment']],
    ['a comment with control characters', `decision=approve&comment=${encodeURIComponent('ok\u0007\u0008')}`, 'application/x-www-form-urlencoded', ['comment']],
    ['a comment over 500 characters', `decision=approve&comment=${'c'.repeat(501)}`, 'application/x-www-form-urlencoded', ['comment']],
    ['a JSON decision that is a list', '{"decision":["approve"]}', 'application/json', ['decision']],
    ['a JSON comment that is a number', '{"decision":"approve","comment":5}', 'application/json', ['comment']],
    ['a JSON list', '["approve"]', 'application/json', ['(body)']],
  ])('bob’s real link with %s → 400, and the link stays unused', async (_name, raw, type, expected) => {
    const reply = await refused(() => call(stack, 'POST', bobsLink, { raw, headers: { 'content-type': type, accept: 'application/json' } }), 400);
    expect(fields(reply)).toEqual(expected);
    // The same refusal as the page a browser gets.
    await refused(() => call(stack, 'POST', bobsLink, { raw, headers: { 'content-type': type } }), 400);
  });

  it('bob’s real link with a text/plain body → 415', async () => {
    await refused(() => call(stack, 'POST', bobsLink, { raw: 'decision=approve', headers: { 'content-type': 'text/plain' } }), 415);
  });
});

describe('forged and unfit tokens on every JWT route', () => {
  const routes: [string, () => string, object?][] = [
    ['POST', () => '/requests', { json: classic() }],
    ['GET', () => '/requests'],
    ['GET', () => `/requests/${pendingId}`],
    ['POST', () => `/requests/${pendingId}/cancel`, { json: {} }],
    ['POST', () => `/requests/${pendingId}/revoke`, { json: {} }],
    ['POST', () => `/requests/${pendingId}/extend`, { json: { durationMinutes: 60, reason: 'more time' } }],
  ];
  const forged: [string, () => Promise<string>][] = [
    ['alg none', async () => new UnsecuredJWT({ email: ALICE, email_verified: true }).setIssuer(stack.issuer).setAudience('cachegate').setExpirationTime('1h').encode()],
    ['expired', () => stack.authorizer.issue(ALICE, { expiresInSeconds: -120 })],
    ['signed with another key', async () => (await LocalAuthorizer.withNewKey(stack.issuer, 'cachegate')).issue(ALICE)],
    ['for another audience', () => stack.authorizer.issue(ALICE, { audience: 'someone-else' })],
  ];

  it.each(forged)('a token %s → 401 from the gateway on every route', async (_name, token) => {
    const bearer = await token();
    for (const [method, path, options] of routes) await refused(() => call(stack, method, path(), { as: bearer, ...options }), 401, 'gateway');
  });

  const unfit: [string, () => Promise<string>][] = [
    ['email_verified false', () => stack.authorizer.issue(ALICE, { claims: { email_verified: false } })],
    ['no email_verified (required by default)', () => stack.authorizer.issue(ALICE, { claims: { email_verified: undefined } })],
    ['no email claim', () => stack.authorizer.issue(ALICE, { claims: { email: undefined } })],
    ['an email claim that is a list', () => stack.authorizer.issue(ALICE, { claims: { email: [ALICE, 'bob@example.com'] } })],
    ['an email claim with a display name', () => stack.authorizer.issue(ALICE, { claims: { email: `Alice <${ALICE}>` } })],
  ];

  it.each(unfit)('a valid token with %s → 403 on every route', async (_name, token) => {
    const bearer = await token();
    for (const [method, path, options] of routes) {
      const reply = await refused(() => call(stack, method, path(), { as: bearer, ...options }), 403);
      expect((reply.body as { error: string }).error).toBe('Forbidden');
    }
  });
});

describe('POST /slack/interactions', () => {
  const click = () => clickPayload('U0BOB00001', pendingId, 'approve', { channel: 'C0APPROVALS', ts: '1.0' });

  it('unsigned → 401', async () => {
    const signed = stack.signSlackClick(click());
    await refused(() => call(stack, 'POST', '/slack/interactions', { raw: signed.body, headers: { 'content-type': signed.headers['content-type'] ?? '' } }), 401, 'slack');
  });

  it('forged → 401', async () => {
    const signed = stack.signSlackClick(click());
    await refused(() => call(stack, 'POST', '/slack/interactions', { raw: signed.body, headers: { ...signed.headers, 'x-slack-signature': `v0=${'f'.repeat(64)}` } }), 401, 'slack');
  });

  it('stale (signed six minutes ago) → 401', async () => {
    const signed = stack.signSlackClick(click(), { timestamp: Math.floor(Date.now() / 1000) - 360 });
    await refused(() => call(stack, 'POST', '/slack/interactions', { raw: signed.body, headers: signed.headers }), 401, 'slack');
  });

  it('over 256 KB → 413, before anything is read', async () => {
    await refused(() => call(stack, 'POST', '/slack/interactions', { raw: `payload=${'x'.repeat(257 * 1024)}`, headers: { 'content-type': 'application/x-www-form-urlencoded' } }), 413);
  });
});

describe('after all of it', () => {
  it('no probe got a 5xx', () => {
    expect(statuses.length).toBeGreaterThan(100);
    expect(statuses.filter((status) => status >= 500)).toEqual([]);
  });

  it('bob’s link still works, once', async () => {
    expect((await call(stack, 'POST', bobsLink, { form: { decision: 'approve' }, headers: { accept: 'application/json' } })).status).toBe(200);
    expect((await call(stack, 'POST', bobsLink, { form: { decision: 'approve' }, headers: { accept: 'application/json' } })).status).toBe(409);
    expect((await store.get(pendingId))?.approvals['bob@example.com']?.decision).toBe('approve');
  });
});

it('every answer above matches the OpenAPI document (/openapi.json)', () => {
  expect(checkedAnswers.problems).toEqual([]);
  expect(checkedAnswers.count).toBeGreaterThan(10);
});
