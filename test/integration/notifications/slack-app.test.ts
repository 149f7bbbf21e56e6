/**
 * The real @slack/web-api WebClient, through the app-mode notifier, against the local Slack sink.
 */
import { createSlackNotifier, notifySafely, type NotifyLogger, type SlackNotifier } from '../../../functions/adapters/slack.js';
import type { RequestView } from '../../../functions/domain/notification-messages.js';
import { approvalMessage, outcomeMessage, threadReply } from '../../../functions/domain/slack-messages.js';
import { Outbox } from '../../../local/sinks/outbox.js';
import { startSlackSink, type RunningSlackSink } from '../../../local/sinks/slack-sink.js';

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

let sink: RunningSlackSink;
const outbox = new Outbox();
let warnings: { message: string; fields: Record<string, unknown> }[];
const logger: NotifyLogger = { warn: (message, fields) => warnings.push({ message, fields }) };
let slack: SlackNotifier;

beforeAll(async () => {
  sink = await startSlackSink({ outbox, botToken: TOKEN, users: { U0APPROVER1: 'ana@example.com' } });
});
afterAll(() => sink.close());
beforeEach(() => {
  sink.sink.reset();
  outbox.clear();
  warnings = [];
  slack = createSlackNotifier({ mode: 'app', channel: 'C0APPROVALS', apiUrl: sink.apiUrl, botToken: TOKEN, logger, retry: { baseDelayMs: 20 } });
});

describe('app mode against the sink', () => {
  it('posts the approval request with interactive buttons, sent as Slack receives it', async () => {
    const ref = await slack.postApproval(view, { interactive: true });
    expect(ref).toEqual({ channel: 'C0APPROVALS', ts: expect.stringMatching(/^\d{10}\.\d{6}$/) });

    const [call] = sink.sink.calls();
    expect(call).toMatchObject({ method: 'chat.postMessage', token: TOKEN, status: 200 });
    expect(call?.contentType).toContain('application/x-www-form-urlencoded');

    const [message] = outbox.messages();
    expect(message).toMatchObject({ channel: 'slack', to: ['C0APPROVALS'], slack: { method: 'chat.postMessage', ts: ref?.ts } });
    // The blocks survive the WebClient's form encoding unchanged.
    expect(message?.blocks).toEqual(approvalMessage(view, { interactive: true }).blocks);
    expect(message?.buttons).toEqual([
      { action_id: 'approve', text: 'Approve', style: 'primary', value: 'req-42', url: undefined },
      { action_id: 'deny', text: 'Deny', style: 'danger', value: 'req-42', url: undefined },
    ]);
  });

  it('replaces the buttons with the outcome and replies in the thread', async () => {
    const ref = await slack.postApproval(view, { interactive: true });
    const decided = outcomeMessage({ ...view, status: 'APPROVED', decidedBy: 'U0APPROVER1' });
    await slack.update(ref, decided.blocks, decided.text);
    const reply = threadReply('granted', { ...view, status: 'ACTIVE', decidedBy: 'U0APPROVER1' });
    await slack.reply(ref, reply.blocks, reply.text);

    const [, updated, threaded] = outbox.messages();
    expect(updated).toMatchObject({ slack: { method: 'chat.update', channel: 'C0APPROVALS', ts: ref?.ts }, buttons: [] });
    expect(updated?.text).toContain('Approved by <@U0APPROVER1>');
    expect(threaded).toMatchObject({ slack: { method: 'chat.postMessage', threadTs: ref?.ts } });
  });

  it('with no message to edit, update posts a new message to the channel', async () => {
    const decided = outcomeMessage({ ...view, status: 'DENIED', decidedBy: 'U0APPROVER1' });
    await slack.update(undefined, decided.blocks, decided.text);
    expect(outbox.messages().map((m) => [m.slack?.method, m.to[0]])).toEqual([['chat.postMessage', 'C0APPROVALS']]);
  });

  it('surfaces Slack errors: updating a message that does not exist', async () => {
    await expect(slack.update({ channel: 'C0APPROVALS', ts: '1.000001' }, [], 'x')).rejects.toMatchObject({
      code: 'slack_webapi_platform_error',
      data: { error: 'message_not_found' },
    });
  });

  it('DMs approvers when direct messages are on', async () => {
    const dm = createSlackNotifier({ mode: 'app', channel: 'C0APPROVALS', apiUrl: sink.apiUrl, botToken: TOKEN, directMessages: true, logger });
    await dm.postApproval(view, { interactive: true }, { directTo: [{ user: 'U0APPROVER1' }] });
    expect(outbox.messages().map((m) => [m.to[0], m.slack?.channel])).toEqual([
      ['C0APPROVALS', 'C0APPROVALS'],
      ['U0APPROVER1', 'D0APPROVER1'],
    ]);
  });

  it('sends ephemeral messages and looks up approvers’ emails', async () => {
    await slack.postEphemeral('C0APPROVALS', 'U0APPROVER1', 'You are not an approver for this cache.');
    expect(outbox.messages()[0]).toMatchObject({ to: ['U0APPROVER1'], slack: { method: 'chat.postEphemeral' } });
    await expect(slack.lookupEmail?.('U0APPROVER1')).resolves.toBe('ana@example.com');
    await expect(slack.lookupEmail?.('U0NOBODY')).resolves.toBeUndefined();
  });
});

