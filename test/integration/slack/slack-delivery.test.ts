/**
 * Slack delivery retried after a failure, as the durable path retries it: each job is queued on the
 * local stack's notification queue (SQS) and delivered by deliverNotifications in its own runtime, with its
 * deployed environment and role, against the Slack sink taken down, made slow and rate limited. The
 * queue's clock is manual: a retry comes when the test lets its backoff pass. One channel message per
 * request, one DM per approver per request, one thread reply per event, across retries.
 */
import { randomUUID } from 'node:crypto';
import type { AccessRequestRecord } from '../../../functions/domain/request-lifecycle.js';
import type { SlackTrackedRequest } from '../../../functions/domain/slack-delivery.js';
import type { NotificationEvent } from '../../../functions/domain/notification-messages.js';
import { RETRY_BASE_SECONDS, RETRY_CAP_SECONDS } from '../../../functions/domain/notification-delivery.js';
import { startLocalStack, type LocalStack } from '../../../local/stack.js';
import { CHANNEL, slackMessages } from './slack-click.js';

const BOB = 'U0BOB00001';
const CAROL = 'U0CAROL001';
const DAVE = 'U0DAVE0001';
const policy = {
  default: {
    approvers: [
      { email: 'bob@example.com', slackUserId: BOB },
      { email: 'carol@example.com', slackUserId: CAROL },
    ],
    approvalsRequired: 1,
    escalationApprovers: [{ email: 'dave@example.com', slackUserId: DAVE }],
  },
  targets: {},
};

let stack: LocalStack;
// Loaded after the stack has set the environment (the store's client reads its endpoint when loaded).
let store: typeof import('../../../functions/adapters/request-store.js')['requestStore'];
let lifecycle: typeof import('../../../functions/domain/request-lifecycle.js');
let delivery: typeof import('../../../functions/domain/slack-delivery.js');
let policies: typeof import('../../../functions/domain/approval-policy.js');

beforeAll(async () => {
  stack = await startLocalStack({ policy, slack: { mode: 'app', directMessages: true }, attemptTimeoutsMs: { slack: 500 }, notifications: { clock: 'manual' } });
  store = (await import('../../../functions/adapters/request-store.js')).requestStore;
  lifecycle = await import('../../../functions/domain/request-lifecycle.js');
  delivery = await import('../../../functions/domain/slack-delivery.js');
  policies = await import('../../../functions/domain/approval-policy.js');
});

afterAll(() => stack?.stop());

beforeEach(async () => {
  await stack.faults.slack.up();
  stack.slack.clearFaults();
});

/** A pending request, stored as submission stores it (with the approvers' Slack ids, unless given others). */
async function pendingRequest(slackUserIds?: Record<string, string>): Promise<SlackTrackedRequest> {
  const target = policies.parseApprovalPolicy(JSON.stringify(policy)).default;
  if (!target) throw new Error('no policy');
  const record = lifecycle.newRequestRecord({
    id: randomUUID(),
    requester: 'alice@example.com',
    target: { mode: 'classic', cacheSecurityGroupName: 'orders', ec2SecurityGroupName: 'app', ec2SecurityGroupOwnerId: '123456789012' },
    policyKey: 'orders',
    resolved: { summary: 'orders' },
    reason: 'delivery test',
    approvers: ['bob@example.com', 'carol@example.com'],
    policy: target,
    now: new Date(),
  } as Parameters<typeof lifecycle.newRequestRecord>[0]);
  const tracked: SlackTrackedRequest = { ...record, slackUserIds: slackUserIds ?? delivery.slackIdsOf(target, 'alice@example.com') };
  await store.create(tracked);
  return tracked;
}

/** The request as it is now (a later event: the stored request changed first, as the workflow changes it). */
async function changed(request: AccessRequestRecord, set: Partial<AccessRequestRecord>): Promise<void> {
  await store.update(request.id, { set, now: new Date() });
}

/**
 * Queues the Slack job of `event` as the workflow's tasks queue it; deliverNotifications takes it once.
 * Resolves with whether the job waits for a retry (its message is back on the queue, invisible).
 */
async function queue(event: NotificationEvent, request: AccessRequestRecord, round?: string): Promise<{ waitsForRetry: boolean }> {
  expect(stack.notifications.depth).toBe(0);
  stack.notifications.send(JSON.stringify({ requestId: request.id, event, channel: 'slack', ...(round ? { round } : {}) }));
  await stack.notifications.settled();
  return { waitsForRetry: stack.notifications.depth > 0 };
}

/** Lets `seconds` pass on the queue's clock, and waits for whatever became due to be delivered. */
async function later(seconds: number): Promise<void> {
  stack.notifications.advance(seconds * 1000);
  await stack.notifications.settled();
}

