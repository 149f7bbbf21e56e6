/**
 * A local stand-in for Slack: the Web API methods cachegate calls and incoming webhooks, answering as Slack
 * does, recording every delivered message in the outbox, with faults on demand.
 *
 *   POST /api/chat.postMessage | chat.update | chat.postEphemeral | users.info | auth.test
 *             | conversations.open | conversations.history | conversations.replies
 *        JSON, or form-encoded (objects such as `blocks` as JSON strings); token from
 *        `Authorization: Bearer …` or a `token` field. Messages keep their `metadata`, returned by
 *        conversations.history/replies only with `include_all_metadata=true`, as Slack does.
 *   POST /webhook/… and /services/…    an incoming webhook: JSON { text, blocks } → 200 `ok`
 *   POST /dev/slack/faults             { fault, times?, method? } (see SlackFault); DELETE clears them
 *   GET  /dev/slack/calls              every call with its answer status
 *
 * Point the app at it with SLACK_API_URL=<sink url> (the WebClient then calls <url>/api/<method>) and,
 * for webhook mode, SLACK_WEBHOOK_URL=<sink url>/webhook/<anything>.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { answerAsync, listen, pathOf, readBody, sendJson, sendText, type RunningServer, type SinkHandler } from './http.js';
import { outbox as defaultOutbox, type Outbox, type OutboxButton } from './outbox.js';

/**
 * What to answer instead of success:
 * - `{ error }`: Slack's `{ ok: false, error }` (HTTP 200); on a webhook, the error as text with its HTTP status
 * - `{ status: 429, retryAfter }`: rate limited, with a Retry-After header (seconds)
 * - `{ status }`: that HTTP status (e.g. 500) with a plain-text body
 */
export type SlackFault = { error: string } | { status: 429; retryAfter: number } | { status: number; body?: string };

export interface SlackCall {
  at: string;
  /** Web API method name, or `webhook`. */
  method: string;
  contentType: string;
  /** The bearer or form token, if any (the sink is local; tests may assert which token was used). */
  token?: string;
  params: Record<string, unknown>;
  /** HTTP status answered, and Slack's error code when ok was false. */
  status: number;
  error?: string;
}

export interface SlackSinkOptions {
  outbox?: Outbox;
  /** Slack user id → email, for users.info. */
  users?: Record<string, string>;
  /** When set, any other token gets `invalid_auth`. */
  botToken?: string;
}

interface FaultRule {
  fault: SlackFault;
  method?: string;
  remaining: number;
}

/** Webhook errors answer with an HTTP status and the code as text (docs/slack-facts.md, "Incoming webhooks"). */
const WEBHOOK_ERROR_STATUS: Record<string, number> = {
  channel_not_found: 404,
  no_service: 404,
  channel_is_archived: 410,
  action_prohibited: 403,
  invalid_token: 403,
  invalid_auth: 403,
  rollup_error: 500,
};