describe('app mode failures', () => {
  it('channel_not_found is thrown at once, not retried', async () => {
    sink.sink.inject({ error: 'channel_not_found' }, { method: 'chat.postMessage' });
    await expect(slack.postApproval(view, { interactive: true })).rejects.toMatchObject({ data: { error: 'channel_not_found' } });
    expect(sink.sink.calls()).toHaveLength(1);
  });

  it('a wrong token is invalid_auth', async () => {
    const wrong = createSlackNotifier({ mode: 'app', channel: 'C0APPROVALS', apiUrl: sink.apiUrl, botToken: 'xoxb-wrong', logger });
    await expect(wrong.postApproval(view, { interactive: true })).rejects.toMatchObject({ data: { error: 'invalid_auth' } });
    expect(outbox.messages()).toEqual([]);
  });

  it('ratelimited: waits Retry-After, then succeeds', async () => {
    sink.sink.inject({ status: 429, retryAfter: 1 }, { method: 'chat.postMessage' });
    const started = Date.now();
    const ref = await slack.postApproval(view, { interactive: true });
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(ref?.ts).toBeDefined();
    expect(sink.sink.calls().map((c) => c.status)).toEqual([429, 200]);
    expect(outbox.messages()).toHaveLength(1);
  });

  it('ratelimited beyond the budget: gives up at once instead of blocking the workflow', async () => {
    sink.sink.inject({ status: 429, retryAfter: 30 }, { method: 'chat.postMessage' });
    const started = Date.now();
    const result = await notifySafely('slack.post-approval', () => slack.postApproval(view, { interactive: true }), { requestId: view.id, logger });
    expect(result).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(warnings[0]?.fields).toMatchObject({ action: 'slack.post-approval', requestId: 'req-42', errorCode: 'slack_webapi_rate_limited_error', retryAfter: 30 });
  });

  it('a 500 that clears is retried', async () => {
    sink.sink.inject({ status: 500 }, { method: 'chat.postMessage' });
    await expect(slack.postApproval(view, { interactive: true })).resolves.toBeDefined();
    expect(sink.sink.calls().map((c) => c.status)).toEqual([500, 200]);
  });

  it('a 500 that persists is retried a bounded number of times, then logged and swallowed by notifySafely', async () => {
    sink.sink.inject({ status: 500 }, { times: Infinity });
    const result = await notifySafely('slack.post-approval', () => slack.postApproval(view, { interactive: true }), { requestId: view.id, logger });
    expect(result).toBeUndefined();
    expect(sink.sink.calls().map((c) => c.status)).toEqual([500, 500, 500, 500]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ fields: { action: 'slack.post-approval', requestId: 'req-42', statusCode: 500, errorCode: 'slack_webapi_http_error' } });
    expect(JSON.stringify(warnings)).not.toContain(TOKEN);
    expect(outbox.messages()).toEqual([]);
  });

  it('faults can be injected over HTTP too (for end-to-end tests)', async () => {
    const response = await fetch(`${sink.url}/dev/slack/faults`, { method: 'POST', body: JSON.stringify({ fault: { error: 'invalid_auth' }, method: 'chat.update' }) });
    expect(response.status).toBe(201);
    await expect(slack.update({ channel: 'C0APPROVALS', ts: '1.1' }, [], 'x')).rejects.toMatchObject({ data: { error: 'invalid_auth' } });
  });
});

describe('the sink speaks Slack to other clients too', () => {
  it('accepts JSON bodies with a bearer token and form bodies with a token field; rejects no token', async () => {
    const json = await fetch(`${sink.url}/api/chat.postMessage`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify({ channel: 'C0APPROVALS', text: 'hi', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'hi' } }] }),
    });
    expect(await json.json()).toMatchObject({ ok: true, channel: 'C0APPROVALS', message: { text: 'hi' } });

    const form = await fetch(`${sink.url}/api/chat.postMessage`, { method: 'POST', body: new URLSearchParams({ token: TOKEN, channel: 'C0APPROVALS', text: 'hello' }) });
    expect(await form.json()).toMatchObject({ ok: true });

    const anonymous = await fetch(`${sink.url}/api/chat.postMessage`, { method: 'POST', body: new URLSearchParams({ channel: 'C0APPROVALS', text: 'x' }) });
    expect(await anonymous.json()).toEqual({ ok: false, error: 'not_authed' });
    expect(outbox.messages().map((m) => m.text)).toEqual(['hi', 'hello']);
  });
});
