/** Slack on the local stack: the approval messages the sink received, and signed button clicks. */
import type { OutboxMessage } from '../../../local/sinks/index.js';
import type { LocalStack } from '../../../local/stack.js';
import { call, type ApiReply } from '../workflow/local-api.js';

export const CHANNEL = 'C0APPROVALS';

/** A block_actions payload as Slack sends it for a click on an Approve/Deny button. */
export function clickPayload(user: string, requestId: string, action: 'approve' | 'deny', where: { channel: string; ts: string }): object {
  return {
    type: 'block_actions',
    user: { id: user, username: user.toLowerCase(), team_id: 'T0LOCAL' },
    api_app_id: 'A0LOCAL',
    team: { id: 'T0LOCAL', domain: 'local' },
    container: { type: 'message', message_ts: where.ts, channel_id: where.channel, is_ephemeral: false },
    channel: { id: where.channel, name: 'cache-access' },
    message: { type: 'message', ts: where.ts, text: '…', blocks: [] },
    response_url: 'https://hooks.slack.invalid/actions/T0LOCAL/1/x',
    actions: [{ type: 'button', action_id: action, block_id: 'decision', value: requestId, action_ts: `${Date.now() / 1000}` }],
  };
}

export async function postInteraction(stack: LocalStack, payload: object, options: { timestamp?: number } = {}): Promise<ApiReply> {
  const signed = stack.signSlackClick(payload, options);
  return call(stack, 'POST', '/slack/interactions', { raw: signed.body, headers: signed.headers });
}

export function slackMessages(stack: LocalStack, method: string, predicate: (m: OutboxMessage) => boolean = () => true): OutboxMessage[] {
  return stack.outbox.messages({ channel: 'slack' }).filter((m) => m.slack?.method === method && predicate(m));
}

/** The approval request posted to the approvals channel (or to `to`, a DM) for this request. */
export async function approvalPost(stack: LocalStack, requestId: string, to = CHANNEL): Promise<{ channel: string; ts: string; message: OutboxMessage }> {
  const message = await stack.outbox.waitFor(
    (m) => m.channel === 'slack' && m.slack?.method === 'chat.postMessage' && m.to.includes(to) && (m.buttons ?? []).some((b) => b.value === requestId),
    5000,
  );
  return { channel: message.slack?.channel ?? '', ts: message.slack?.ts ?? '', message };
}
