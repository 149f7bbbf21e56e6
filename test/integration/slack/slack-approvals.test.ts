/**
 * Approving in Slack, on the local stack (app mode, with DMs): the approval message with interactive
 * buttons, signed clicks to POST /slack/interactions, the message replaced by the outcome, refusals as
 * ephemeral messages, and a failing Slack that changes nothing but the Slack side.
 */
import { CreateCacheSecurityGroupCommand, ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { startLocalStack, type LocalStack } from '../../../local/stack.js';
import { approvalLinkFor, call, waitForStatus, type RequestBody } from '../workflow/local-api.js';
import { approvalPost, CHANNEL, clickPayload, postInteraction, slackMessages } from './slack-click.js';

const BOB = 'U0BOB00001';
const CAROL = 'U0CAROL001';
const ALICE = 'U0ALICE001';
const DAVE = 'U0DAVE0001';
const bob = { email: 'bob@example.com', slackUserId: BOB };
const carol = { email: 'carol@example.com', slackUserId: CAROL };

let stack: LocalStack;
let elasticache: ElastiCacheClient;
let groupCounter = 0;

beforeAll(async () => {
  stack = await startLocalStack({
    emulator: { propagationDelayMs: 0, ec2PropagationDelayMs: 0 },
    waitOverridesMs: { 'Wait before next check': 0 },
    retryIntervalOverridesMs: { 'Grant ingress': 0, 'Check grant status': 0 },
    grant: { firstCheckSeconds: 0, pollIntervalMs: 10, pollWindowMs: 100, verifyTimeoutSeconds: 2 },
    slack: { mode: 'app', directMessages: true, users: { [DAVE]: 'dave@example.com', U0IMPOSTOR: 'bob@example.com', [ALICE]: 'alice@example.com' } },
    policy: {
      default: { approvers: [bob, carol], approvalsRequired: 1 },
      targets: {
        'alice-approves': { approvers: [{ email: 'alice@example.com', slackUserId: ALICE }, bob] },
        'two-approvals': { approvers: [bob, carol], approvalsRequired: 2 },
        // dave has no Slack id in the policy: his Slack profile email (users.info) identifies him.
        'by-email': { approvers: [{ email: 'dave@example.com' }, bob] },
      },
    },
  });
  elasticache = new ElastiCacheClient({ endpoint: stack.emulator.url, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
});

afterAll(async () => {
  elasticache?.destroy();
  await stack?.stop();
});

beforeEach(() => stack.slack.clearFaults());

async function submit(group?: string): Promise<string> {
  const name = group ?? `slack-group-${++groupCounter}`;
  await elasticache.send(new CreateCacheSecurityGroupCommand({ CacheSecurityGroupName: name, Description: 'test' }));
  const reply = await call<RequestBody>(stack, 'POST', '/requests', {
    as: 'alice@example.com',
    json: { cacheSecurityGroupName: name, ec2SecurityGroupName: 'myec2group', ec2SecurityGroupOwnerId: '987654321021', reason: 'slack test' },
  });
  expect(reply.status).toBe(202);
  return reply.body.id;
}

async function requestOf(id: string): Promise<RequestBody> {
  return (await call<RequestBody>(stack, 'GET', `/requests/${id}`, { as: 'alice@example.com' })).body;
}

/** The ephemeral message `user` got, saying `pattern`. */
function ephemeralFor(user: string, pattern: RegExp) {
  return stack.outbox.waitFor((m) => m.slack?.method === 'chat.postEphemeral' && m.slack.user === user && pattern.test(m.text), 3000);
}

describe('Slack app mode', () => {
  it('posts one channel message with Approve/Deny buttons (value = request id) and DMs each approver', async () => {
    const id = await submit();
    const post = await approvalPost(stack, id);
    expect(post.channel).toBe(CHANNEL);
    expect(post.message.buttons).toEqual([
      expect.objectContaining({ action_id: 'approve', value: id, url: undefined }),
      expect.objectContaining({ action_id: 'deny', value: id, url: undefined }),
    ]);
    // No approval link (a personal credential) in a Slack message.
    expect(post.message.links.some((l) => l.includes('/approvals/'))).toBe(false);
    await approvalPost(stack, id, BOB);
    await approvalPost(stack, id, CAROL);
    expect(slackMessages(stack, 'chat.postMessage', (m) => m.to.includes(CHANNEL) && (m.buttons ?? []).some((b) => b.value === id))).toHaveLength(1);
  });

  it('approve → ACTIVE; the message shows who approved, its buttons gone, and the outcome is threaded', async () => {
    const id = await submit();
    const { channel, ts } = await approvalPost(stack, id);
    const reply = await postInteraction(stack, clickPayload(BOB, id, 'approve', { channel, ts }));
    expect(reply.status).toBe(200);
    expect(reply.text).toBe('');

    const done = await waitForStatus(stack, id, ['ACTIVE', 'FAILED']);
    expect(done.status).toBe('ACTIVE');
    expect(done.decidedBy).toEqual(['bob@example.com']);
    expect((done.approvals as Record<string, { via: string }>)['bob@example.com']?.via).toBe('slack');

    const final = await stack.outbox.waitFor((m) => m.slack?.method === 'chat.update' && m.slack.ts === ts && /Access is active/.test(m.text), 3000);
    expect(final.buttons).toEqual([]);
    expect(JSON.stringify(final.blocks)).toContain('Approved* by bob@example.com');
    // Every queued Slack job delivered (the execution itself holds the access on).
    await stack.notifications.settled();
    const updates = slackMessages(stack, 'chat.update', (m) => m.slack?.ts === ts);
    expect(updates.every((m) => (m.buttons ?? []).length === 0)).toBe(true);
    // "Approved, granting…" never lands after "active": the last word is the latest state.
    expect(updates.at(-1)?.text).toMatch(/Access is active/);
    await stack.outbox.waitFor((m) => m.slack?.method === 'chat.postMessage' && m.slack.threadTs === ts && /Access is active/.test(m.text), 3000);
    // Email still goes out.
    await stack.outbox.waitFor((m) => m.channel === 'email' && m.to.includes('alice@example.com') && m.links.some((l) => l.endsWith(id)) && /granted|active/i.test(`${m.subject}`), 3000);
  });

  it('deny → DENIED, the message says who denied', async () => {
    const id = await submit();
    const { channel, ts } = await approvalPost(stack, id);
    expect((await postInteraction(stack, clickPayload(CAROL, id, 'deny', { channel, ts }))).status).toBe(200);
    const done = await waitForStatus(stack, id, ['DENIED']);
    expect(done.decidedBy).toEqual(['carol@example.com']);
    const update = await stack.outbox.waitFor((m) => m.slack?.method === 'chat.update' && m.slack.ts === ts && /Denied/.test(m.text), 3000);
    expect(update.buttons).toEqual([]);
    expect(JSON.stringify(update.blocks)).toContain('Denied* by carol@example.com');
  });

  it('a click in an approver’s DM replaces both the DM and the channel message', async () => {
    const id = await submit();
    const inChannel = await approvalPost(stack, id);
    const dm = await approvalPost(stack, id, BOB);
    expect(dm.channel).toMatch(/^D/);
    expect((await postInteraction(stack, clickPayload(BOB, id, 'deny', dm))).status).toBe(200);
    await waitForStatus(stack, id, ['DENIED']);
    await stack.outbox.waitFor((m) => m.slack?.method === 'chat.update' && m.slack.channel === dm.channel && m.slack.ts === dm.ts && /Denied/.test(m.text), 3000);
    await stack.outbox.waitFor((m) => m.slack?.method === 'chat.update' && m.slack.channel === CHANNEL && m.slack.ts === inChannel.ts && /Denied/.test(m.text), 3000);
  });

  it('a bad or missing signature → 401 with no body, and nothing changes', async () => {
    const id = await submit();
    const { channel, ts } = await approvalPost(stack, id);
    const signed = stack.signSlackClick(clickPayload(BOB, id, 'approve', { channel, ts }));
    const forged = await call(stack, 'POST', '/slack/interactions', { raw: signed.body, headers: { ...signed.headers, 'x-slack-signature': `v0=${'0'.repeat(64)}` } });
    expect(forged.status).toBe(401);
    expect(forged.text).toBe('');
    // The body changed after signing (another request id): the signature no longer matches.
    const tampered = await call(stack, 'POST', '/slack/interactions', { raw: signed.body.replace(id, id.replace(/^./, (c) => (c === 'a' ? 'b' : 'a'))), headers: signed.headers });
    expect(tampered.status).toBe(401);
    const unsigned = await call(stack, 'POST', '/slack/interactions', { raw: signed.body, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(unsigned.status).toBe(401);
    const request = await requestOf(id);
    expect(request.status).toBe('PENDING_APPROVAL');
    expect(request.history.map((e) => e.event)).not.toContain('approved');
    expect(slackMessages(stack, 'chat.update', (m) => m.slack?.ts === ts)).toHaveLength(0);
  });

  it('a stale timestamp (replay) → 401, even correctly signed', async () => {
    const id = await submit();
    const { channel, ts } = await approvalPost(stack, id);
    const reply = await postInteraction(stack, clickPayload(BOB, id, 'approve', { channel, ts }), { timestamp: Math.floor(Date.now() / 1000) - 6 * 60 });
    expect(reply.status).toBe(401);
    expect(reply.text).toBe('');
    expect((await requestOf(id)).status).toBe('PENDING_APPROVAL');
  });

  it('a Slack user who is not an approver gets an ephemeral refusal, and nothing changes', async () => {
    const id = await submit();
    const { channel, ts } = await approvalPost(stack, id);
    expect((await postInteraction(stack, clickPayload('U0MALLORY1', id, 'approve', { channel, ts }))).status).toBe(200);
    const refusal = await ephemeralFor('U0MALLORY1', /not an approver/);
    expect(refusal.slack?.channel).toBe(CHANNEL);
    // Someone whose Slack profile says bob@…, but who is not the Slack user the policy names for bob.
    expect((await postInteraction(stack, clickPayload('U0IMPOSTOR', id, 'approve', { channel, ts }))).status).toBe(200);
    await ephemeralFor('U0IMPOSTOR', /not an approver/);
    const request = await requestOf(id);
    expect(request.status).toBe('PENDING_APPROVAL');
    expect(request.approvals).toEqual({});
    expect(slackMessages(stack, 'chat.update', (m) => m.slack?.ts === ts)).toHaveLength(0);
  });

  it('the requester clicking on their own request gets an ephemeral refusal', async () => {
    const id = await submit('alice-approves');
    const { channel, ts } = await approvalPost(stack, id);
    expect((await postInteraction(stack, clickPayload(ALICE, id, 'approve', { channel, ts }))).status).toBe(200);
    await ephemeralFor(ALICE, /your own request/);
    const request = await requestOf(id);
    expect(request.status).toBe('PENDING_APPROVAL');
    expect(request.approvals).toEqual({});
  });

  it('an approver the policy lists without a Slack id is known by their Slack profile email', async () => {
    const id = await submit('by-email');
    const { channel, ts } = await approvalPost(stack, id);
    expect((await postInteraction(stack, clickPayload(DAVE, id, 'approve', { channel, ts }))).status).toBe(200);
    const done = await waitForStatus(stack, id, ['ACTIVE', 'FAILED']);
    expect(done.decidedBy).toEqual(['dave@example.com']);
  });

  it('a repeated click counts once (N of M: the second approver completes it)', async () => {
    const id = await submit('two-approvals');
    const { channel, ts } = await approvalPost(stack, id);
    const replies = await Promise.all([1, 2, 3].map(() => postInteraction(stack, clickPayload(BOB, id, 'approve', { channel, ts }))));
    expect(replies.map((r) => r.status)).toEqual([200, 200, 200]);
    const pending = await requestOf(id);
    expect(pending.status).toBe('PENDING_APPROVAL');
    expect(pending.history.filter((e) => e.event === 'approved')).toHaveLength(1);
    await ephemeralFor(BOB, /recorded \(1 of 2\)/);
    await ephemeralFor(BOB, /already decided/);
    await stack.outbox.waitFor((m) => m.slack?.threadTs === ts && /approved \(1 of 2 approvals\)/.test(m.text), 3000);

    await postInteraction(stack, clickPayload(CAROL, id, 'approve', { channel, ts }));
    const done = await waitForStatus(stack, id, ['ACTIVE', 'FAILED']);
    expect(done.status).toBe('ACTIVE');
    expect(done.decidedBy.sort()).toEqual(['bob@example.com', 'carol@example.com']);
    expect(done.history.filter((e) => e.event === 'approved')).toHaveLength(2);
  });

  it('Slack failing (500s, rate limits) changes nothing but Slack: the request is granted and email goes out', async () => {
    stack.slack.inject({ status: 500 }, { times: Infinity, method: 'chat.postMessage' });
    stack.slack.inject({ status: 429, retryAfter: 0 }, { times: Infinity, method: 'chat.update' });
    const id = await submit();
    const link = await approvalLinkFor(stack, 'bob@example.com', id);
    expect((await call(stack, 'POST', link, { form: { decision: 'approve' } })).status).toBe(200);
    const done = await waitForStatus(stack, id, ['ACTIVE', 'FAILED']);
    expect(done.status).toBe('ACTIVE');
    await stack.outbox.waitFor((m) => m.channel === 'email' && m.to.includes('alice@example.com') && m.links.some((l) => l.endsWith(id)) && /granted|active/i.test(`${m.subject}`), 3000);
    expect(stack.slack.calls().some((c) => c.method === 'chat.postMessage' && c.status === 500)).toBe(true);
  });

  it('Slack failing after the message was posted: a click still decides, and the grant completes', async () => {
    const id = await submit();
    const { channel, ts } = await approvalPost(stack, id);
    stack.slack.inject({ status: 429, retryAfter: 0 }, { times: Infinity, method: 'chat.update' });
    stack.slack.inject({ error: 'internal_error' }, { times: Infinity, method: 'chat.postMessage' });
    const reply = await postInteraction(stack, clickPayload(BOB, id, 'approve', { channel, ts }));
    expect(reply.status).toBe(200);
    const done = await waitForStatus(stack, id, ['ACTIVE', 'FAILED']);
    expect(done.status).toBe('ACTIVE');
    expect(stack.slack.calls().some((c) => c.method === 'chat.update' && c.status === 429)).toBe(true);
    await stack.outbox.waitFor((m) => m.channel === 'email' && m.to.includes('alice@example.com') && /granted|active/i.test(`${m.subject}`) && m.links.some((l) => l.endsWith(id)), 3000);
  });

  it('ignores interactions that are not an Approve/Deny click', async () => {
    const reply = await postInteraction(stack, { type: 'view_submission', user: { id: BOB } });
    expect(reply.status).toBe(200);
  });
});
