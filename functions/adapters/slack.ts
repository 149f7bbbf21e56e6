/**
 * Posts request notifications to Slack, in one of two modes (SLACK_MODE):
 *
 * - `app`: a Slack app's bot token and the Web API (`@slack/web-api` WebClient): chat.postMessage to the
 *   approvals channel (and, with SLACK_DIRECT_MESSAGES, to each approver's DM), chat.update to replace the
 *   buttons with the outcome, thread replies, ephemeral messages, users.info for an approver's email.
 * - `webhook`: an incoming webhook (`@slack/webhook`): link buttons to the approval page only. A webhook
 *   cannot edit or thread, so `update` and `reply` post a new message to the webhook's channel, and
 *   `postEphemeral` does nothing (there are no interactions to answer in this mode).
 *
 * Both SDKs can point at the local sink (local/sinks/slack-sink.ts): the WebClient through `slackApiUrl`,
 * the webhook through its URL.
 *
 * Failures: 429 `ratelimited` (after Retry-After), 5xx, network errors and Slack's transient platform
 * errors are retried with back-off inside a bounded budget (≤ 5 s by default, each attempt ≤ 2 s); anything
 * else, and anything still failing, is thrown. Callers wrap notifications in `notifySafely`, which logs and
 * swallows: Slack must never fail or hold up the workflow.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { ErrorCode as WebApiErrorCode, LogLevel, WebClient } from '@slack/web-api';
import { ErrorCode as WebhookErrorCode, IncomingWebhook, type FetchFunction } from '@slack/webhook';
import { slackConfig } from '../config.js';
import { ConfigError } from '../errors.js';
import { logger as defaultLogger } from '../logger.js';
import { approvalMessage, withReviewLink, type ApprovalButtons, type SlackBlock } from '../domain/slack-messages.js';
import type { RequestView } from '../domain/notification-messages.js';

export interface SlackRef {
  channel: string;
  ts: string;
}

/** A direct message to one approver: their Slack user id, and their personal approval page if issued. */
export interface DirectMessage {
  user: string;
  approvalUrl?: string;
}

export interface SlackNotifier {
  readonly mode: 'webhook' | 'app';
  /**
   * Posts the approval request; returns where it went (app mode), for later update/reply, or undefined
   * (webhook mode). App mode with direct messages on also DMs each of `directTo`; a DM that fails is logged
   * and skipped. A DM with the approver's personal `approvalUrl` also carries a link button to that review
   * page (a DM is private, so the personal link may go there).
   */
  postApproval(view: RequestView, buttons: ApprovalButtons, options?: { directTo?: DirectMessage[] }): Promise<SlackRef | undefined>;
  /** Replaces the message at `ref`; with no ref (or a webhook) posts the blocks as a new message. */
  update(ref: SlackRef | undefined, blocks: SlackBlock[], text: string): Promise<void>;
  /** Replies in the thread of `ref`; with no ref (or a webhook) posts a new message. */
  reply(ref: SlackRef | undefined, blocks: SlackBlock[], text: string): Promise<void>;
  /** A message only `user` sees (app mode); a no-op for webhooks. */
  postEphemeral(channel: string, user: string, text: string): Promise<void>;
  /** The Slack user's profile email (app mode, needs users:read.email); undefined if unknown. */
  lookupEmail?(userId: string): Promise<string | undefined>;
}

export interface SlackRetryPolicy {
  /** No retry is started that could end after this long since the first attempt (ms). */
  budgetMs: number;
  maxAttempts: number;
  /** Back-off for 5xx and network errors: base, 2×base, 4×base… (ms). */
  baseDelayMs: number;
  /** Each HTTP attempt is abandoned after this long (ms). */
  attemptTimeoutMs: number;
}

export const DEFAULT_SLACK_RETRY: SlackRetryPolicy = { budgetMs: 5000, maxAttempts: 4, baseDelayMs: 250, attemptTimeoutMs: 2000 };

/** Where failures are logged: functions/logger.ts by default (a Powertools Logger fits too). */
export interface NotifyLogger {
  warn(message: string, fields: Record<string, unknown>): void;
}

export interface SlackNotifierOptions {
  mode: 'webhook' | 'app';
  /** app: the approvals channel id. */
  channel?: string;
  /** Local sink base URL: the WebClient calls `${apiUrl}/api/<method>`. Unset in AWS. */
  apiUrl?: string;
  /** app: xoxb-… */
  botToken?: string;
  /** webhook: https://hooks.slack.com/services/… (locally, a sink URL). A secret: never logged. */
  webhookUrl?: string;
  /** app: also DM each approver. */
  directMessages?: boolean;
  logger?: NotifyLogger;
  retry?: Partial<SlackRetryPolicy>;
}

