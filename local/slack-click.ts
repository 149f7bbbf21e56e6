/**
 * The local stand-in for a person clicking Approve/Deny in Slack: `POST /dev/slack/click` (a form from the
 * outbox page, or curl) builds the block_actions payload Slack would send for that button, signs it with
 * the local signing secret, and posts it to the stack's own /slack/interactions, over HTTP, as Slack does.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { escapeHtml } from '../functions/domain/notification-messages.js';

export interface SlackClickForm {
  request: string;
  action: 'approve' | 'deny';
  user: string;
  channel?: string;
  ts?: string;
}

export function parseClickForm(body: string): SlackClickForm | string {
  const form = new URLSearchParams(body);
  const request = form.get('request') ?? '';
  const action = form.get('action');
  const user = form.get('user') ?? '';
  if (!request) return 'request (the request id) is required';
  if (action !== 'approve' && action !== 'deny') return 'action must be approve or deny';
  if (!/^[UW][A-Z0-9]{2,}$/.test(user)) return 'user must be a Slack user id, e.g. U0BOB00001';
  const channel = form.get('channel') ?? undefined;
  const ts = form.get('ts') ?? undefined;
  return { request, action, user, ...(channel ? { channel } : {}), ...(ts ? { ts } : {}) };
}

/** The payload Slack sends for a click on one of cachegate's Approve/Deny buttons. */
export function blockActionsPayload(click: SlackClickForm): object {
  const channel = click.channel ?? 'C0APPROVALS';
  const ts = click.ts ?? `${Math.floor(Date.now() / 1000)}.000100`;
  return {
    type: 'block_actions',
    user: { id: click.user, team_id: 'T0LOCAL' },
    team: { id: 'T0LOCAL', domain: 'local' },
    api_app_id: 'A0LOCAL',
    container: { type: 'message', message_ts: ts, channel_id: channel, is_ephemeral: false },
    channel: { id: channel },
    message: { type: 'message', ts },
    trigger_id: '0.0.local',
    response_url: 'http://127.0.0.1/unused',
    actions: [{ type: 'button', action_id: click.action, block_id: 'decision', value: click.request, action_ts: `${Date.now() / 1000}` }],
  };
}

/**
 * `locate`: the Slack message (channel and ts) holding this request's buttons, for a click that names none
 * (the README's curl): Slack's payload always carries the message clicked, and cachegate updates it in place.
 */
export async function serveSlackClick(
  req: IncomingMessage,
  res: ServerResponse,
  body: string,
  send: (payload: object) => Promise<{ status: number }>,
  locate: (request: string, user: string) => { channel: string; ts: string } | undefined,
): Promise<void> {
  const parsed = parseClickForm(body);
  const found = typeof parsed === 'string' || (parsed.channel && parsed.ts) ? undefined : locate(parsed.request, parsed.user);
  const click = typeof parsed === 'string' || !found ? parsed : { ...parsed, ...found };
  const wantsJson = (req.headers.accept ?? '').includes('application/json');
  if (typeof click === 'string') {
    res.writeHead(400, { 'Content-Type': wantsJson ? 'application/json' : 'text/plain' });
    res.end(wantsJson ? JSON.stringify({ error: click }) : click);
    return;
  }
  const { status } = await send(blockActionsPayload(click));
  if (wantsJson) {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ sent: click, interactionsStatus: status }));
    return;
  }
  res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(`<!doctype html><meta charset="utf-8"><title>Slack click sent</title>
<p>Sent a signed Slack click as <b>${escapeHtml(click.user)}</b>: <b>${escapeHtml(click.action)}</b> on request ${escapeHtml(click.request)}.
POST /slack/interactions answered ${status}.</p><p><a href="/dev/outbox">Back to the outbox</a> (the message is updated there).</p>`);
}
