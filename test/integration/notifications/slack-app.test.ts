/**
 * The app-mode notifier (fetch, JSON to chat.*, form-encoded reads) against the local Slack sink: what it
 * sends, how each failure is classified for the durable delivery path, and finding an earlier post by its
 * message metadata.
 */
import { createSlackNotifier, SLACK_EVENT_TYPE, type SlackNotifier } from '../../../functions/adapters/slack.js';
import type { RequestView } from '../../../functions/domain/notification-messages.js';
import { approvalMessage, outcomeMessage, threadReply } from '../../../functions/domain/slack-messages.js';
import { DeliveryUncertain } from '../../../functions/errors.js';
import { Outbox } from '../../../local/sinks/outbox.js';
import { SlackSink } from '../../../local/sinks/slack-sink.js';
import { SwitchableSink } from '../../../local/sinks/switchable-server.js';
import { failureOf } from './failure-of.js';

const TOKEN = 'xoxb-local-test-token';
const view: RequestView = {
  id: 'req-42',
  requester: 'dev@example.com',
  targetSummary: 'EC2 security group app-servers (owner 123456789012) → cache security group orders',
  reason: 'Debugging INC-7',
  durationMinutes: 60,
  status: 'PENDING_APPROVAL',
  requestUrl: 'http://127.0.0.1:1/requests/req-42',
};
const approval = approvalMessage(view, { interactive: true });
const key = { requestId: 'req-42', message: 'channel' };

const outbox = new Outbox();
const sink = new SlackSink({ outbox, botToken: TOKEN, users: { U0APPROVER1: 'ana@example.com' } });
const server = new SwitchableSink('Slack', [sink.handler]);
let slack: SlackNotifier;

beforeAll(() => server.start());
afterAll(() => server.close());
beforeEach(async () => {
  await server.up();
  sink.reset();
  outbox.clear();
  slack = createSlackNotifier({ mode: 'app', channel: 'C0APPROVALS', apiUrl: server.url, botToken: TOKEN, attemptTimeoutMs: 5000 });
});

describe('app mode against the sink', () => {
  it('posts the approval request as JSON with a bearer token, with its metadata', async () => {
    const ref = await slack.post(approval, { key });
    expect(ref).toEqual({ channel: 'C0APPROVALS', ts: expect.stringMatching(/^\d{10}\.\d{6}$/) });

    const [call] = sink.calls();
    expect(call).toMatchObject({ method: 'chat.postMessage', token: TOKEN, status: 200 });
    expect(call?.contentType).toBe('application/json; charset=utf-8');
    expect(call?.params).toMatchObject({ channel: 'C0APPROVALS', metadata: { event_type: SLACK_EVENT_TYPE, event_payload: { request_id: 'req-42', message: 'channel' } } });

    const [message] = outbox.messages();
    expect(message).toMatchObject({ channel: 'slack', to: ['C0APPROVALS'], slack: { method: 'chat.postMessage', ts: ref?.ts } });
    expect(message?.blocks).toEqual(approval.blocks);
    expect(message?.buttons).toEqual([
      { action_id: 'approve', text: 'Approve', style: 'primary', value: 'req-42', url: undefined },
      { action_id: 'deny', text: 'Deny', style: 'danger', value: 'req-42', url: undefined },
    ]);
  });

  it('replaces the buttons with the outcome and replies in the thread', async () => {
    const ref = await slack.post(approval, { key });
    if (!ref) throw new Error('no ref');
    await slack.update(ref, outcomeMessage({ ...view, status: 'APPROVED', decidedBy: 'U0APPROVER1' }));
    await slack.post(threadReply('granted', { ...view, status: 'ACTIVE', decidedBy: 'U0APPROVER1' }), { threadTs: ref.ts });

    const [, updated, threaded] = outbox.messages();
    expect(updated).toMatchObject({ slack: { method: 'chat.update', channel: 'C0APPROVALS', ts: ref.ts }, buttons: [] });
    expect(updated?.text).toContain('Approved by <@U0APPROVER1>');
    expect(threaded).toMatchObject({ slack: { method: 'chat.postMessage', threadTs: ref.ts } });
  });

  it('DMs a user by their id (Slack answers with the DM channel)', async () => {
    const ref = await slack.post(approval, { to: 'U0APPROVER1', key: { requestId: 'req-42', message: 'dm-U0APPROVER1' } });
    expect(ref).toEqual({ channel: 'D0APPROVER1', ts: expect.any(String) });
    expect(outbox.messages().map((m) => [m.to[0], m.slack?.channel])).toEqual([['U0APPROVER1', 'D0APPROVER1']]);
  });

  it('sends ephemeral messages and looks up approvers’ emails', async () => {
    await slack.postEphemeral('C0APPROVALS', 'U0APPROVER1', 'You are not an approver for this cache.');
    expect(outbox.messages()[0]).toMatchObject({ to: ['U0APPROVER1'], slack: { method: 'chat.postEphemeral' } });
    await expect(slack.lookupEmail?.('U0APPROVER1')).resolves.toBe('ana@example.com');
    await expect(slack.lookupEmail?.('U0NOBODY')).resolves.toBeUndefined();
    expect(sink.calls().find((c) => c.method === 'users.info')?.contentType).toBe('application/x-www-form-urlencoded');
  });
});

