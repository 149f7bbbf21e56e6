/**
 * The Slack service (notifySlack) called again after a failure, as the durable delivery path does, on the
 * local stack with its Slack sink taken down, made slow and rate limited: one channel message per request,
 * one DM per approver per request, one thread reply per event, across retries.
 */
import { randomUUID } from 'node:crypto';
import { DeliveryFailed, DeliveryUncertain } from '../../../functions/errors.js';
import type { AccessRequestRecord } from '../../../functions/domain/request-lifecycle.js';
import type { SlackTrackedRequest } from '../../../functions/domain/slack-delivery.js';
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
let service: typeof import('../../../functions/services/slack-notify.js');
let store: typeof import('../../../functions/adapters/request-store.js')['requestStore'];
let view: typeof import('../../../functions/services/message-view.js')['requestView'];
let lifecycle: typeof import('../../../functions/domain/request-lifecycle.js');
let delivery: typeof import('../../../functions/domain/slack-delivery.js');
let policies: typeof import('../../../functions/domain/approval-policy.js');

beforeAll(async () => {
  stack = await startLocalStack({ policy, slack: { mode: 'app', directMessages: true }, attemptTimeoutsMs: { slack: 500 } });
  service = await import('../../../functions/services/slack-notify.js');
  store = (await import('../../../functions/adapters/request-store.js')).requestStore;
  view = (await import('../../../functions/services/message-view.js')).requestView;
  lifecycle = await import('../../../functions/domain/request-lifecycle.js');
  delivery = await import('../../../functions/domain/slack-delivery.js');
  policies = await import('../../../functions/domain/approval-policy.js');
});

afterAll(() => stack?.stop());

beforeEach(async () => {
  await stack.faults.slack.up();
  stack.slack.clearFaults();
});

/** A pending request, stored as submission stores it (with the approvers' Slack ids). */
async function pendingRequest(): Promise<SlackTrackedRequest> {
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
  const tracked: SlackTrackedRequest = { ...record, slackUserIds: delivery.slackIdsOf(target, 'alice@example.com') };
  await store.create(tracked);
  return tracked;
}

async function notify(event: Parameters<typeof service.notifySlack>[0], request: AccessRequestRecord, round?: string): Promise<unknown> {
  return service.notifySlack(event, request, view, {}, round).then(
    () => undefined,
    (error: unknown) => error,
  );
}

/**
 * Calls again after a retryable failure, as the durable path does, until the event is delivered: a slow
 * answer on a busy machine may time out the short attempt, and the invariants must hold all the same.
 */
async function deliver(event: Parameters<typeof service.notifySlack>[0], request: AccessRequestRecord, round?: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const failure = await notify(event, request, round);
    if (failure === undefined) return;
    if (!(failure instanceof DeliveryFailed) || !failure.retryable || attempt === 5) throw failure;
  }
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

