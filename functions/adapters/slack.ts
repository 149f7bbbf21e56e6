/**
 * Slack, in one of two modes (SLACK_MODE), over plain fetch:
 *
 * - `app`: the Web API with a bot token: chat.postMessage (to the approvals channel, a user's DM, or a
 *   thread), chat.update, chat.postEphemeral, users.info, and for finding an earlier post:
 *   conversations.open (a user's DM channel) and conversations.history / conversations.replies with
 *   message metadata.
 * - `webhook`: an incoming webhook: it can only post a new message to its channel; it cannot edit, thread,
 *   answer privately or read anything back.
 *
 * Why fetch and not @slack/web-api + @slack/webhook: those two (with axios and their dependencies) were
 * 73 KB of every notifying function's bundle, and cachegate calls seven methods with simple JSON. The code
 * we own instead is the request and the error classification below; the wire format is in docs/slack.md.
 *
 * One attempt per call (at most SLACK_ATTEMPT_TIMEOUT_MS): retrying is the durable delivery path's job.
 * Every failure is a DeliveryFailed (functions/adapters/delivery-failure.ts):
 * - retryable, not delivered: 429 `ratelimited` (retryAfterSeconds from Retry-After), connection refused,
 *   `service_unavailable`, `request_timeout`;
 * - retryable, maybe delivered (DeliveryUncertain): no answer in time, a broken connection, 5xx,
 *   `internal_error`, `fatal_error`;
 * - not retryable: every other Slack error (`channel_not_found`, `not_in_channel`, `invalid_auth`,
 *   `missing_scope`, `message_not_found`, …) and 4xx.
 */
import { slackConfig } from '../config.js';
import { ConfigError, DeliveryFailed, DeliveryUncertain } from '../errors.js';
import type { SlackRef } from '../domain/slack-delivery.js';
import type { SlackMessage } from '../domain/slack-messages.js';
import { fetchFailure, httpFailure } from './delivery-failure.js';

export type { SlackRef };

/** Which message of which request a post is; carried as message metadata so that it can be found again. */
export interface MessageKey {
  requestId: string;
  /** e.g. `channel`, `dm-U0BOB00001`, `reply-granted` (letters, digits, `-`). */
  message: string;
}

/** Message metadata's event_type for every cachegate post (letters, digits, `_` and `-` only). */
export const SLACK_EVENT_TYPE = 'cachegate_request';

export interface SlackNotifier {
  readonly mode: 'webhook' | 'app';
  /**
   * Posts a new message: app mode to `to` (a channel id, or a user id for their DM; default the approvals
   * channel), in the thread of `threadTs` if given, with `key` as message metadata; webhook mode to the
   * webhook's channel. Returns where it went (app mode).
   */
  post(message: SlackMessage, options?: { to?: string; threadTs?: string; key?: MessageKey }): Promise<SlackRef | undefined>;
  /** Replaces the message at `ref` (app mode; webhook notifiers have no messages to edit). */
  update(ref: SlackRef, message: SlackMessage): Promise<void>;
  /** A message only `user` sees (app mode); a no-op for webhooks. */
  postEphemeral(channel: string, user: string, text: string): Promise<void>;
  /**
   * The message posted with `key` (app mode) in `to` (default the approvals channel; a user id: their DM),
   * in the thread of `threadTs` if given, no earlier than `since`; undefined when there is none (and
   * always for webhooks, which cannot read).
   */
  findPost(key: MessageKey, options: { to?: string; threadTs?: string; since: Date }): Promise<SlackRef | undefined>;
  /** The Slack user's profile email (app mode, needs users:read.email); undefined if unknown. */
  lookupEmail?(userId: string): Promise<string | undefined>;
}

export interface SlackNotifierOptions {
  mode: 'webhook' | 'app';
  /** app: the approvals channel id. */
  channel?: string;
  /** Local sink base URL: calls go to `${apiUrl}/api/<method>`. Unset in AWS (https://slack.com). */
  apiUrl?: string;
  /** app: xoxb-… */
  botToken?: string;
  /** webhook: https://hooks.slack.com/services/… (locally, a sink URL). A secret: never in a message. */
  webhookUrl?: string;
  /** Each call is abandoned after this long (ms). */
  attemptTimeoutMs?: number;
  fetch?: typeof fetch;
}

const DEFAULT_ATTEMPT_TIMEOUT_MS = 2000;

