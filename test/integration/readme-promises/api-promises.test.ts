/**
 * README promises about the HTTP API that no other test held, on one local stack over real HTTP:
 * - "The approval policy": no entry and no default → 403; `requesters` groups come from the JWT claim
 *   `GROUPS_CLAIM` names, as API Gateway hands a list to Lambda ("[dba ops]");
 * - "API": security headers and `Cache-Control: no-store` on every answer of cachegate's functions (the
 *   successful ones too), the gateway's own `{"message":"Not Found"}`; revoke by any approver, 404 for
 *   anyone else (auditors too); the decision route's 403/404/409; a used or decided link's page says who
 *   decided; at most `maxExtensions` extension rounds (409); the auditors' `from`/`to` filters;
 * - "Reconciler": one describe per managed group, not per request; `POST /dev/reconcile` answers its summary;
 * - "Operating": the log line's fields; "Approving from email": no approval link in the queue, a log or the
 *   store, which keeps only its hash;
 * - the local stack: the README's `curl … /dev/slack/click -d request= -d action= -d user=` decides as that
 *   Slack user; `POST /dev/faults/events` switches the local EventBridge.
 * Nothing sleeps for a fixed time: every wait is on a condition.
 */
import { createHash } from 'node:crypto';
import { CreateCacheSecurityGroupCommand, ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { startLocalStack, type LocalStack } from '../../../local/stack.js';
import { approvalLinkFor, call, waitForStatus, type ApiReply, type RequestBody } from '../workflow/local-api.js';
import { NO_GRANT_WAITS, seedWithSources, sourceGroupIds } from '../../support/emulator-seed.js';
import { checkedAnswers } from '../../support/openapi.js';
import { storedItems } from '../../support/stored-items.js';

const ALICE = 'alice@example.com';
const BOB = 'bob@example.com';
const CAROL = 'carol@example.com';
/** An auditor who approves nothing: may see every request, may decide and end nothing. */
const DAVE = 'dave@example.com';
const MALLORY = 'mallory@example.com';
/** Asked only after the escalation (hours away here): may see the request, may not decide it yet. */
const ESME = 'esme@example.com';
const sources = sourceGroupIds('0c77000000000', 20);
let nextSource = 0;

let stack: LocalStack;

beforeAll(async () => {
  stack = await startLocalStack({
    emulator: { propagationDelayMs: 0, ec2PropagationDelayMs: 0, seed: seedWithSources(sources, 'promise') },
    ...NO_GRANT_WAITS,
    grant: { firstCheckSeconds: 0, pollIntervalMs: 10, pollWindowMs: 100, verifyTimeoutSeconds: 5 },
    // No `default`: a target without an entry is refused.
    policy: {
      targets: {
        'orders-cache': {
          approvers: [
            { email: BOB, slackUserId: 'U0BOB00001' },
            { email: CAROL, slackUserId: 'U0CAROL001' },
          ],
          approvalsRequired: 1,
          escalationApprovers: [ESME],
          escalateAfterMinutes: 600,
          maxExtensions: 1,
        },
        grouped: { approvers: [BOB], requesters: ['ops'] },
      },
      auditors: [DAVE],
    },
  });
  for (const person of [DAVE, MALLORY, ESME]) stack.tokens[person] = await stack.authorizer.issue(person);
  const elasticache = new ElastiCacheClient({ endpoint: stack.emulator.url, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  await elasticache.send(new CreateCacheSecurityGroupCommand({ CacheSecurityGroupName: 'grouped', Description: 'a target open to a group' }));
  elasticache.destroy();
});

afterAll(async () => {
  await stack?.stop();
});

/** Alice asks for orders-cache from a source of her own: 202. */
async function submitted(): Promise<RequestBody> {
  const reply = await call<RequestBody>(stack, 'POST', '/requests', { as: ALICE, json: { replicationGroupId: 'orders-cache', sourceSecurityGroupId: sources[nextSource++], reason: 'readme promise' } });
  expect(reply.status).toBe(202);
  return reply.body;
}

async function activeRequest(): Promise<RequestBody> {
  const { id } = await submitted();
  expect((await call(stack, 'POST', await approvalLinkFor(stack, BOB, id), { form: { decision: 'approve' } })).status).toBe(200);
  const active = await waitForStatus(stack, id, ['ACTIVE', 'FAILED']);
  expect(active.status).toBe('ACTIVE');
  return active;
}

async function endedByAlice(id: string): Promise<void> {
  expect((await call(stack, 'POST', `/requests/${id}/revoke`, { as: ALICE })).status).toBe(202);
  await waitForStatus(stack, id, ['ENDED']);
}

/** Every line the functions write to stdout from now on (still passed on to the suite's own checks). */
function captureLines(): { lines: string[]; stop: () => void } {
  const lines: string[] = [];
  const stream = process.stdout;
  const write = stream.write;
  stream.write = function (this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]): boolean {
    lines.push(...(typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString('utf8') : '').split('\n').filter((line) => line !== ''));
    return (write as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
  } as typeof stream.write;
  return { lines, stop: () => void (stream.write = write) };
}

/** The security headers of every answer of cachegate's functions; pages also forbid framing. */
function secured(reply: ApiReply): void {
  expect(reply.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
  expect(reply.headers.get('x-content-type-options')).toBe('nosniff');
  expect(reply.headers.get('cache-control')).toBe('no-store');
  if ((reply.headers.get('content-type') ?? '').startsWith('text/html')) {
    expect(reply.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(reply.headers.get('x-frame-options')).toBe('DENY');
  }
}

describe('the approval policy', () => {
  it('a target with no entry, in a policy with no default, is refused with 403, and nothing starts', async () => {
    const executions = stack.stepFunctions.executionsList().length;
    const reply = await call<{ error: string; message: string }>(stack, 'POST', '/requests', {
      as: ALICE,
      json: { cacheClusterId: 'sessions-mc', sourceSecurityGroupId: sources[0], reason: 'no policy for it' },
    });
    expect(reply.status).toBe(403);
    expect(reply.body.message).toContain('sessions-mc');
    expect(stack.stepFunctions.executionsList()).toHaveLength(executions);
  });

  it('requesters by group: a member per the token’s groups claim may ask, anyone else gets 403 saying who may', async () => {
    const body = { cacheSecurityGroupName: 'grouped', ec2SecurityGroupName: 'myec2group', ec2SecurityGroupOwnerId: '987654321021', reason: 'a member of ops' };
    // The local gateway hands the list to the function as API Gateway does: "[dba ops]".
    const member = await stack.authorizer.issue('erin@example.com', { claims: { groups: ['dba', 'ops'] } });
    const outsider = await stack.authorizer.issue('frank@example.com', { claims: { groups: ['ops-team', 'dba'] } });
    const refused = await call<{ message: string }>(stack, 'POST', '/requests', { as: outsider, json: body });
    expect(refused.status).toBe(403);
    expect(refused.body.message).toContain('members of group "ops"');
    // GET /targets offers it by the same claim.
    const offered = async (token: string): Promise<string[]> => (await call<{ items: { key: string }[] }>(stack, 'GET', '/targets', { as: token })).body.items.map((item) => item.key);
    expect(await offered(member)).toContain('grouped');
    expect(await offered(outsider)).not.toContain('grouped');
    const accepted = await call<RequestBody>(stack, 'POST', '/requests', { as: member, json: body });
    expect(accepted.status).toBe(202);
    expect((await call(stack, 'POST', `/requests/${accepted.body.id}/cancel`, { as: member })).status).toBe(200);
  });
});

describe('limits', () => {
  it('an owner id may be AWS’s dashed form, 1234-5678-9012', async () => {
    const member = await stack.authorizer.issue('erin@example.com', { claims: { groups: ['ops'] } });
    const body = { cacheSecurityGroupName: 'grouped', ec2SecurityGroupName: 'dashed-owner', ec2SecurityGroupOwnerId: '9876-5432-1021', reason: 'the console’s form' };
    const accepted = await call<RequestBody>(stack, 'POST', '/requests', { as: member, json: body });
    expect(accepted.status).toBe(202);
    expect((await call(stack, 'POST', `/requests/${accepted.body.id}/cancel`, { as: member })).status).toBe(200);
  });
});

describe('every answer carries the security headers', () => {
  it('the successful ones too: submission, reads, lists, targets, the review page, a decision, a cancel', async () => {
    const submit = await call<RequestBody>(stack, 'POST', '/requests', { as: ALICE, json: { replicationGroupId: 'orders-cache', sourceSecurityGroupId: sources[nextSource++], reason: 'headers' } });
    expect(submit.status).toBe(202);
    secured(submit);
    const { id } = submit.body;
    const read = await call(stack, 'GET', `/requests/${id}`, { as: ALICE });
    expect(read.status).toBe(200);
    secured(read);
    for (const [path, as] of [['/requests?mine=true', ALICE], ['/requests?status=PENDING_APPROVAL', BOB], ['/targets', ALICE], ['/audit/requests', DAVE]] as const) {
      const reply = await call(stack, 'GET', path, { as });
      expect(reply.status).toBe(200);
      secured(reply);
    }
    const link = await approvalLinkFor(stack, CAROL, id);
    const page = await call(stack, 'GET', link);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    secured(page);
    const decided = await call(stack, 'POST', link, { form: { decision: 'deny', comment: 'not today' }, headers: { accept: 'application/json' } });
    expect(decided.status).toBe(200);
    secured(decided);
    const other = await submitted();
    const cancelled = await call(stack, 'POST', `/requests/${other.id}/cancel`, { as: ALICE });
    expect(cancelled.status).toBe(200);
    secured(cancelled);
  });

  it('a path no route matches gets API Gateway’s own 404 {"message":"Not Found"}', async () => {
    for (const path of ['/nothing-here', '/requests/x/y/z']) {
      const reply = await call(stack, 'GET', path, { as: ALICE });
      expect(reply.status).toBe(404);
      expect(reply.body).toEqual({ message: 'Not Found' });
    }
  });
});

describe('deciding and ending', () => {
  it('the decision route: 403 for an approver who may not decide yet, 404 for anyone who is neither requester nor approver (auditors too), 409 once another approver decided', async () => {
    const { id } = await submitted();
    expect((await call(stack, 'GET', `/requests/${id}`, { as: ESME })).status).toBe(200);
    const early = await call<{ message: string }>(stack, 'POST', `/requests/${id}/decision`, { as: ESME, json: { decision: 'approve' } });
    expect(early.status).toBe(403);
    expect(early.body.message).toMatch(/not an approver/);
    // Auditors read every request; they act on none they do not approve.
    expect((await call(stack, 'GET', `/requests/${id}`, { as: DAVE })).status).toBe(200);
    for (const person of [DAVE, MALLORY]) expect((await call(stack, 'POST', `/requests/${id}/decision`, { as: person, json: { decision: 'approve' } })).status).toBe(404);
    const denied = await call<{ outcome: string }>(stack, 'POST', `/requests/${id}/decision`, { as: CAROL, json: { decision: 'deny', comment: 'no' } });
    expect(denied.status).toBe(200);
    expect(denied.body.outcome).toBe('denied');
    const late = await call<{ message: string }>(stack, 'POST', `/requests/${id}/decision`, { as: BOB, json: { decision: 'approve' } });
    expect(late.status).toBe(409);
    expect(late.body.message).toContain(CAROL);
    await waitForStatus(stack, id, ['DENIED']);
  });

  it('a used link and a link to a decided request answer 409 with a page that says who decided', async () => {
    const { id } = await submitted();
    const bobs = await approvalLinkFor(stack, BOB, id);
    const carols = await approvalLinkFor(stack, CAROL, id);
    expect((await call(stack, 'POST', bobs, { form: { decision: 'approve' } })).status).toBe(200);
    for (const link of [bobs, carols]) {
      const page = await call(stack, 'POST', link, { form: { decision: 'approve' } });
      expect(page.status).toBe(409);
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
      expect(page.text).toContain(BOB);
    }
    await waitForStatus(stack, id, ['ACTIVE', 'FAILED']);
    await endedByAlice(id);
  });

  it('any approver may end active access (202, then ENDED by them); anyone else gets 404, auditors too', async () => {
    const { id } = await activeRequest();
    for (const person of [DAVE, MALLORY]) expect((await call(stack, 'POST', `/requests/${id}/revoke`, { as: person })).status).toBe(404);
    const revoked = await call<RequestBody>(stack, 'POST', `/requests/${id}/revoke`, { as: CAROL, json: { reason: 'incident over' } });
    expect(revoked.status).toBe(202);
    expect(revoked.body).toMatchObject({ status: 'REVOKING', endedBy: CAROL });
    expect(await waitForStatus(stack, id, ['ENDED'])).toMatchObject({ status: 'ENDED', endReason: 'revoked', endedBy: CAROL });
  });

  it('more time at most maxExtensions times: once the rounds are used up, 409 saying so', async () => {
    const { id } = await activeRequest();
    const mark = new Set<unknown>(stack.outbox.messages());
    expect((await call(stack, 'POST', `/requests/${id}/extend`, { as: ALICE, json: { durationMinutes: 10, reason: 'one more step' } })).status).toBe(202);
    const round = await stack.outbox.waitFor((m) => !mark.has(m) && m.channel === 'email' && m.to.includes(BOB) && /^Approval needed: more time/.test(m.subject ?? '') && m.text.includes(id), 10_000);
    const link = (round.links.find((l) => l.includes('/approvals/')) ?? '').slice(stack.url.length);
    expect((await call(stack, 'POST', link, { form: { decision: 'deny' } })).status).toBe(200);
    await stack.outbox.waitFor((m) => m.to.includes(ALICE) && /^Extension denied/.test(m.subject ?? '') && m.links.some((l) => l.endsWith(id)), 10_000);
    const again = await call<{ message: string }>(stack, 'POST', `/requests/${id}/extend`, { as: ALICE, json: { durationMinutes: 10, reason: 'and another' } });
    expect(again.status).toBe(409);
    expect(again.body.message).toMatch(/1 extension/);
    await endedByAlice(id);
  });
});

describe('the auditors’ filters', () => {
  it('from and to select by creation time', async () => {
    const { id } = await submitted();
    const created = String((await call<RequestBody>(stack, 'GET', `/requests/${id}`, { as: ALICE })).body.createdAt);
    const ids = async (query: string): Promise<string[]> => {
      const reply = await call<{ items: RequestBody[] }>(stack, 'GET', `/audit/requests?limit=100&${query}`, { as: DAVE });
      expect(reply.status).toBe(200);
      return reply.body.items.map((item) => item.id);
    };
    const after = new Date(Date.parse(created) + 1).toISOString();
    const before = new Date(Date.parse(created) - 1).toISOString();
    expect(await ids(`from=${created}&to=${created}`)).toEqual([id]);
    expect(await ids(`from=${after}`)).not.toContain(id);
    expect(await ids(`to=${before}`)).not.toContain(id);
    expect(await ids(`from=${before}&to=${created.slice(0, 10)}`)).toContain(id);
    await call(stack, 'POST', `/requests/${id}/cancel`, { as: ALICE });
  });
});

describe('the reconciler', () => {
  it('describes AWS once per managed group, however many requests hold grants there; /dev/reconcile answers its summary', async () => {
    const held = [await activeRequest(), await activeRequest()];
    const before = stack.emulator.callCount('DescribeSecurityGroupRules');
    const run = await call<Record<string, number>>(stack, 'POST', '/dev/reconcile');
    expect(run.status).toBe(200);
    expect(run.body).toEqual({ checked: expect.any(Number), ended: 0, orphansRevoked: 0, errors: 0 });
    // The demo's two managed groups (orders-cache's and sessions-mc's): one describe each.
    expect(stack.emulator.callCount('DescribeSecurityGroupRules') - before).toBe(2);
    for (const { id } of held) await endedByAlice(id);
  });
});

describe('logs', () => {
  it('one JSON object a line, with the request id, the function’s name, Lambda’s request id and the cold-start flag', async () => {
    const capture = captureLines();
    let id = '';
    try {
      ({ id } = await submitted());
    } finally {
      capture.stop();
    }
    const submittedLine = capture.lines.find((line) => line.includes('"request submitted"') && line.includes(id));
    expect(submittedLine).toBeDefined();
    const fields = JSON.parse(submittedLine as string) as Record<string, unknown>;
    expect(fields).toMatchObject({ level: 'INFO', message: 'request submitted', requestId: id, function_name: expect.stringMatching(/createRequest$/), function_request_id: expect.any(String), cold_start: expect.any(Boolean) });
    await call(stack, 'POST', `/requests/${id}/cancel`, { as: ALICE });
  });
});

describe('approval links', () => {
  it('stay out of the queue, the logs and the store: the store keeps only their hash', async () => {
    const logs = captureLines();
    const queued: string[] = [];
    const send = stack.notifications.send.bind(stack.notifications);
    stack.notifications.send = (body: string): string => {
      queued.push(body);
      return send(body);
    };
    let token = '';
    let id = '';
    try {
      ({ id } = await submitted());
      const link = await approvalLinkFor(stack, BOB, id);
      token = link.slice('/approvals/'.length);
      expect((await call(stack, 'GET', link)).status).toBe(200);
      expect((await call(stack, 'POST', link, { form: { decision: 'approve' } })).status).toBe(200);
      await waitForStatus(stack, id, ['ACTIVE', 'FAILED']);
      await stack.notifications.settled();
    } finally {
      stack.notifications.send = send;
      logs.stop();
    }
    expect(token.length).toBeGreaterThan(40);
    expect(queued.length).toBeGreaterThan(0);
    expect(queued.filter((body) => body.includes('/approvals/') || body.includes(token))).toEqual([]);
    expect(logs.lines.length).toBeGreaterThan(0);
    expect(logs.lines.filter((line) => line.includes(token))).toEqual([]);
    const stored = JSON.stringify(await storedItems(stack));
    const hash = createHash('sha256').update(token).digest('hex');
    expect({ tokenStored: stored.includes(token), hashStored: stored.includes(hash) }).toEqual({ tokenStored: false, hashStored: true });
    await endedByAlice(id);
  });
});

describe('the local stack’s switches', () => {
  it('the README’s curl to /dev/slack/click (request, action, user only) decides as that Slack user, on the message it was posted in', async () => {
    const { id } = await submitted();
    const posted = await stack.outbox.waitFor((m) => m.slack?.method === 'chat.postMessage' && (m.buttons ?? []).some((b) => b.value === id), 10_000);
    const callsBefore = stack.slack.calls().length;
    const clicked = await fetch(`${stack.url}/dev/slack/click`, { method: 'POST', body: new URLSearchParams({ request: id, action: 'approve', user: 'U0BOB00001' }) });
    expect(clicked.status).toBe(200);
    expect(await clicked.text()).toContain('answered 200');
    const active = await waitForStatus(stack, id, ['ACTIVE', 'FAILED', 'DENIED']);
    expect(active).toMatchObject({ status: 'ACTIVE', decidedBy: [BOB] });
    // The click names the posted message, as Slack's does, so that message is updated in place (no buttons).
    const updated = await stack.outbox.waitFor((m) => m.slack?.method === 'chat.update' && m.slack.ts === posted.slack?.ts && m.slack.channel === posted.slack?.channel, 10_000);
    expect(updated.buttons ?? []).toEqual([]);
    // The click's own feedback (slackInteractions' chat.update) found the message: no "message_not_found".
    expect(stack.slack.calls().slice(callsBefore).filter((c) => c.method === 'chat.update' && c.error !== undefined).map((c) => c.error)).toEqual([]);
    await endedByAlice(id);
  });

  it('POST /dev/faults/events takes the local EventBridge down and brings it back', async () => {
    const down = await fetch(`${stack.url}/dev/faults/events`, { method: 'POST', body: new URLSearchParams({ state: 'down' }) });
    expect(await down.json()).toEqual({ mail: 'up', slack: 'up', events: 'down' });
    await expect(fetch(stack.faults.events.url, { method: 'POST' })).rejects.toThrow();
    await fetch(`${stack.url}/dev/faults/events`, { method: 'POST', body: new URLSearchParams({ state: 'up' }) });
    expect(await (await fetch(`${stack.url}/dev/faults`)).json()).toEqual({ mail: 'up', slack: 'up', events: 'up' });
  });
});

it('every answer above matches the OpenAPI document (/openapi.json)', () => {
  expect(checkedAnswers.problems).toEqual([]);
  expect(checkedAnswers.count).toBeGreaterThan(20);
});
