/**
 * The whole workflow on the local stack, classic mode: the real ASL run by aws-local-stepfunctions,
 * the real handlers, dynalite, the ElastiCache emulator, over HTTP. Waits are overridden, never slept.
 */
import { CreateCacheSecurityGroupCommand, DeleteCacheSecurityGroupCommand, ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { startLocalStack, type LocalStack } from '../../../local/stack.js';
import { approvalLinkFor, call, waitForStatus, type RequestBody } from './local-api.js';

const OWNER = '987654321021';
let stack: LocalStack;
let elasticache: ElastiCacheClient;
let groupCounter = 0;

const FAST = {
  emulator: { propagationDelayMs: 0, ec2PropagationDelayMs: 0 },
  waitOverridesMs: { 'Wait before next check': 0 },
  retryIntervalOverridesMs: { 'Grant ingress': 0, 'Check grant status': 0 },
  grant: { firstCheckSeconds: 0, pollIntervalMs: 10, pollWindowMs: 100, verifyTimeoutSeconds: 2 },
  policy: {
    default: { approvers: ['bob@example.com', 'carol@example.com'], approvalsRequired: 1 },
    targets: {
      'two-approvals': { approvers: ['bob@example.com', 'carol@example.com', 'alice@example.com'], approvalsRequired: 2 },
      'short-window': { approvers: ['bob@example.com'], approvalWindowMinutes: 0.03 },
    },
  },
};

async function newGroup(name = `group-${++groupCounter}`): Promise<string> {
  await elasticache.send(new CreateCacheSecurityGroupCommand({ CacheSecurityGroupName: name, Description: 'test' }));
  return name;
}

function classicBody(group: string, extra: Record<string, unknown> = {}) {
  return { cacheSecurityGroupName: group, ec2SecurityGroupName: 'myec2group', ec2SecurityGroupOwnerId: OWNER, reason: 'investigate latency', ...extra };
}

async function submit(group: string, as = 'alice@example.com', headers: Record<string, string> = {}) {
  const reply = await call<RequestBody>(stack, 'POST', '/requests', { as, json: classicBody(group), headers });
  expect(reply.status).toBe(202);
  return reply;
}

function authorizationStatus(group: string): string | undefined {
  const snapshot = stack.emulator.inspect() as unknown as { cacheSecurityGroups: { name: string; authorizations: { ec2SecurityGroupName: string; status: string }[] }[] };
  return snapshot.cacheSecurityGroups.find((g) => g.name === group)?.authorizations.find((a) => a.ec2SecurityGroupName === 'myec2group')?.status;
}

beforeAll(async () => {
  stack = await startLocalStack(FAST);
  elasticache = new ElastiCacheClient({ endpoint: stack.emulator.url, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
});

afterAll(async () => {
  elasticache?.destroy();
  await stack?.stop();
});

beforeEach(() => stack.emulator.faults.reset());

describe('classic workflow', () => {
  it('approve → AUTHORIZING → ACTIVE, the EC2 group authorized, everyone told', async () => {
    const group = await newGroup();
    const submitted = await submit(group);
    const { id } = submitted.body;
    expect(submitted.body.status).toBe('PENDING_APPROVAL');
    expect(submitted.headers.get('location')).toBe(`${stack.url}/requests/${id}`);

    const link = await approvalLinkFor(stack, 'bob@example.com', id);
    const decided = await call(stack, 'POST', link, { form: { decision: 'approve', comment: 'ok for today' } });
    expect(decided.status).toBe(200);
    expect(decided.text).toContain('Request approved');

    const done = await waitForStatus(stack, id, ['ACTIVE', 'FAILED']);
    expect(done.status).toBe('ACTIVE');
    expect(done.decidedBy).toEqual(['bob@example.com']);
    expect(authorizationStatus(group)).toBe('available');
    const events = done.history.map((e) => e.event);
    expect(events).toEqual(expect.arrayContaining(['submitted', 'approval requested', 'approved', 'request approved', 'grant requested', 'grant active', 'granted']));
    expect(done.history.find((e) => e.event === 'approved')?.actor).toBe('bob@example.com');
    // The execution holds the access until it ends (time-bound access: see the lifecycle tests).
    expect(stack.stepFunctions.execution(id)?.status).toBe('RUNNING');
    expect(Date.parse(done.expiresAt as string) - Date.parse(done.activeSince as string)).toBe(60 * 60_000);
    // Everyone told: the requester and every approver.
    for (const person of ['alice@example.com', 'bob@example.com', 'carol@example.com']) {
      await stack.outbox.waitFor((m) => m.to.includes(person) && m.links.some((l) => l.endsWith(id)) && /^Access granted/.test(m.subject ?? ''), 5000);
    }
  });

  it('deny → DENIED, nothing granted, the requester told', async () => {
    const group = await newGroup();
    const { id } = (await submit(group)).body;
    const link = await approvalLinkFor(stack, 'carol@example.com', id);
    const decided = await call(stack, 'POST', link, { form: { decision: 'deny' }, headers: { accept: 'application/json' } });
    expect(decided.status).toBe(200);
    expect((decided.body as { outcome: string }).outcome).toBe('denied');
    const done = await waitForStatus(stack, id, ['DENIED']);
    expect(done.decidedBy).toEqual(['carol@example.com']);
    expect(authorizationStatus(group)).toBeUndefined();
    await stack.outbox.waitFor((m) => m.to.includes('alice@example.com') && /denied/i.test(`${m.subject}`));
  });

  it('no decision within the approval window → EXPIRED, and the link then says so', async () => {
    const group = await newGroup('short-window');
    const { id } = (await submit(group)).body;
    const link = await approvalLinkFor(stack, 'bob@example.com', id);
    const done = await waitForStatus(stack, id, ['EXPIRED'], 'alice@example.com', 10000);
    expect(done.history.at(-1)?.event).toBe('expired');
    const late = await call(stack, 'POST', link, { form: { decision: 'approve' } });
    expect(late.status).toBe(410);
    expect(late.text).toContain('expired');
  });

  it('an authorization made outside cachegate between submission and grant: FAILED with that reason, and left alone', async () => {
    const group = await newGroup();
    const { id } = (await submit(group)).body;
    await elasticache.send(
      new (await import('@aws-sdk/client-elasticache')).AuthorizeCacheSecurityGroupIngressCommand({ CacheSecurityGroupName: group, EC2SecurityGroupName: 'myec2group', EC2SecurityGroupOwnerId: OWNER }),
    );
    await call(stack, 'POST', await approvalLinkFor(stack, 'bob@example.com', id), { form: { decision: 'approve' } });
    const done = await waitForStatus(stack, id, ['ACTIVE', 'FAILED']);
    expect(done.status).toBe('FAILED');
    expect(done.failureReason).toMatch(/does not manage access it did not create/);
    expect(authorizationStatus(group)).toBe('available');
  });

  it('the group deleted before the grant → FAILED with the reason', async () => {
    const group = await newGroup();
    const { id } = (await submit(group)).body;
    const link = await approvalLinkFor(stack, 'bob@example.com', id);
    await elasticache.send(new DeleteCacheSecurityGroupCommand({ CacheSecurityGroupName: group }));
    await call(stack, 'POST', link, { form: { decision: 'approve' } });
    const done = await waitForStatus(stack, id, ['FAILED', 'ACTIVE']);
    expect(done.status).toBe('FAILED');
    expect(done.failureReason).toMatch(/^GroupNotFound/);
    await stack.outbox.waitFor((m) => m.to.includes('alice@example.com') && /fail/i.test(`${m.subject}`));
  });

  it('never available → FAILED after the verify limit, and the clean-up tried', async () => {
    stack.emulator.faults.set({ neverAvailable: true });
    const group = await newGroup();
    const { id } = (await submit(group)).body;
    await call(stack, 'POST', await approvalLinkFor(stack, 'bob@example.com', id), { form: { decision: 'approve' } });
    const done = await waitForStatus(stack, id, ['FAILED', 'ACTIVE'], 'alice@example.com', 15000);
    expect(done.status).toBe('FAILED');
    expect(done.failureReason).toMatch(/never became available/);
    // ElastiCache refuses to revoke an authorization that is still `authorizing`: the attempt and its
    // refusal are in the history, and the failure reported is the original one.
    expect(done.history.map((e) => e.event)).toContain('grant revoke failed');
  });

  it('throttling is ridden out by retries: the throttled calls are seen, and retried until the grant lands', async () => {
    const group = await newGroup();
    const { id } = (await submit(group)).body;
    const link = await approvalLinkFor(stack, 'bob@example.com', id);
    const before = stack.emulator.callCount('AuthorizeCacheSecurityGroupIngress');
    // More throttles than the SDK's own 3 attempts: the state machine's GrantThrottled retry must take over.
    stack.emulator.faults.set({ failOperation: { AuthorizeCacheSecurityGroupIngress: { code: 'Throttling', status: 400, message: 'Rate exceeded', times: 4 } } });
    await call(stack, 'POST', link, { form: { decision: 'approve' } });
    const done = await waitForStatus(stack, id, ['ACTIVE', 'FAILED'], 'alice@example.com', 20000);
    expect(done.failureReason).toBeUndefined();
    expect(done.status).toBe('ACTIVE');
    expect(stack.emulator.callCount('AuthorizeCacheSecurityGroupIngress') - before).toBe(5);
  });

  it('the same Idempotency-Key returns the same request and starts one execution', async () => {
    const group = await newGroup();
    const first = await submit(group, 'alice@example.com', { 'idempotency-key': 'retry-1' });
    const second = await submit(group, 'alice@example.com', { 'idempotency-key': 'retry-1' });
    expect(second.body.id).toBe(first.body.id);
    expect(stack.stepFunctions.executionsList().filter((e) => e.name === first.body.id)).toHaveLength(1);
    // Without the key, the same request again is a conflict that names the open one.
    const again = await call(stack, 'POST', '/requests', { as: 'alice@example.com', json: classicBody(group) });
    expect(again.status).toBe(409);
    expect(JSON.stringify(again.body)).toContain(first.body.id);
  });

  it('a double click on one link makes one decision', async () => {
    const group = await newGroup();
    const { id } = (await submit(group)).body;
    const link = await approvalLinkFor(stack, 'bob@example.com', id);
    const replies = await Promise.all([1, 2, 3].map(() => call(stack, 'POST', link, { form: { decision: 'approve' } })));
    expect(replies.map((r) => r.status).sort()).toEqual([200, 409, 409]);
    const done = await waitForStatus(stack, id, ['ACTIVE', 'FAILED']);
    expect(done.history.filter((e) => e.event === 'approved')).toHaveLength(1);
  });

  it('opening a link (GET) changes nothing; the page shows the request, escaped', async () => {
    const group = await newGroup();
    const reply = await call<RequestBody>(stack, 'POST', '/requests', { as: 'alice@example.com', json: classicBody(group, { reason: '<script>alert(1)</script>' }) });
    const id = reply.body.id;
    const link = await approvalLinkFor(stack, 'bob@example.com', id);
    for (let i = 0; i < 3; i++) {
      const page = await call(stack, 'GET', link);
      expect(page.status).toBe(200);
      expect(page.text).toContain('&lt;script&gt;');
      expect(page.text).not.toContain('<script>alert');
      expect(page.headers.get('cache-control')).toBe('no-store');
      // The page's form must be allowed to post back to itself (a browser obeys this header).
      const csp = page.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("form-action 'self'");
      expect(csp).toMatch(/sandbox allow-forms(;|$)/);
      expect(csp).not.toMatch(/script-src|'unsafe-eval'/);
    }
    const still = await call<RequestBody>(stack, 'GET', `/requests/${id}`, { as: 'alice@example.com' });
    expect(still.body.status).toBe('PENDING_APPROVAL');
    expect(still.body.history.map((e) => e.event)).not.toContain('approved');
  });

  it('N of M: two distinct approvals, the requester gets no link and does not count', async () => {
    const group = await newGroup('two-approvals');
    const { id } = (await submit(group)).body;
    const bobLink = await approvalLinkFor(stack, 'bob@example.com', id);
    const carolLink = await approvalLinkFor(stack, 'carol@example.com', id);
    expect(stack.outbox.messages({ to: 'alice@example.com' }).some((m) => m.links.some((l) => l.includes('/approvals/')))).toBe(false);
    const first = await call(stack, 'POST', bobLink, { form: { decision: 'approve' } });
    expect(first.text).toContain('Approval recorded');
    expect((await call<RequestBody>(stack, 'GET', `/requests/${id}`, { as: 'alice@example.com' })).body.status).toBe('PENDING_APPROVAL');
    await call(stack, 'POST', carolLink, { form: { decision: 'approve' } });
    const done = await waitForStatus(stack, id, ['ACTIVE', 'FAILED']);
    expect(done.failureReason).toBeUndefined();
    expect(done.status).toBe('ACTIVE');
    expect(done.decidedBy.sort()).toEqual(['bob@example.com', 'carol@example.com']);
  });

  it('a tampered link is refused with a page, never a 500', async () => {
    const group = await newGroup();
    const { id } = (await submit(group)).body;
    const link = await approvalLinkFor(stack, 'bob@example.com', id);
    const tampered = `${link.slice(0, -3)}${link.endsWith('AAA') ? 'BBB' : 'AAA'}`;
    const reply = await call(stack, 'POST', tampered, { form: { decision: 'approve' } });
    expect(reply.status).toBe(403);
    expect(reply.headers.get('content-type')).toContain('text/html');
    expect((await call<RequestBody>(stack, 'GET', `/requests/${id}`, { as: 'alice@example.com' })).body.status).toBe('PENDING_APPROVAL');
  });

  it('the requester cancels while pending → CANCELLED, approvers told, links then say so', async () => {
    const group = await newGroup();
    const { id } = (await submit(group)).body;
    const link = await approvalLinkFor(stack, 'bob@example.com', id);
    expect((await call(stack, 'POST', `/requests/${id}/cancel`, { as: 'bob@example.com' })).status).toBe(403);
    expect((await call(stack, 'POST', `/requests/${id}/cancel`, { as: await stack.authorizer.issue('mallory@example.com') })).status).toBe(404);
    const cancelled = await call<RequestBody>(stack, 'POST', `/requests/${id}/cancel`, { as: 'alice@example.com', json: { reason: 'found another way' } });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('CANCELLED');
    const done = await waitForStatus(stack, id, ['CANCELLED']);
    expect(done.history.find((e) => e.event === 'cancelled')).toMatchObject({ actor: 'alice@example.com', detail: 'found another way' });
    expect(stack.stepFunctions.execution(id)?.statesEntered.at(-1)).toBe('Notify cancelled');
    await stack.outbox.waitFor((m) => m.to.includes('bob@example.com') && /cancel/i.test(m.subject ?? '') && m.text.includes(id));
    const late = await call(stack, 'POST', link, { form: { decision: 'approve' } });
    expect(late.status).toBe(409);
    expect(late.text).toContain('cancelled');
    // Cancelling frees the slot: the same request can be asked again.
    expect((await submit(group)).status).toBe(202);
  });

  it('a decided request cannot be cancelled', async () => {
    const group = await newGroup();
    const { id } = (await submit(group)).body;
    await call(stack, 'POST', await approvalLinkFor(stack, 'bob@example.com', id), { form: { decision: 'deny' } });
    await waitForStatus(stack, id, ['DENIED']);
    const reply = await call(stack, 'POST', `/requests/${id}/cancel`, { as: 'alice@example.com' });
    expect(reply.status).toBe(409);
    expect((reply.body as { message: string }).message).toContain('DENIED');
  });
});