/** Slack errors that mean "not done, try later". */
const RETRY_LATER = new Set(['ratelimited', 'rate_limited', 'service_unavailable', 'request_timeout', 'team_added_to_org']);
/** Slack errors after which part of the call may have happened ("It's possible some aspect of the operation succeeded"). */
const MAYBE_DONE = new Set(['internal_error', 'fatal_error']);

/** How far back an earlier post is looked for: Slack's clock and ours may differ a little. */
const CLOCK_SKEW_SECONDS = 60;
/** conversations.history pages read at most (200 messages each) before concluding there is no earlier post. */
const MAX_HISTORY_PAGES = 5;

interface SlackMessageItem {
  ts?: string;
  bot_id?: string;
  metadata?: { event_type?: string; event_payload?: Record<string, unknown> };
}

function platformFailure(method: string, error: string): DeliveryFailed {
  const text = `Slack ${method}: ${error.slice(0, 80)}`;
  if (RETRY_LATER.has(error)) return new DeliveryFailed(text, true);
  if (MAYBE_DONE.has(error)) return new DeliveryUncertain(text);
  return new DeliveryFailed(text, false);
}

function slackTs(date: Date): string {
  return `${Math.max(0, Math.floor(date.getTime() / 1000) - CLOCK_SKEW_SECONDS)}.000000`;
}

function metadataOf(key: MessageKey): { event_type: string; event_payload: Record<string, string> } {
  return { event_type: SLACK_EVENT_TYPE, event_payload: { request_id: key.requestId, message: key.message } };
}

function isPostOf(item: SlackMessageItem, key: MessageKey): boolean {
  const payload = item.metadata?.event_payload;
  return item.metadata?.event_type === SLACK_EVENT_TYPE && payload?.request_id === key.requestId && payload.message === key.message;
}

function appNotifier(options: SlackNotifierOptions, timeoutMs: number, fetchFn: typeof fetch): SlackNotifier {
  if (!options.channel) throw new ConfigError('Slack app mode needs a channel (SLACK_CHANNEL)');
  if (!options.botToken) throw new ConfigError('Slack app mode needs a bot token (SLACK_BOT_TOKEN or SLACK_BOT_TOKEN_PARAMETER)');
  const channel = options.channel;
  const token = options.botToken;
  const base = `${(options.apiUrl ?? 'https://slack.com').replace(/\/+$/, '')}/api`;

  /**
   * One Web API call. Writes (chat.*) go as JSON, as Slack recommends for blocks and metadata; reads go
   * form-encoded, which every method accepts. The token is always in the Authorization header.
   */
  async function call<T extends object>(method: string, params: Record<string, unknown>, encoding: 'json' | 'form'): Promise<T> {
    const what = `Slack ${method}`;
    let body: unknown;
    try {
      const response = await fetchFn(`${base}/${method}`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': encoding === 'json' ? 'application/json; charset=utf-8' : 'application/x-www-form-urlencoded',
        },
        body:
          encoding === 'json'
            ? JSON.stringify(params)
            : new URLSearchParams(Object.entries(params).flatMap(([k, v]): [string, string][] => (v === undefined ? [] : [[k, String(v)]]))).toString(),
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (!response.ok) {
        await response.body?.cancel();
        throw httpFailure(response, what);
      }
      body = await response.json();
    } catch (error) {
      if (error instanceof DeliveryFailed) throw error;
      throw fetchFailure(error, what, timeoutMs);
    }
    const answer = body as { ok?: unknown; error?: unknown };
    if (answer.ok !== true) throw platformFailure(method, typeof answer.error === 'string' ? answer.error : 'unknown_error');
    return body as T;
  }

  /** The DM channel with a user (conversations.open is idempotent: the same D… every time). */
  async function conversationOf(to: string): Promise<string> {
    if (!/^[UW][A-Z0-9]+$/.test(to)) return to;
    const opened = await call<{ channel?: { id?: string } }>('conversations.open', { users: to }, 'form');
    if (!opened.channel?.id) throw new DeliveryUncertain('Slack conversations.open: no channel in the answer');
    return opened.channel.id;
  }

  return {
    mode: 'app',
    async post(message, { to = channel, threadTs, key } = {}) {
      const result = await call<{ channel?: string; ts?: string }>(
        'chat.postMessage',
        {
          channel: to,
          text: message.text,
          blocks: message.blocks,
          unfurl_links: false,
          unfurl_media: false,
          ...(threadTs ? { thread_ts: threadTs } : {}),
          ...(key ? { metadata: metadataOf(key) } : {}),
        },
        'json',
      );
      if (!result.ts) throw new DeliveryUncertain('Slack chat.postMessage: no ts in the answer');
      return { channel: result.channel ?? to, ts: result.ts };
    },
    async update(ref, message) {
      await call('chat.update', { channel: ref.channel, ts: ref.ts, text: message.text, blocks: message.blocks }, 'json');
    },
    async postEphemeral(target, user, text) {
      await call('chat.postEphemeral', { channel: target, user, text }, 'json');
    },
    async findPost(key, { to = channel, threadTs, since }) {
      const conversation = await conversationOf(to);
      const method = threadTs ? 'conversations.replies' : 'conversations.history';
      let cursor: string | undefined;
      for (let page = 0; page < MAX_HISTORY_PAGES; page++) {
        const result = await call<{ messages?: SlackMessageItem[]; has_more?: boolean; response_metadata?: { next_cursor?: string } }>(
          method,
          { channel: conversation, ts: threadTs, oldest: slackTs(since), limit: 200, include_all_metadata: true, cursor },
          'form',
        );
        const found = (result.messages ?? []).find((item) => item.bot_id !== undefined && isPostOf(item, key));
        if (found?.ts) return { channel: conversation, ts: found.ts };
        cursor = result.response_metadata?.next_cursor || undefined;
        if (!result.has_more || !cursor) return undefined;
      }
      // Hundreds of messages since the first attempt and none is ours: treat it as never posted.
      return undefined;
    },
    async lookupEmail(userId) {
      try {
        const result = await call<{ user?: { profile?: { email?: string } } }>('users.info', { user: userId }, 'form');
        return result.user?.profile?.email || undefined;
      } catch (error) {
        if (error instanceof DeliveryFailed && !error.retryable && /user_not_found/.test(error.message)) return undefined;
        throw error;
      }
    },
  };
}