describe('finding an earlier post by its metadata', () => {
  const since = new Date(Date.now() - 1000);

  it('in the channel (conversations.history), and only the post with that request and key', async () => {
    await slack.post(approval, { key: { requestId: 'req-other', message: 'channel' } });
    const ref = await slack.post(approval, { key });
    await slack.post(approval);
    await expect(slack.findPost(key, { since })).resolves.toEqual(ref);
    await expect(slack.findPost({ requestId: 'req-42', message: 'dm-U0X' }, { since })).resolves.toBeUndefined();
    const history = sink.calls().filter((c) => c.method === 'conversations.history');
    expect(history[0]?.params).toMatchObject({ channel: 'C0APPROVALS', include_all_metadata: 'true' });
  });

  it('in a user’s DM (conversations.open, then history) and in a thread (conversations.replies)', async () => {
    const dmKey = { requestId: 'req-42', message: 'dm-U0APPROVER1' };
    const dm = await slack.post(approval, { to: 'U0APPROVER1', key: dmKey });
    await expect(slack.findPost(dmKey, { to: 'U0APPROVER1', since })).resolves.toEqual(dm);

    const parent = await slack.post(approval, { key });
    const replyKey = { requestId: 'req-42', message: 'reply-granted' };
    const reply = await slack.post(threadReply('granted', view), { threadTs: parent?.ts, key: replyKey });
    await expect(slack.findPost(replyKey, { threadTs: parent?.ts, since })).resolves.toEqual(reply);
    // A thread reply is not in the channel's history, as in Slack.
    await expect(slack.findPost(replyKey, { since })).resolves.toBeUndefined();
  });
});

describe('failures, as the durable delivery path needs them', () => {
  it('refused (the sink is down): retryable, definitely not sent; after recovery one post, exactly one copy', async () => {
    await server.down();
    const failure = await failureOf(slack.post(approval, { key }));
    expect(failure).toMatchObject({ name: 'DeliveryFailed', retryable: true, message: 'Slack chat.postMessage: ECONNREFUSED' });
    expect(failure).not.toBeInstanceOf(DeliveryUncertain);

    await server.up();
    await slack.post(approval, { key });
    expect(outbox.messages()).toHaveLength(1);
  });

  it('slow (the answer comes after the attempt timeout): maybe delivered; the post is there and findPost sees it', async () => {
    await server.slow();
    const impatient = createSlackNotifier({ mode: 'app', channel: 'C0APPROVALS', apiUrl: server.url, botToken: TOKEN, attemptTimeoutMs: 200 });
    const failure = await failureOf(impatient.post(approval, { key }));
    expect(failure).toBeInstanceOf(DeliveryUncertain);
    expect(failure).toMatchObject({ retryable: true, message: 'Slack chat.postMessage: no answer within 200 ms' });
    await server.up();
    expect(outbox.messages()).toHaveLength(1);
    await expect(slack.findPost(key, { since: new Date(Date.now() - 1000) })).resolves.toEqual({ channel: 'C0APPROVALS', ts: outbox.messages()[0]?.slack?.ts });
  });

  it('429: retryable after Retry-After, in one attempt (no waiting inside the adapter)', async () => {
    sink.inject({ status: 429, retryAfter: 30 }, { method: 'chat.postMessage' });
    const failure = await failureOf(slack.post(approval, { key }));
    expect(failure).toMatchObject({ name: 'DeliveryFailed', retryable: true, retryAfterSeconds: 30 });
    expect(failure).not.toBeInstanceOf(DeliveryUncertain);
    expect(sink.calls().map((c) => c.status)).toEqual([429]);
  });

  it('5xx and Slack’s internal_error: retryable, maybe done', async () => {
    sink.inject({ status: 500 }, { method: 'chat.postMessage' });
    expect(await failureOf(slack.post(approval, { key }))).toBeInstanceOf(DeliveryUncertain);
    sink.inject({ error: 'internal_error' }, { method: 'chat.update' });
    expect(await failureOf(slack.update({ channel: 'C0APPROVALS', ts: '1.1' }, approval))).toBeInstanceOf(DeliveryUncertain);
    sink.inject({ error: 'service_unavailable' }, { method: 'chat.postMessage' });
    const unavailable = await failureOf(slack.post(approval, { key }));
    expect(unavailable.retryable).toBe(true);
    expect(unavailable).not.toBeInstanceOf(DeliveryUncertain);
  });

  it.each(['channel_not_found', 'not_in_channel', 'is_archived', 'missing_scope', 'account_inactive'])('%s is not retryable', async (error) => {
    sink.inject({ error }, { method: 'chat.postMessage' });
    await expect(failureOf(slack.post(approval, { key }))).resolves.toMatchObject({ retryable: false, message: `Slack chat.postMessage: ${error}` });
    expect(sink.calls()).toHaveLength(1);
  });

  it('a wrong token is invalid_auth, not retryable, and the token is in no message', async () => {
    const wrong = createSlackNotifier({ mode: 'app', channel: 'C0APPROVALS', apiUrl: server.url, botToken: 'xoxb-wrong', attemptTimeoutMs: 200 });
    const failure = await failureOf(wrong.post(approval, { key }));
    expect(failure).toMatchObject({ retryable: false, message: 'Slack chat.postMessage: invalid_auth' });
    expect(JSON.stringify({ message: failure.message, stack: failure.stack })).not.toContain('xoxb');
    expect(outbox.messages()).toEqual([]);
  });

  it('updating a message that does not exist: message_not_found, not retryable', async () => {
    await expect(failureOf(slack.update({ channel: 'C0APPROVALS', ts: '1.000001' }, approval))).resolves.toMatchObject({ retryable: false, message: 'Slack chat.update: message_not_found' });
  });
});
