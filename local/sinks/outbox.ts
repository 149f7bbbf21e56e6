/**
 * The local outbox: every email (EMAIL_TRANSPORT=outbox), every Slack message the Slack sink accepted and
 * every event put on the local EventBridge bus (local/eventbridge.ts), in order, so people (`npm start`, then open /dev/outbox) and tests can read what was sent and follow
 * its links.
 *
 * Mount `outboxHandler()` on any node:http server (it returns false for routes that are not its own):
 *   POST   /email  (and /dev/outbox/email)   record an email: { from?, to, subject, text, html?, tags? }
 *   GET    /dev/outbox                       JSON { messages }, oldest first; ?channel=email|slack|event&to=…&since=<seq>
 *                                            with Accept: text/html (or ?format=html), a page, newest first
 *   GET    /dev/outbox/<id>                  one message as JSON
 *   GET    /dev/outbox/<id>/html             an email's HTML part, sandboxed (no scripts, no forms)
 *   DELETE /dev/outbox                       forget everything
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { escapeHtml, safeHttpUrl } from '../../functions/domain/notification-messages.js';
import { answerAsync, pathOf, readBody, sendJson, type SinkHandler } from './http.js';

export type OutboxChannel = 'email' | 'slack' | 'event';

export interface OutboxButton {
  action_id?: string;
  text?: string;
  style?: string;
  value?: string;
  url?: string;
}

export interface OutboxMessage {
  id: string;
  seq: number;
  /** ISO time recorded. */
  at: string;
  channel: OutboxChannel;
  /** Email: the recipients. Slack: the channel or user id posted to (`webhook:<path>` for webhooks). Event: the bus. */
  to: string[];
  from?: string;
  subject?: string;
  text: string;
  html?: string;
  /** Every http(s) URL found in the text, HTML and Slack blocks, in order, once each. */
  links: string[];
  tags?: Record<string, string>;
  /** Slack only. */
  blocks?: unknown[];
  buttons?: OutboxButton[];
  slack?: { method: string; channel?: string; ts?: string; threadTs?: string; user?: string };
  /** Event only: the PutEvents entry as EventBridge would deliver it (detail parsed). */
  event?: { id: string; source: string; detailType: string; time: string; detail: unknown };
}

export type NewOutboxMessage = Omit<OutboxMessage, 'id' | 'seq' | 'at' | 'links'>;

const HTML_ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'", '&#x27;': "'" };

