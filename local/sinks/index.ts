/**
 * The local sinks, together on one loopback port: the outbox (email and a record of Slack) and the Slack
 * sink. `npm start` can either call `startSinks()` or mount `outboxHandler()` and `slackSink.handler` on
 * its own server; both handlers return false for routes that are not theirs.
 *
 * Environment for the app, from the returned URLs:
 *   EMAIL_TRANSPORT=outbox  OUTBOX_URL=<url>
 *   SLACK_API_URL=<url>     SLACK_WEBHOOK_URL=<url>/webhook/T0LOCAL/B0LOCAL/local (webhook mode)
 */
import { listen, type RunningServer } from './http.js';
import { outbox as defaultOutbox, outboxHandler, type Outbox } from './outbox.js';
import { SlackSink, type SlackSinkOptions } from './slack-sink.js';

export { Outbox, outbox, outboxHandler, extractLinks, type OutboxMessage, type OutboxButton } from './outbox.js';
export { SlackSink, startSlackSink, buttonsOf, type SlackFault, type SlackCall } from './slack-sink.js';
export type { SinkHandler } from './http.js';

export interface RunningSinks extends RunningServer {
  outbox: Outbox;
  slack: SlackSink;
  /** OUTBOX_URL */
  outboxUrl: string;
  /** SLACK_API_URL */
  slackApiUrl: string;
  /** SLACK_WEBHOOK_URL */
  slackWebhookUrl: string;
}

export async function startSinks(options: SlackSinkOptions & { port?: number } = {}): Promise<RunningSinks> {
  const store = options.outbox ?? defaultOutbox;
  const slack = new SlackSink({ ...options, outbox: store });
  const server = await listen([outboxHandler(store), slack.handler], { port: options.port });
  return {
    ...server,
    outbox: store,
    slack,
    outboxUrl: server.url,
    slackApiUrl: server.url,
    slackWebhookUrl: `${server.url}/webhook/T0LOCAL/B0LOCAL/local`,
  };
}