/** Slack platform errors that mean "try again", not "you are wrong". */
const TRANSIENT_PLATFORM_ERRORS = new Set(['internal_error', 'fatal_error', 'service_unavailable', 'request_timeout', 'ratelimited']);

/** Retry-After (seconds) learnt from webhook 429s, which the webhook SDK does not expose on its error. */
const webhookRetryAfter = new WeakMap<object, number>();

function field(error: unknown, name: string): unknown {
  return typeof error === 'object' && error !== null ? (error as Record<string, unknown>)[name] : undefined;
}

/** How long to wait before retrying, or undefined when the error is not worth retrying. */
function retryDelay(error: unknown, attempt: number, policy: SlackRetryPolicy): number | undefined {
  const backoff = policy.baseDelayMs * 2 ** (attempt - 1);
  const status = field(error, 'statusCode');
  switch (field(error, 'code')) {
    case WebApiErrorCode.RateLimitedError:
      return Number(field(error, 'retryAfter')) * 1000;
    case WebApiErrorCode.RequestError:
    case WebhookErrorCode.RequestError:
      return backoff;
    case WebApiErrorCode.HTTPError:
      return typeof status === 'number' && status >= 500 ? backoff : undefined;
    case WebhookErrorCode.HTTPError:
      if (status === 429) return (webhookRetryAfter.get(error as object) ?? 1) * 1000;
      return typeof status === 'number' && status >= 500 ? backoff : undefined;
    case WebApiErrorCode.PlatformError: {
      const slackError = field(field(error, 'data'), 'error');
      return typeof slackError === 'string' && TRANSIENT_PLATFORM_ERRORS.has(slackError) ? backoff : undefined;
    }
    default:
      return undefined;
  }
}

/** Runs `call`, retrying what is retryable while the budget allows; throws the last error otherwise. */
export async function withSlackRetry<T>(call: () => Promise<T>, policy: SlackRetryPolicy = DEFAULT_SLACK_RETRY): Promise<T> {
  const started = Date.now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      const delay = retryDelay(error, attempt, policy);
      const elapsed = Date.now() - started;
      if (delay === undefined || !Number.isFinite(delay) || attempt >= policy.maxAttempts) throw error;
      if (elapsed + delay + policy.attemptTimeoutMs > policy.budgetMs) throw error;
      await sleep(delay);
    }
  }
}

/** What is safe to log about a Slack failure: no tokens, no URLs (a webhook URL is a secret). */
export function describeSlackError(error: unknown): Record<string, unknown> {
  const message = error instanceof Error ? error.message : String(error);
  const data = field(error, 'data');
  return {
    errorName: error instanceof Error ? error.name : typeof error,
    errorCode: field(error, 'code'),
    slackError: field(data, 'error'),
    statusCode: field(error, 'statusCode'),
    retryAfter: field(error, 'retryAfter'),
    errorMessage: message.replace(/https?:\/\/\S+/g, '[url]').replace(/xox[a-z]-[\w-]+/g, '[token]').slice(0, 300),
  };
}

/**
 * Runs a notification and never lets it fail the caller: a failure is logged (with the request id) and
 * the result is undefined.
 */
export async function notifySafely<T>(
  action: string,
  notify: () => Promise<T>,
  context: { requestId?: string; logger?: NotifyLogger } = {},
): Promise<T | undefined> {
  try {
    return await notify();
  } catch (error) {
    (context.logger ?? defaultLogger).warn('Slack notification failed; continuing without it', {
      action,
      ...(context.requestId ? { requestId: context.requestId } : {}),
      ...describeSlackError(error),
    });
    return undefined;
  }
}