describe('approval-requested, retried', () => {
  it('slow Slack (posts land, answers time out): DeliveryUncertain; the retry finds the posts by metadata and posts nothing', async () => {
    const request = await pendingRequest();
    await stack.faults.slack.slow();
    const first = await notify('approval-requested', request);
    expect(first).toBeInstanceOf(DeliveryUncertain);
    expect(first).toMatchObject({ name: 'DeliveryFailed', retryable: true });
    await stack.faults.slack.up();
    expect(postsFor(request.id)).toEqual({ channel: 1, dms: { [BOB]: 1, [CAROL]: 1 }, replies: 0 });

    await deliver('approval-requested', request);
    expect(postsFor(request.id)).toEqual({ channel: 1, dms: { [BOB]: 1, [CAROL]: 1 }, replies: 0 });
    expect(stack.slack.calls().some((c) => c.method === 'conversations.history')).toBe(true);
    // The refs found are kept: a third call neither posts nor looks.
    const stored = (await store.get(request.id)) as SlackTrackedRequest;
    expect(stored.slackMessage?.channel).toBe(CHANNEL);
    expect(Object.keys(stored.slackDirectMessages ?? {}).sort()).toEqual([BOB, CAROL]);
    const calls = stack.slack.calls().length;
    await deliver('approval-requested', request);
    expect(stack.slack.calls()).toHaveLength(calls);
  });

  it('Slack down (refused): retryable, nothing posted; after recovery exactly one channel message and one DM each', async () => {
    const request = await pendingRequest();
    await stack.faults.slack.down();
    const first = await notify('approval-requested', request);
    expect(first).toBeInstanceOf(DeliveryFailed);
    expect(first).toMatchObject({ retryable: true });
    expect(postsFor(request.id)).toEqual({ channel: 0, dms: {}, replies: 0 });

    await stack.faults.slack.up();
    await deliver('approval-requested', request);
    await deliver('approval-requested', request);
    expect(postsFor(request.id)).toEqual({ channel: 1, dms: { [BOB]: 1, [CAROL]: 1 }, replies: 0 });
  });

  it('rate limited: retryAfterSeconds from Slack; the parts that went out are not repeated', async () => {
    const request = await pendingRequest();
    stack.slack.inject({ status: 429, retryAfter: 12 }, { method: 'chat.postMessage' });
    const first = await notify('approval-requested', request);
    expect(first).toMatchObject({ name: 'DeliveryFailed', retryable: true, retryAfterSeconds: 12 });
    await deliver('approval-requested', request);
    expect(postsFor(request.id)).toEqual({ channel: 1, dms: { [BOB]: 1, [CAROL]: 1 }, replies: 0 });
  });

  it('a channel the bot is not in is not retryable', async () => {
    const request = await pendingRequest();
    stack.slack.inject({ error: 'not_in_channel' }, { times: Infinity, method: 'chat.postMessage' });
    await expect(notify('approval-requested', request)).resolves.toMatchObject({ retryable: false, message: expect.stringContaining('not_in_channel') });
  });

  it('DMs go to the Slack ids snapshotted at submission: the policy is not read', async () => {
    const request = await pendingRequest();
    const saved = process.env.APPROVAL_POLICY;
    delete process.env.APPROVAL_POLICY;
    try {
      await deliver('approval-requested', request);
    } finally {
      process.env.APPROVAL_POLICY = saved;
    }
    expect(postsFor(request.id).dms).toEqual({ [BOB]: 1, [CAROL]: 1 });
  });
});

describe('after the approval message', () => {
  it('escalation DMs the escalation approver once, and replies once in the thread, across retries', async () => {
    const request = await pendingRequest();
    await notify('approval-requested', request);
    const escalated = { ...request, escalated: true, escalationApprovers: ['dave@example.com'] };
    await stack.faults.slack.slow();
    expect(await notify('escalated', escalated)).toBeInstanceOf(DeliveryUncertain);
    await stack.faults.slack.up();
    await deliver('escalated', escalated);
    expect(postsFor(request.id)).toEqual({ channel: 1, dms: { [BOB]: 1, [CAROL]: 1, [DAVE]: 1 }, replies: 1 });
  });

  it('an event that comes again in a new round (an extension) gets its own thread reply; a round retried posts nothing more', async () => {
    const request = await pendingRequest();
    await deliver('approval-requested', request);
    const active: AccessRequestRecord = { ...request, status: 'ACTIVE' };
    await stack.faults.slack.slow();
    expect(await notify('extension-requested', active, 'round-1')).toBeInstanceOf(DeliveryUncertain);
    await stack.faults.slack.up();
    await deliver('extension-requested', active, 'round-1');
    await deliver('extension-requested', active, 'round-2');
    await deliver('extension-requested', active, 'round-2');
    expect(postsFor(request.id).replies).toBe(2);
  });

  it('a decision updates the channel message and every approver’s DM: who decided, no buttons', async () => {
    const request = await pendingRequest();
    await notify('approval-requested', request);
    const stored = (await store.get(request.id)) as SlackTrackedRequest;
    const denied: AccessRequestRecord = {
      ...request,
      status: 'DENIED',
      decidedBy: ['carol@example.com'],
      approvals: { 'carol@example.com': { decision: 'deny', at: new Date().toISOString(), via: 'email' } },
    };
    await deliver('denied', denied);
    const refs = delivery.slackRefsOf(stored);
    expect(refs).toHaveLength(3);
    for (const ref of refs) {
      const updates = slackMessages(stack, 'chat.update', (m) => m.slack?.channel === ref.channel && m.slack.ts === ref.ts);
      expect(updates.length).toBeGreaterThanOrEqual(1);
      expect(updates.at(-1)?.buttons).toEqual([]);
      expect(JSON.stringify(updates.at(-1)?.blocks)).toContain('Denied* by carol@example.com');
    }
    // Retried (say its answer was lost): the updates are repeated, which changes nothing; the thread reply is not.
    await deliver('denied', denied);
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