/** http(s) URLs in plain text, Slack mrkdwn (`<url|label>`) and HTML (href/src attributes, entities decoded). */
export function extractLinks(...sources: (string | undefined)[]): string[] {
  const found: string[] = [];
  for (const source of sources) {
    if (!source) continue;
    for (const match of source.matchAll(/\b(?:href|src)\s*=\s*(?:"([^"]*)"|'([^']*)')/gi)) {
      found.push((match[1] ?? match[2] ?? '').replace(/&(?:amp|lt|gt|quot|#39|#x27);/g, (e) => HTML_ENTITIES[e] ?? e));
    }
    const withoutAttributes = source.replace(/\b(?:href|src)\s*=\s*(?:"[^"]*"|'[^']*')/gi, ' ');
    for (const match of withoutAttributes.matchAll(/https?:\/\/[^\s<>"'|`]+/g)) {
      found.push(match[0].replace(/&amp;/g, '&').replace(/[.,;:!?)\]]+$/, ''));
    }
  }
  return [...new Set(found.filter((url) => safeHttpUrl(url) !== undefined))];
}

export class Outbox {
  #messages: OutboxMessage[] = [];
  #seq = 0;
  #listeners = new Set<(message: OutboxMessage) => void>();

  record(input: NewOutboxMessage): OutboxMessage {
    const seq = ++this.#seq;
    const strings: string[] = [];
    collectStrings(input.blocks, strings);
    const message: OutboxMessage = {
      id: `msg-${String(seq).padStart(6, '0')}`,
      seq,
      at: new Date().toISOString(),
      ...input,
      links: extractLinks(input.text, input.html, ...strings, ...(input.buttons ?? []).map((b) => b.url)),
    };
    this.#messages.push(message);
    for (const listener of this.#listeners) listener(message);
    return message;
  }

  /** Everything recorded, oldest first (a copy). */
  messages(filter: { channel?: OutboxChannel; to?: string; since?: number } = {}): OutboxMessage[] {
    return this.#messages.filter(
      (m) =>
        (filter.channel === undefined || m.channel === filter.channel) &&
        (filter.to === undefined || m.to.some((to) => to.toLowerCase() === filter.to?.toLowerCase())) &&
        (filter.since === undefined || m.seq > filter.since),
    );
  }

  get(id: string): OutboxMessage | undefined {
    return this.#messages.find((m) => m.id === id);
  }

  clear(): void {
    this.#messages = [];
  }

  /** The first message (already recorded or still to come) matching `predicate`; rejects after timeoutMs. */
  waitFor(predicate: (message: OutboxMessage) => boolean, timeoutMs = 2000): Promise<OutboxMessage> {
    const existing = this.#messages.find(predicate);
    if (existing) return Promise.resolve(existing);
    return new Promise((resolve, reject) => {
      const listener = (message: OutboxMessage): void => {
        if (!predicate(message)) return;
        clearTimeout(timer);
        this.#listeners.delete(listener);
        resolve(message);
      };
      const timer = setTimeout(() => {
        this.#listeners.delete(listener);
        const seen = this.#messages.map((m) => `${m.channel} to ${m.to.join(',')}: ${m.subject ?? m.text.slice(0, 60)}`);
        reject(new Error(`No matching outbox message within ${timeoutMs} ms; ${seen.length} recorded:\n${seen.join('\n')}`));
      }, timeoutMs);
      this.#listeners.add(listener);
    });
  }
}

function collectStrings(value: unknown, into: string[]): void {
  if (typeof value === 'string') into.push(value);
  else if (Array.isArray(value)) for (const item of value) collectStrings(item, into);
  else if (typeof value === 'object' && value !== null) for (const item of Object.values(value)) collectStrings(item, into);
}

/** The process-wide outbox the local stack and the sinks share. */
export const outbox = new Outbox();

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}

/** Validates a POST /email body (the outbox email transport's JSON). */
function parseEmail(body: string): NewOutboxMessage | string {
  let input: unknown;
  try {
    input = JSON.parse(body);
  } catch {
    return 'Body must be JSON';
  }
  if (typeof input !== 'object' || input === null) return 'Body must be a JSON object';
  const { from, to, subject, text, html, tags } = input as Record<string, unknown>;
  const recipients = typeof to === 'string' ? [to] : to;
  if (!isStringArray(recipients) || recipients.length === 0) return '"to" must be a non-empty list of addresses';
  if (typeof subject !== 'string') return '"subject" must be a string';
  if (typeof text !== 'string') return '"text" must be a string';
  if (html !== undefined && typeof html !== 'string') return '"html" must be a string';
  if (from !== undefined && typeof from !== 'string') return '"from" must be a string';
  if (tags !== undefined && (typeof tags !== 'object' || tags === null || !Object.values(tags).every((v) => typeof v === 'string'))) {
    return '"tags" must map names to strings';
  }
  return { channel: 'email', to: recipients, from, subject, text, html, tags: tags as Record<string, string> | undefined };
}

function wantsHtml(req: IncomingMessage, url: URL): boolean {
  const format = url.searchParams.get('format');
  if (format) return format === 'html';
  return (req.headers.accept ?? '').includes('text/html');
}

function linkHtml(url: string, label = url): string {
  return safeHttpUrl(url) ? `<a href="${escapeHtml(url)}">${escapeHtml(label)}</a>` : escapeHtml(label);
}

/**
 * An interactive Approve/Deny button (no URL: in Slack it calls the app) becomes a form that has the
 * local stack send the signed click Slack would send, as the Slack user typed in (local/slack-click.ts).
 */
function slackClickForm(m: OutboxMessage, b: OutboxButton): string {
  if (m.channel !== 'slack' || b.url || !b.value || (b.action_id !== 'approve' && b.action_id !== 'deny')) return '';
  const hidden = (name: string, value: string | undefined): string => (value ? `<input type="hidden" name="${name}" value="${escapeHtml(value)}">` : '');
  return ` <form method="post" action="/dev/slack/click" style="display:inline">${hidden('request', b.value)}${hidden('action', b.action_id)}${hidden('channel', m.slack?.channel)}${hidden('ts', m.slack?.ts)}<label> as Slack user <input name="user" value="U0BOB00001" size="11"></label> <button type="submit">${escapeHtml(b.text ?? b.action_id)}</button></form>`;
}

function messageHtml(m: OutboxMessage): string {
  const title = m.channel === 'slack' ? `${m.slack?.method ?? 'slack'}${m.slack?.threadTs ? ' (thread reply)' : ''}` : m.subject ?? '(no subject)';
  const buttons = (m.buttons ?? [])
    .map((b) => `<li>${escapeHtml(b.text ?? b.action_id ?? 'button')} [${escapeHtml(b.action_id ?? '')}] ${b.url ? linkHtml(b.url) : `value=${escapeHtml(b.value ?? '')}`}${slackClickForm(m, b)}</li>`)
    .join('');
  const links = m.links.map((l) => `<li>${linkHtml(l)}</li>`).join('');
  return `<article id="${escapeHtml(m.id)}">
<h2>#${m.seq} ${escapeHtml(m.channel)} · ${escapeHtml(title)}</h2>
<p class="meta">${escapeHtml(m.at)} · to ${escapeHtml(m.to.join(', '))}${m.from ? ` · from ${escapeHtml(m.from)}` : ''}${m.html ? ` · <a href="/dev/outbox/${encodeURIComponent(m.id)}/html">HTML part</a>` : ''}</p>
<pre>${escapeHtml(m.text)}</pre>
${buttons ? `<p>Buttons:</p><ul>${buttons}</ul>` : ''}
${links ? `<p>Links:</p><ul>${links}</ul>` : ''}
</article>`;
}

function pageHtml(messages: OutboxMessage[]): string {
  const items = [...messages].reverse().map(messageHtml).join('\n');
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>cachegate outbox (${messages.length})</title>
<style>body{font-family:system-ui,sans-serif;margin:2em;max-width:60em}article{border-top:1px solid #ccc;padding:.5em 0}
h2{font-size:1.05em;margin:.3em 0}.meta{color:#555;font-size:.9em}pre{white-space:pre-wrap;background:#f6f6f6;padding:.6em}</style>
</head><body>
<h1>Outbox: ${messages.length} message${messages.length === 1 ? '' : 's'}, newest first</h1>
${items || '<p>Nothing sent yet.</p>'}
</body></html>`;
}

const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  // Forms only to this server: the Slack buttons below post to /dev/slack/click.
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
};

/** The outbox routes, mountable on any node:http server. */
export function outboxHandler(store: Outbox = outbox): SinkHandler {
  return (req: IncomingMessage, res: ServerResponse): boolean => {
    const url = pathOf(req);
    const path = url.pathname.replace(/\/+$/, '') || '/';

    if (req.method === 'POST' && (path === '/email' || path === '/dev/outbox/email')) {
      return answerAsync(res, async () => {
        const parsed = parseEmail(await readBody(req));
        if (typeof parsed === 'string') return sendJson(res, 400, { error: parsed });
        const message = store.record(parsed);
        sendJson(res, 202, { id: message.id });
      });
    }
    if (path !== '/dev/outbox' && !path.startsWith('/dev/outbox/')) return false;

    if (path === '/dev/outbox' && req.method === 'DELETE') {
      store.clear();
      res.writeHead(204).end();
      return true;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendJson(res, 405, { error: `${req.method} not allowed on ${path}` });
      return true;
    }
    if (path === '/dev/outbox') {
      const channel = url.searchParams.get('channel');
      const since = url.searchParams.get('since');
      const messages = store.messages({
        channel: channel === 'email' || channel === 'slack' || channel === 'event' ? channel : undefined,
        to: url.searchParams.get('to') ?? undefined,
        since: since !== null && /^\d+$/.test(since) ? Number(since) : undefined,
      });
      if (wantsHtml(req, url)) res.writeHead(200, PAGE_HEADERS).end(pageHtml(messages));
      else sendJson(res, 200, { messages }, { 'cache-control': 'no-store' });
      return true;
    }
    const [, , , id, part] = path.split('/');
    const message = id ? store.get(decodeURIComponent(id)) : undefined;
    if (!message || (part !== undefined && part !== 'html')) {
      sendJson(res, 404, { error: `No outbox message ${id ?? ''}` });
    } else if (part === 'html') {
      // The email's own HTML, rendered in a sandbox: no scripts, no forms, nothing loaded from elsewhere.
      res.writeHead(200, { ...PAGE_HEADERS, 'content-security-policy': "sandbox; default-src 'none'; style-src 'unsafe-inline'" }).end(message.html ?? '');
    } else {
      sendJson(res, 200, message);
    }
    return true;
  };
}