function appNotifier(options: SlackNotifierOptions, policy: SlackRetryPolicy, logger: NotifyLogger): SlackNotifier {
  if (!options.channel) throw new ConfigError('Slack app mode needs a channel (SLACK_CHANNEL)');
  if (!options.botToken) throw new ConfigError('Slack app mode needs a bot token (SLACK_BOT_TOKEN or SLACK_BOT_TOKEN_PARAMETER)');
  const channel = options.channel;
  // Retries are ours (bounded by the policy), so the client makes one attempt and reports 429 at once.
  const client = new WebClient(options.botToken, {
    ...(options.apiUrl ? { slackApiUrl: `${options.apiUrl.replace(/\/+$/, '')}/api/` } : {}),
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: policy.attemptTimeoutMs,
    logLevel: LogLevel.ERROR,
  });
  const retry = <T>(call: () => Promise<T>): Promise<T> => withSlackRetry(call, policy);

  const post = async (target: string, blocks: SlackBlock[], text: string, threadTs?: string): Promise<SlackRef> => {
    const result = await retry(() =>
      client.chat.postMessage({ channel: target, text, blocks, unfurl_links: false, unfurl_media: false, ...(threadTs ? { thread_ts: threadTs } : {}) }),
    );
    return { channel: result.channel ?? target, ts: result.ts ?? '' };
  };

  return {
    mode: 'app',
    async postApproval(view, buttons, { directTo = [] } = {}) {
      const message = approvalMessage(view, buttons);
      const ref = await post(channel, message.blocks, message.text);
      if (options.directMessages) {
        await Promise.all(
          directTo.map(({ user, approvalUrl }) => {
            const direct = approvalUrl ? withReviewLink(message, approvalUrl) : message;
            return notifySafely('slack.dm-approver', () => post(user, direct.blocks, direct.text), { requestId: view.id, logger });
          }),
        );
      }
      return ref;
    },
    async update(ref, blocks, text) {
      if (!ref) {
        await post(channel, blocks, text);
        return;
      }
      await retry(() => client.chat.update({ channel: ref.channel, ts: ref.ts, text, blocks }));
    },
    async reply(ref, blocks, text) {
      await (ref ? post(ref.channel, blocks, text, ref.ts) : post(channel, blocks, text));
    },
    async postEphemeral(target, user, text) {
      await retry(() => client.chat.postEphemeral({ channel: target, user, text }));
    },
    async lookupEmail(userId) {
      try {
        const result = await retry(() => client.users.info({ user: userId }));
        return result.user?.profile?.email || undefined;
      } catch (error) {
        if (field(field(error, 'data'), 'error') === 'user_not_found') return undefined;
        throw error;
      }
    },
  };
}

function webhookNotifier(options: SlackNotifierOptions, policy: SlackRetryPolicy): SlackNotifier {
  if (!options.webhookUrl) throw new ConfigError('Slack webhook mode needs a webhook URL (SLACK_WEBHOOK_URL or SLACK_WEBHOOK_URL_PARAMETER)');
  // The webhook SDK turns a 429 into an error without its headers; this fetch notes Retry-After for the
  // call in progress (AsyncLocalStorage keeps concurrent sends apart).
  const hints = new AsyncLocalStorage<{ retryAfter?: number }>();
  const fetchNotingRetryAfter: FetchFunction = async (url, init) => {
    const response = await fetch(url, init);
    const hint = hints.getStore();
    if (hint && response.status === 429) {
      const seconds = Number.parseInt(response.headers.get('retry-after') ?? '', 10);
      if (Number.isFinite(seconds) && seconds >= 0) hint.retryAfter = seconds;
    }
    return response;
  };
  const hook = new IncomingWebhook(options.webhookUrl, { fetch: fetchNotingRetryAfter, timeout: policy.attemptTimeoutMs, retryConfig: { retries: 0 } });

  const send = (blocks: SlackBlock[], text: string): Promise<void> =>
    withSlackRetry(async () => {
      const hint: { retryAfter?: number } = {};
      try {
        await hints.run(hint, () => hook.send({ text, blocks, unfurl_links: false, unfurl_media: false }));
      } catch (error) {
        if (hint.retryAfter !== undefined && typeof error === 'object' && error !== null) webhookRetryAfter.set(error, hint.retryAfter);
        throw error;
      }
    }, policy);

  return {
    mode: 'webhook',
    async postApproval(view, buttons) {
      // A webhook message has no interactivity URL behind it: always link buttons to the approval page.
      const message = approvalMessage(view, { ...buttons, interactive: false });
      await send(message.blocks, message.text);
      return undefined;
    },
    async update(_ref, blocks, text) {
      await send(blocks, text);
    },
    async reply(_ref, blocks, text) {
      await send(blocks, text);
    },
    async postEphemeral() {
      // Nothing to do: webhook mode receives no interactions, so there is nobody to answer privately.
    },
  };
}

export function createSlackNotifier(options: SlackNotifierOptions): SlackNotifier {
  const policy = { ...DEFAULT_SLACK_RETRY, ...options.retry };
  return options.mode === 'app' ? appNotifier(options, policy, options.logger ?? defaultLogger) : webhookNotifier(options, policy);
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
      directMessages: config.directMessages,
      botToken: secrets.botToken,
      webhookUrl: secrets.webhookUrl,
    });
    shared = { key, notifier };
  }
  return shared.notifier;
}
