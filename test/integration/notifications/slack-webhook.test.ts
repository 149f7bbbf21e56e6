/**
 * The real @slack/webhook IncomingWebhook, through the webhook-mode notifier, against the local Slack sink.
 */
import { createSlackNotifier, notifySafely, type NotifyLogger, type SlackNotifier } from '../../../functions/adapters/slack.js';
import type { RequestView } from '../../../functions/domain/notification-messages.js';
import { outcomeMessage } from '../../../functions/domain/slack-messages.js';
import { Outbox } from '../../../local/sinks/outbox.js';
import { startSlackSink, type RunningSlackSink } from '../../../local/sinks/slack-sink.js';

const view: RequestView = {
  id: 'req-7',
  requester: 'dev@example.com',
  targetSummary: 'security group sg-0123456789abcdef0 → replication group orders-cache',
  reason: 'Load test',
  status: 'PENDING_APPROVAL',
  requestUrl: 'http://127.0.0.1:1/requests/req-7',
};
const page = 'http://127.0.0.1:1/approvals/req-7/review';

let sink: RunningSlackSink;
const outbox = new Outbox();
let warnings: { message: string; fields: Record<string, unknown> }[];
const logger: NotifyLogger = { warn: (message, fields) => warnings.push({ message, fields }) };
let slack: SlackNotifier;

beforeAll(async () => {
  sink = await startSlackSink({ outbox });
});
afterAll(() => sink.close());
beforeEach(() => {
  sink.sink.reset();
  outbox.clear();
  warnings = [];
  slack = createSlackNotifier({ mode: 'webhook', webhookUrl: sink.webhookUrl, logger, retry: { baseDelayMs: 20 } });
});

it('posts the approval request with link buttons to the approval page, and returns no message ref', async () => {
  // Even if the caller asks for interactive buttons: a webhook message has no interactivity behind it.
  await expect(slack.postApproval(view, { interactive: true, approveUrl: page })).resolves.toBeUndefined();
  const [message] = outbox.messages();
  expect(message).toMatchObject({ channel: 'slack', to: ['webhook:T0LOCAL/B0LOCAL/local'], slack: { method: 'webhook' } });
  expect(message?.buttons).toEqual([
    { action_id: 'approve', text: 'Approve', style: 'primary', value: undefined, url: page },
    { action_id: 'deny', text: 'Deny', style: 'danger', value: undefined, url: page },
  ]);
  expect(message?.links).toEqual(expect.arrayContaining([page, view.requestUrl]));
  expect(sink.sink.calls()[0]?.contentType).toContain('application/json');
});

it('update and reply post new messages (a webhook cannot edit or thread); ephemeral is a no-op', async () => {
  const decided = outcomeMessage({ ...view, status: 'DENIED', decidedBy: 'ana@example.com' });
  await slack.update({ channel: 'C0X', ts: '1.1' }, decided.blocks, decided.text);
  await slack.reply(undefined, decided.blocks, decided.text);
  await slack.postEphemeral('C0X', 'U0X', 'nobody sees this');
  expect(outbox.messages().map((m) => m.text)).toEqual([decided.text, decided.text]);
  expect(slack.lookupEmail).toBeUndefined();
});

it('channel_not_found (404) is thrown at once, not retried', async () => {
  sink.sink.inject({ error: 'channel_not_found' });
  await expect(slack.postApproval(view, { interactive: false, approveUrl: page })).rejects.toMatchObject({
    code: 'slack_webhook_http_error',
    statusCode: 404,
  });
  expect(sink.sink.calls()).toHaveLength(1);
});

it('rate limited: waits Retry-After, then succeeds', async () => {
  sink.sink.inject({ status: 429, retryAfter: 1 });
  const started = Date.now();
  await slack.postApproval(view, { interactive: false, approveUrl: page });
  expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  expect(sink.sink.calls().map((c) => c.status)).toEqual([429, 200]);
  expect(outbox.messages()).toHaveLength(1);
});

it('a persistent 500 is retried a bounded number of times, then logged (without the webhook URL) and swallowed', async () => {
  sink.sink.inject({ status: 500 }, { times: Infinity });
  const result = await notifySafely('slack.post-approval', () => slack.postApproval(view, { interactive: false, approveUrl: page }), { requestId: view.id, logger });
  expect(result).toBeUndefined();
  expect(sink.sink.calls().map((c) => c.status)).toEqual([500, 500, 500, 500]);
  expect(warnings[0]?.fields).toMatchObject({ requestId: 'req-7', statusCode: 500, errorCode: 'slack_webhook_http_error' });
  expect(JSON.stringify(warnings)).not.toContain('B0LOCAL');
});

it('a webhook that is unreachable is a logged failure, not a crash', async () => {
  const closed = await startSlackSink({ outbox });
  await closed.close();
  const gone = createSlackNotifier({ mode: 'webhook', webhookUrl: closed.webhookUrl, logger, retry: { baseDelayMs: 5 } });
  await expect(notifySafely('slack.post-approval', () => gone.postApproval(view, { interactive: false, approveUrl: page }), { logger })).resolves.toBeUndefined();
  expect(warnings[0]?.fields).toMatchObject({ errorCode: 'slack_webhook_request_error' });
  expect(JSON.stringify(warnings)).not.toContain(String(closed.port));
});
