/**
 * Slack through an incoming webhook (SLACK_MODE=webhook) on the local stack: one channel message per
 * request, with a link to the request page and no personal approval links; the outcome as a new message.
 * (Its own file: the Slack mode is read once per process, like in a Lambda container.)
 */
import { CreateCacheSecurityGroupCommand, ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { startLocalStack, type LocalStack } from '../../../local/stack.js';
import { approvalLinkFor, call, waitForStatus, type RequestBody } from '../workflow/local-api.js';
import { clickPayload, postInteraction, slackMessages } from './slack-click.js';

let stack: LocalStack;
let elasticache: ElastiCacheClient;

beforeAll(async () => {
  stack = await startLocalStack({
    emulator: { propagationDelayMs: 0, ec2PropagationDelayMs: 0 },
    waitOverridesMs: { 'Wait before next check': 0 },
    retryIntervalOverridesMs: { 'Grant ingress': 0, 'Check grant status': 0 },
    grant: { firstCheckSeconds: 0, pollIntervalMs: 10, pollWindowMs: 100, verifyTimeoutSeconds: 2 },
    slack: { mode: 'webhook' },
    policy: { default: { approvers: [{ email: 'bob@example.com', slackUserId: 'U0BOB00001' }, 'carol@example.com'], approvalsRequired: 1 } },
  });
  elasticache = new ElastiCacheClient({ endpoint: stack.emulator.url, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
});

afterAll(async () => {
  elasticache?.destroy();
  await stack?.stop();
});

it('posts the request with a link button to its page, never a personal approval link; the outcome follows', async () => {
  await elasticache.send(new CreateCacheSecurityGroupCommand({ CacheSecurityGroupName: 'webhook-group', Description: 'test' }));
  const submitted = await call<RequestBody>(stack, 'POST', '/requests', {
    as: 'alice@example.com',
    json: { cacheSecurityGroupName: 'webhook-group', ec2SecurityGroupName: 'myec2group', ec2SecurityGroupOwnerId: '987654321021', reason: 'webhook test' },
  });
  const id = submitted.body.id;

  const notice = await stack.outbox.waitFor((m) => m.slack?.method === 'webhook' && m.text.includes(id), 5000);
  expect(notice.to).toEqual(['webhook:T0LOCAL/B0LOCAL/local']);
  expect(notice.buttons).toEqual([expect.objectContaining({ action_id: 'open-request', url: `${stack.url}/app/requests/${id}`, value: undefined })]);
  expect(notice.links.some((l) => l.includes('/approvals/'))).toBe(false);
  expect(JSON.stringify(notice.blocks)).toMatch(/bob@example\.com, carol@example\.com: your personal approval links were emailed/);
  expect(slackMessages(stack, 'webhook', (m) => m.text.includes(id))).toHaveLength(1);

  // A link button's click, should the app have interactivity on, is acknowledged and ignored.
  const linkClick = { ...clickPayload('U0BOB00001', id, 'approve', { channel: 'C0X', ts: '1.1' }), actions: [{ type: 'button', action_id: 'open-request', block_id: 'links' }] };
  expect((await postInteraction(stack, linkClick)).status).toBe(200);

  const link = await approvalLinkFor(stack, 'bob@example.com', id);
  await call(stack, 'POST', link, { form: { decision: 'approve' } });
  const done = await waitForStatus(stack, id, ['ACTIVE', 'FAILED']);
  expect(done.status).toBe('ACTIVE');
  const outcome = await stack.outbox.waitFor((m) => m.slack?.method === 'webhook' && m.text.includes(id) && /Access is active/.test(m.text), 3000);
  expect(outcome.buttons).toEqual([]);
  expect(JSON.stringify(outcome.blocks)).toContain('Approved* by bob@example.com');
});