/** Retries until the job is delivered or given up: a slow answer on a busy machine may time the short attempt out. */
async function retriedUntilDone(): Promise<void> {
  for (let retry = 0; retry < 5 && stack.notifications.depth > 0; retry++) await later(RETRY_CAP_SECONDS);
  expect(stack.notifications.depth).toBe(0);
}

/** Queued and retried until done: the invariants below must hold after any number of attempts. */
async function deliver(event: NotificationEvent, request: AccessRequestRecord, round?: string): Promise<void> {
  await queue(event, request, round);
  await retriedUntilDone();
}

/** Top-level posts and thread replies for this request, by where they went. */
function postsFor(id: string): { channel: number; dms: Record<string, number>; replies: number } {
  const posts = slackMessages(stack, 'chat.postMessage', (m) => m.text.includes(id));
  const dms: Record<string, number> = {};
  for (const post of posts) if (post.to[0]?.startsWith('U')) dms[post.to[0]] = (dms[post.to[0]] ?? 0) + 1;
  return {
    channel: posts.filter((p) => p.to[0] === CHANNEL && !p.slack?.threadTs).length,
    dms,
    replies: posts.filter((p) => p.slack?.threadTs).length,
  };
}

async function historyOf(id: string): Promise<string[]> {
  return ((await store.get(id))?.history ?? []).map((h) => `${h.event}: ${h.detail ?? ''}`);
}

describe('approval-requested, retried', () => {
  it('slow Slack (posts land, answers time out): retried; the retry finds the posts by metadata and posts nothing', async () => {
    const request = await pendingRequest();
    await stack.faults.slack.slow();
    expect(await queue('approval-requested', request)).toEqual({ waitsForRetry: true });
    await stack.faults.slack.up();
    expect(postsFor(request.id)).toEqual({ channel: 1, dms: { [BOB]: 1, [CAROL]: 1 }, replies: 0 });

    await retriedUntilDone();
    expect(postsFor(request.id)).toEqual({ channel: 1, dms: { [BOB]: 1, [CAROL]: 1 }, replies: 0 });
    expect(stack.slack.calls().some((c) => c.method === 'conversations.history')).toBe(true);
    // The refs found are kept.
    const stored = (await store.get(request.id)) as SlackTrackedRequest;
    expect(stored.slackMessage?.channel).toBe(CHANNEL);
    expect(Object.keys(stored.slackDirectMessages ?? {}).sort()).toEqual([BOB, CAROL]);
    // Queued again (a retried task): delivered once already, so Slack is not called at all.
    const calls = stack.slack.calls().length;
    await deliver('approval-requested', request);
    expect(stack.slack.calls()).toHaveLength(calls);
  });

  it('Slack down (refused): retried, nothing posted; after recovery exactly one channel message and one DM each', async () => {
    const request = await pendingRequest();
    await stack.faults.slack.down();
    expect(await queue('approval-requested', request)).toEqual({ waitsForRetry: true });
    expect(postsFor(request.id)).toEqual({ channel: 0, dms: {}, replies: 0 });

    await stack.faults.slack.up();
    await retriedUntilDone();
    await deliver('approval-requested', request);
    expect(postsFor(request.id)).toEqual({ channel: 1, dms: { [BOB]: 1, [CAROL]: 1 }, replies: 0 });
  });

  it("rate limited: Slack's Retry-After is the floor of the retry; the parts that went out are not repeated", async () => {
    const request = await pendingRequest();
    // Longer than the first backoff (15-18 s), so that only Retry-After can explain the wait.
    const retryAfter = RETRY_BASE_SECONDS * 8;
    stack.slack.inject({ status: 429, retryAfter }, { method: 'chat.postMessage' });
    expect(await queue('approval-requested', request)).toEqual({ waitsForRetry: true });
    const calls = stack.slack.calls().length;
    await later(retryAfter - 1);
    expect(stack.slack.calls()).toHaveLength(calls);
    await later(1);
    expect(stack.slack.calls().length).toBeGreaterThan(calls);
    await retriedUntilDone();
    expect(postsFor(request.id)).toEqual({ channel: 1, dms: { [BOB]: 1, [CAROL]: 1 }, replies: 0 });
  });

  it('a channel the bot is not in is not retried: given up at once, and the history says who was not told and why', async () => {
    const request = await pendingRequest();
    stack.slack.inject({ error: 'not_in_channel' }, { times: Infinity, method: 'chat.postMessage' });
    expect(await queue('approval-requested', request)).toEqual({ waitsForRetry: false });
    stack.slack.clearFaults();
    expect(await historyOf(request.id)).toContainEqual(expect.stringMatching(/^notification not delivered: the Slack channel .*after 1 attempt.*not_in_channel/));
  });

  it('DMs go to the Slack ids snapshotted at submission: deliverNotifications has no policy to read', async () => {
    // Dave is no approver in the policy; the snapshot says Bob and Dave.
    const request = await pendingRequest({ 'bob@example.com': BOB, 'carol@example.com': DAVE });
    expect(stack.functions.get('deliverNotifications')?.runtime.spec.environment).not.toHaveProperty('APPROVAL_POLICY');
    expect(stack.functions.get('deliverNotifications')?.runtime.spec.environment).not.toHaveProperty('APPROVAL_POLICY_PARAMETER');
    await deliver('approval-requested', request);
    expect(postsFor(request.id).dms).toEqual({ [BOB]: 1, [DAVE]: 1 });
  });
});