function parseParams(contentType: string, body: string): Record<string, unknown> {
  if (contentType.includes('application/json')) {
    const parsed: unknown = body ? JSON.parse(body) : {};
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  }
  const params: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(body)) {
    // A form-encoded client JSON-encodes objects and arrays (blocks, metadata) inside the form.
    params[key] = /^\s*[[{]/.test(value) ? safeJson(value) : value;
  }
  return params;
}

function safeJson(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Buttons anywhere in the blocks: actions elements and section accessories. */
export function buttonsOf(blocks: unknown): OutboxButton[] {
  const buttons: OutboxButton[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (typeof node !== 'object' || node === null) return;
    const element = node as Record<string, unknown>;
    if (element.type === 'button') {
      const text = element.text as { text?: unknown } | undefined;
      buttons.push({
        action_id: str(element.action_id),
        text: str(text?.text),
        style: str(element.style),
        value: str(element.value),
        url: str(element.url),
      });
      return;
    }
    Object.values(element).forEach(visit);
  };
  visit(blocks);
  return buttons;
}

export class SlackSink {
  readonly users: Map<string, string>;
  #outbox: Outbox;
  #botToken?: string;
  #faults: FaultRule[] = [];
  #calls: SlackCall[] = [];
  /** Every conversation's messages, oldest first. */
  #conversations = new Map<string, StoredMessage[]>();
  #tsSeconds = Math.floor(Date.now() / 1000);
  #tsCounter = 0;

  constructor(options: SlackSinkOptions = {}) {
    this.#outbox = options.outbox ?? defaultOutbox;
    this.#botToken = options.botToken;
    this.users = new Map(Object.entries(options.users ?? {}));
  }

  /** Answers `fault` for the next `times` calls (default 1; Infinity for all) of `method` (default: any). */
  inject(fault: SlackFault, { times = 1, method }: { times?: number; method?: string } = {}): void {
    this.#faults.push({ fault, method, remaining: times });
  }

  clearFaults(): void {
    this.#faults = [];
  }

  calls(): SlackCall[] {
    return [...this.#calls];
  }

  reset(): void {
    this.clearFaults();
    this.#calls = [];
    this.#conversations.clear();
  }

  readonly handler: SinkHandler = (req, res) => {
    const path = pathOf(req).pathname;
    if (path === '/dev/slack/faults') return this.#faultRoute(req, res);
    if (path === '/dev/slack/calls' && req.method === 'GET') {
      sendJson(res, 200, { calls: this.#calls });
      return true;
    }
    if (req.method !== 'POST') return false;
    const api = /^\/api\/([A-Za-z.]+)$/.exec(path);
    if (api?.[1]) return answerAsync(res, () => this.#webApi(api[1] as string, req, res));
    if (/^\/(webhook|services)\/./.test(path)) return answerAsync(res, () => this.#webhook(path, req, res));
    return false;
  };

  #takeFault(method: string): SlackFault | undefined {
    const rule = this.#faults.find((r) => r.remaining > 0 && (r.method === undefined || r.method === method));
    if (!rule) return undefined;
    rule.remaining -= 1;
    return rule.fault;
  }

  #nextTs(): string {
    this.#tsCounter += 100;
    return `${this.#tsSeconds}.${String(this.#tsCounter).padStart(6, '0')}`;
  }

  #conversation(channel: string): StoredMessage[] {
    let messages = this.#conversations.get(channel);
    if (!messages) this.#conversations.set(channel, (messages = []));
    return messages;
  }

  #log(call: Omit<SlackCall, 'at'>): void {
    this.#calls.push({ at: new Date().toISOString(), ...call });
  }

  #faultRoute(req: IncomingMessage, res: ServerResponse): boolean {
    if (req.method === 'DELETE') {
      this.clearFaults();
      res.writeHead(204).end();
      return true;
    }
    if (req.method !== 'POST') return false;
    return answerAsync(res, async () => {
      const body = safeJson(await readBody(req)) as { fault?: SlackFault; times?: number | null; method?: string } | null;
      if (!body || typeof body.fault !== 'object' || body.fault === null) return sendJson(res, 400, { error: 'Expected { fault, times?, method? }' });
      this.inject(body.fault, { times: body.times === null ? Infinity : body.times ?? 1, method: body.method });
      sendJson(res, 201, { ok: true });
    });
  }

  async #webApi(method: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const contentType = req.headers['content-type'] ?? '';
    let params: Record<string, unknown>;
    try {
      params = parseParams(contentType, await readBody(req));
    } catch {
      this.#log({ method, contentType, params: {}, status: 200, error: 'invalid_json' });
      return sendJson(res, 200, { ok: false, error: 'invalid_json' });
    }
    const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const token = bearer ?? str(params.token);
    delete params.token;
    const call = { method, contentType, token, params };

    const fault = this.#takeFault(method);
    if (fault) return this.#answerFault(res, call, fault, false);

    const fail = (error: string): void => {
      this.#log({ ...call, status: 200, error });
      sendJson(res, 200, { ok: false, error });
    };
    if (!token) return fail('not_authed');
    if (this.#botToken !== undefined && token !== this.#botToken) return fail('invalid_auth');

    const ok = (body: Record<string, unknown>): void => {
      this.#log({ ...call, status: 200 });
      sendJson(res, 200, { ok: true, ...body });
    };
    const channel = str(params.channel);
    const text = str(params.text);
    const blocks = Array.isArray(params.blocks) ? params.blocks : undefined;

    switch (method) {
      case 'auth.test':
        return ok({ url: 'http://sink.local/', team: 'Local', user: 'cachegate', team_id: 'T0LOCAL', user_id: 'U0CACHEGATE', bot_id: 'B0CACHEGATE' });
      case 'chat.postMessage': {
        if (!channel) return fail('channel_not_found');
        if (!text && !blocks) return fail('no_text');
        // Posting to a user id opens (or reuses) the bot's DM with that user.
        const target = dmChannelOf(channel);
        const ts = this.#nextTs();
        const threadTs = str(params.thread_ts);
        const metadata = metadataOf(params.metadata);
        this.#conversation(target).push({ ts, text, blocks, ...(threadTs ? { threadTs } : {}), ...(metadata ? { metadata } : {}) });
        this.#record(method, { channel: target, ts, threadTs, user: target === channel ? undefined : channel }, text, blocks);
        return ok({ channel: target, ts, message: { type: 'message', user: 'U0CACHEGATE', bot_id: 'B0CACHEGATE', text: text ?? '', blocks, ts, ...(threadTs ? { thread_ts: threadTs } : {}) } });
      }
      case 'chat.update': {
        const ts = str(params.ts);
        if (!channel) return fail('channel_not_found');
        const stored = ts ? this.#conversations.get(channel)?.find((m) => m.ts === ts) : undefined;
        if (!ts || !stored) return fail('message_not_found');
        if (!text && !blocks) return fail('no_text');
        stored.text = text;
        stored.blocks = blocks;
        this.#record(method, { channel, ts }, text, blocks);
        return ok({ channel, ts, text: text ?? '', message: { type: 'message', text: text ?? '', blocks, ts, edited: { user: 'U0CACHEGATE', ts: this.#nextTs() } } });
      }
      case 'chat.postEphemeral': {
        const user = str(params.user);
        if (!channel) return fail('channel_not_found');
        if (!user) return fail('user_not_found');
        if (!text && !blocks) return fail('no_text');
        this.#record(method, { channel, user }, text, blocks);
        return ok({ message_ts: this.#nextTs() });
      }
      case 'users.info': {
        const user = str(params.user);
        const email = user ? this.users.get(user) : undefined;
        if (!user || email === undefined) return fail('user_not_found');
        const name = email.split('@')[0] ?? user;
        return ok({ user: { id: user, team_id: 'T0LOCAL', name, real_name: name, is_bot: false, profile: { email, real_name: name, display_name: name } } });
      }
      case 'conversations.open': {
        const users = str(params.users);
        if (!users || !/^[UW][A-Z0-9]+$/.test(users)) return fail('user_not_found');
        return ok({ channel: { id: dmChannelOf(users) } });
      }
      case 'conversations.history':
      case 'conversations.replies': {
        if (!channel) return fail('channel_not_found');
        const all = this.#conversations.get(channel) ?? [];
        const oldest = Number(str(params.oldest) ?? '0');
        const withMetadata = params.include_all_metadata === true || params.include_all_metadata === 'true' || params.include_all_metadata === '1';
        let selected: StoredMessage[];
        if (method === 'conversations.history') {
          // Top-level messages only (thread replies live in conversations.replies), newest first.
          selected = all.filter((m) => !m.threadTs || m.threadTs === m.ts).reverse();
        } else {
          const ts = str(params.ts);
          if (!ts || !all.some((m) => m.ts === ts)) return fail('thread_not_found');
          selected = all.filter((m) => m.ts === ts || m.threadTs === ts);
        }
        selected = selected.filter((m) => Number(m.ts) >= oldest);
        const limit = Math.min(Math.max(Number(str(params.limit) ?? '100') || 100, 1), 999);
        const start = Number(Buffer.from(str(params.cursor) ?? '', 'base64url').toString('utf8') || '0') || 0;
        const page = selected.slice(start, start + limit);
        const more = start + limit < selected.length;
        return ok({
          messages: page.map((m) => messageJson(m, withMetadata)),
          has_more: more,
          response_metadata: { next_cursor: more ? Buffer.from(String(start + limit)).toString('base64url') : '' },
        });
      }
      default:
        return fail('unknown_method');
    }
  }

  async #webhook(path: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const contentType = req.headers['content-type'] ?? '';
    const raw = await readBody(req);
    const parsed = safeJson(raw);
    const params = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
    const call = { method: 'webhook', contentType, params: params ?? { raw: raw.slice(0, 200) } };

    const fault = this.#takeFault('webhook');
    if (fault) return this.#answerFault(res, call, fault, true);
    const fail = (status: number, error: string): void => {
      this.#log({ ...call, status, error });
      sendText(res, status, error);
    };
    if (!params) return fail(400, 'invalid_payload');
    const text = str(params.text);
    const blocks = Array.isArray(params.blocks) ? params.blocks : undefined;
    if (!text && !blocks) return fail(400, 'no_text');

    this.#record('webhook', { channel: `webhook:${path.replace(/^\/(webhook|services)\//, '')}` }, text, blocks);
    this.#log({ ...call, status: 200 });
    sendText(res, 200, 'ok');
  }

  #answerFault(res: ServerResponse, call: Omit<SlackCall, 'at' | 'status' | 'error'>, fault: SlackFault, webhook: boolean): void {
    if ('error' in fault) {
      const status = webhook ? WEBHOOK_ERROR_STATUS[fault.error] ?? 400 : 200;
      this.#log({ ...call, status, error: fault.error });
      if (webhook) sendText(res, status, fault.error);
      else sendJson(res, 200, { ok: false, error: fault.error });
      return;
    }
    this.#log({ ...call, status: fault.status, error: fault.status === 429 ? 'ratelimited' : undefined });
    if (fault.status === 429 && 'retryAfter' in fault) {
      if (webhook) sendText(res, 429, 'rate_limited', { 'retry-after': String(fault.retryAfter) });
      else sendJson(res, 429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(fault.retryAfter) });
      return;
    }
    sendText(res, fault.status, ('body' in fault && fault.body) || (fault.status >= 500 ? 'internal_error' : 'error'));
  }

  #record(method: string, where: { channel: string; ts?: string; threadTs?: string; user?: string }, text: string | undefined, blocks: unknown[] | undefined): void {
    this.#outbox.record({
      channel: 'slack',
      to: [where.user ?? where.channel],
      text: text ?? '',
      blocks,
      buttons: buttonsOf(blocks),
      slack: { method, ...where },
    });
  }
}

interface StoredMessage {
  ts: string;
  text?: string;
  blocks?: unknown;
  threadTs?: string;
  metadata?: { event_type: string; event_payload: Record<string, unknown> };
}

/** Posting to a user id opens (or reuses) the bot's DM with that user: D + the user id's tail. */
function dmChannelOf(channel: string): string {
  return /^[UW][A-Z0-9]+$/.test(channel) ? `D${channel.slice(1)}` : channel;
}

/** Message metadata as Slack keeps it: an event_type and an object payload, or nothing. */
function metadataOf(value: unknown): StoredMessage['metadata'] {
  const parsed = typeof value === 'string' ? safeJson(value) : value;
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const { event_type: eventType, event_payload: payload } = parsed as Record<string, unknown>;
  if (typeof eventType !== 'string' || !/^[A-Za-z0-9_-]+$/.test(eventType) || typeof payload !== 'object' || payload === null) return undefined;
  return { event_type: eventType, event_payload: payload as Record<string, unknown> };
}

/** A message as conversations.history returns it (posted by this bot). */
function messageJson(m: StoredMessage, withMetadata: boolean): Record<string, unknown> {
  return {
    type: 'message',
    user: 'U0CACHEGATE',
    bot_id: 'B0CACHEGATE',
    app_id: 'A0CACHEGATE',
    text: m.text ?? '',
    ...(m.blocks ? { blocks: m.blocks } : {}),
    ts: m.ts,
    ...(m.threadTs ? { thread_ts: m.threadTs } : {}),
    ...(withMetadata && m.metadata ? { metadata: m.metadata } : {}),
  };
}

export interface RunningSlackSink extends RunningServer {
  sink: SlackSink;
  /** For SLACK_API_URL: the WebClient calls `${apiUrl}/api/<method>`. */
  apiUrl: string;
  /** A webhook URL on this sink, for SLACK_WEBHOOK_URL. */
  webhookUrl: string;
}

/** Starts the sink alone on loopback (port 0: any free port). */
export async function startSlackSink(options: SlackSinkOptions & { port?: number } = {}): Promise<RunningSlackSink> {
  const sink = new SlackSink(options);
  const server = await listen([sink.handler], { port: options.port });
  return { ...server, sink, apiUrl: server.url, webhookUrl: `${server.url}/webhook/T0LOCAL/B0LOCAL/local` };
}
