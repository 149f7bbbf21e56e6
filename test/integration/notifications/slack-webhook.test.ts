/**
 * The webhook-mode notifier (a JSON POST to the webhook URL) against the local Slack sink.
 */
import { createSlackNotifier, type SlackNotifier } from '../../../functions/adapters/slack.js';
import type { RequestView } from '../../../functions/domain/notification-messages.js';
import { outcomeMessage, webhookApprovalNotice } from '../../../functions/domain/slack-messages.js';
import { DeliveryUncertain } from '../../../functions/errors.js';
import { Outbox } from '../../../local/sinks/outbox.js';
import { SlackSink } from '../../../local/sinks/slack-sink.js';
import { SwitchableSink } from '../../../local/sinks/switchable-server.js';
import { failureOf } from './failure-of.js';

const view: RequestView = {
  id: 'req-7',
  requester: 'dev@example.com',
  targetSummary: 'security group sg-0123456789abcdef0 → replication group orders-cache',
  reason: 'Load test',
  status: 'PENDING_APPROVAL',
  requestUrl: 'http://127.0.0.1:1/requests/req-7',
};
const notice = webhookApprovalNotice(view, ['ana@example.com']);

const outbox = new Outbox();
const sink = new SlackSink({ outbox });
const server = new SwitchableSink('Slack', [sink.handler]);
let slack: SlackNotifier;
const webhookUrl = () => `${server.url}/webhook/T0LOCAL/B0LOCAL/local`;

beforeAll(() => server.start());
afterAll(() => server.close());
beforeEach(async () => {
  await server.up();
  sink.reset();
  outbox.clear();
  slack = createSlackNotifier({ mode: 'webhook', webhookUrl: webhookUrl(), attemptTimeoutMs: 5000 });
});

it('posts JSON to the webhook and returns no message ref', async () => {
  await expect(slack.post(notice)).resolves.toBeUndefined();
  const [message] = outbox.messages();
  expect(message).toMatchObject({ channel: 'slack', to: ['webhook:T0LOCAL/B0LOCAL/local'], slack: { method: 'webhook' }, text: notice.text });
  expect(sink.calls()[0]?.contentType).toContain('application/json');
});

it('update posts a new message (a webhook cannot edit); ephemeral is a no-op; nothing can be read back', async () => {
  const decided = outcomeMessage({ ...view, status: 'DENIED', decidedBy: 'ana@example.com' });
  await slack.update({ channel: 'C0X', ts: '1.1' }, decided);
  await slack.postEphemeral('C0X', 'U0X', 'nobody sees this');
  expect(outbox.messages().map((m) => m.text)).toEqual([decided.text]);
  await expect(slack.findPost({ requestId: 'req-7', message: 'channel' }, { since: new Date(0) })).resolves.toBeUndefined();
  expect(slack.lookupEmail).toBeUndefined();
});

it('channel_not_found (404) and a revoked webhook are not retryable; the URL is in no message', async () => {
  sink.inject({ error: 'channel_not_found' });
  const failure = await failureOf(slack.post(notice));
  expect(failure).toMatchObject({ retryable: false, message: 'Slack webhook: HTTP 404 channel_not_found' });
  expect(`${failure.message}${failure.stack ?? ''}`).not.toContain('B0LOCAL');
  sink.inject({ error: 'channel_is_archived' });
  await expect(failureOf(slack.post(notice))).resolves.toMatchObject({ retryable: false });
});

it('rate limited: retryable with Retry-After, one attempt', async () => {
  sink.inject({ status: 429, retryAfter: 7 });
  await expect(failureOf(slack.post(notice))).resolves.toMatchObject({ retryable: true, retryAfterSeconds: 7 });
  expect(sink.calls().map((c) => c.status)).toEqual([429]);
});

it('refused: retryable, nothing posted; a 500: maybe posted', async () => {
  await server.down();
  const refused = await failureOf(slack.post(notice));
  expect(refused).toMatchObject({ retryable: true, message: 'Slack webhook: ECONNREFUSED' });
  expect(refused).not.toBeInstanceOf(DeliveryUncertain);
  await server.up();
  sink.inject({ status: 500 });
  expect(await failureOf(slack.post(notice))).toBeInstanceOf(DeliveryUncertain);
  expect(outbox.messages()).toEqual([]);
});