describe('after the approval message', () => {
  it('escalation DMs the escalation approver once, and replies once in the thread, across retries', async () => {
    const request = await pendingRequest();
    await deliver('approval-requested', request);
    await changed(request, { escalated: true, escalationApprovers: ['dave@example.com'] });
    await stack.faults.slack.slow();
    expect(await queue('escalated', request)).toEqual({ waitsForRetry: true });
    await stack.faults.slack.up();
    await retriedUntilDone();
    await deliver('escalated', request);
    expect(postsFor(request.id)).toEqual({ channel: 1, dms: { [BOB]: 1, [CAROL]: 1, [DAVE]: 1 }, replies: 1 });
  });

  it('an event that comes again in a new round (an extension) gets its own thread reply; a round retried posts nothing more', async () => {
    const request = await pendingRequest();
    await deliver('approval-requested', request);
    await changed(request, { status: 'ACTIVE' });
    await stack.faults.slack.slow();
    expect(await queue('extension-requested', request, 'round-1')).toEqual({ waitsForRetry: true });
    await stack.faults.slack.up();
    await retriedUntilDone();
    await deliver('extension-requested', request, 'round-2');
    await deliver('extension-requested', request, 'round-2');
    expect(postsFor(request.id).replies).toBe(2);
  });

  it('a decision updates the channel message and every approver’s DM: who decided, no buttons', async () => {
    const request = await pendingRequest();
    await deliver('approval-requested', request);
    const stored = (await store.get(request.id)) as SlackTrackedRequest;
    await changed(request, { status: 'DENIED', decidedBy: ['carol@example.com'], approvals: { 'carol@example.com': { decision: 'deny', at: new Date().toISOString(), via: 'email' } } });
    await deliver('denied', request);
    const refs = delivery.slackRefsOf(stored);
    expect(refs).toHaveLength(3);
    for (const ref of refs) {
      const updates = slackMessages(stack, 'chat.update', (m) => m.slack?.channel === ref.channel && m.slack.ts === ref.ts);
      expect(updates.length).toBeGreaterThanOrEqual(1);
      expect(updates.at(-1)?.buttons).toEqual([]);
      expect(JSON.stringify(updates.at(-1)?.blocks)).toContain('Denied* by carol@example.com');
    }
    // Queued again (a retried task): delivered once, so neither the updates nor the thread reply are repeated.
    const updates = slackMessages(stack, 'chat.update').length;
    await deliver('denied', request);
    expect(slackMessages(stack, 'chat.update')).toHaveLength(updates);
    expect(postsFor(request.id).replies).toBe(1);
  });
});

describe('the fault switches over HTTP (npm start)', () => {
  it('POST /dev/faults/slack takes the sink down and brings it back; GET /dev/faults says how each is', async () => {
    const down = await fetch(`${stack.url}/dev/faults/slack`, { method: 'POST', body: new URLSearchParams({ state: 'down' }) });
    expect(await down.json()).toEqual({ mail: 'up', slack: 'down', events: 'up' });
    await expect(fetch(`${stack.faults.slack.url}/api/auth.test`, { method: 'POST' })).rejects.toThrow();
    const slow = await fetch(`${stack.url}/dev/faults/mail`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ state: 'slow', delayMs: 5000 }) });
    expect(await slow.json()).toEqual({ mail: 'slow', slack: 'down', events: 'up' });
    await fetch(`${stack.url}/dev/faults/mail`, { method: 'POST', body: new URLSearchParams({ state: 'up' }) });
    await fetch(`${stack.url}/dev/faults/slack`, { method: 'POST', body: new URLSearchParams({ state: 'up' }) });
    expect(await (await fetch(`${stack.url}/dev/faults`)).json()).toEqual({ mail: 'up', slack: 'up', events: 'up' });
    const bad = await fetch(`${stack.url}/dev/faults/slack`, { method: 'POST', body: new URLSearchParams({ state: 'sideways' }) });
    expect(bad.status).toBe(400);
  });
});