function webhookNotifier(options: SlackNotifierOptions, timeoutMs: number, fetchFn: typeof fetch): SlackNotifier {
  if (!options.webhookUrl) throw new ConfigError('Slack webhook mode needs a webhook URL (SLACK_WEBHOOK_URL or SLACK_WEBHOOK_URL_PARAMETER)');
  const webhookUrl = options.webhookUrl;
  const what = 'Slack webhook';

  async function send(message: SlackMessage): Promise<void> {
    try {
      const response = await fetchFn(webhookUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body: JSON.stringify({ text: message.text, blocks: message.blocks, unfurl_links: false, unfurl_media: false }),
        signal: AbortSignal.timeout(timeoutMs),
      });
      // Success is HTTP 200 with the body `ok`; errors are an HTTP status with the code as text.
      const text = (await response.text()).trim();
      if (!response.ok) throw httpFailure(response, what, /^[a-z_]+$/.test(text) ? text : undefined);
    } catch (error) {
      if (error instanceof DeliveryFailed) throw error;
      throw fetchFailure(error, what, timeoutMs);
    }
  }

  return {
    mode: 'webhook',
    async post(message) {
      await send(message);
      return undefined;
    },
    async update(_ref, message) {
      await send(message);
    },
    async postEphemeral() {
      // Nothing to do: webhook mode receives no interactions, so there is nobody to answer privately.
    },
    async findPost() {
      return undefined;
    },
  };
}

export function createSlackNotifier(options: SlackNotifierOptions): SlackNotifier {
  const timeoutMs = options.attemptTimeoutMs ?? DEFAULT_ATTEMPT_TIMEOUT_MS;
  const fetchFn = options.fetch ?? fetch;
  return options.mode === 'app' ? appNotifier(options, timeoutMs, fetchFn) : webhookNotifier(options, timeoutMs, fetchFn);
}

let shared: { key: string; notifier: SlackNotifier } | undefined;

/**
 * The notifier configured by SLACK_MODE, built once per container (again only if the secrets change), or
 * undefined when Slack is off. Secrets come from the caller (middy's ssm middleware, or env locally).
 */
export function slackNotifier(secrets: { botToken?: string; webhookUrl?: string }): SlackNotifier | undefined {
  const config = slackConfig();
  if (config.mode === 'off') return undefined;
  const key = `${config.mode}\n${secrets.botToken ?? ''}\n${secrets.webhookUrl ?? ''}`;
  if (shared?.key !== key) {
    const notifier = createSlackNotifier({
      mode: config.mode,
      channel: config.channel,
      apiUrl: config.apiUrl,
      attemptTimeoutMs: config.attemptTimeoutMs,
      botToken: secrets.botToken,
      webhookUrl: secrets.webhookUrl,
    });
    shared = { key, notifier };
  }
  return shared.notifier;
}
