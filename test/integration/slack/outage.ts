/**
 * The outage scenario shared by slack-outage-down and slack-outage-slow (one local stack per test file:
 * the functions keep their configuration per process). Slack's invariant under the durable delivery
 * path's retries and races, with the local sinks' fault
 * switches and the notification queue's manual clock: mail and Slack down (or slow) for ten minutes from
 * just after submission, the request approved and granted meanwhile. Afterwards every outcome has been
 * delivered, and Slack holds one channel message for the request, at most one DM per approver and one
 * thread reply per event, every one of them showing the outcome without buttons.
 */
import { CreateCacheSecurityGroupCommand, ElastiCacheClient } from '@aws-sdk/client-elasticache';
import type { OutboxMessage } from '../../../local/sinks/index.js';
import { startLocalStack, type LocalStack } from '../../../local/stack.js';
import { approvalLinkFor, call, waitForStatus, type RequestBody } from '../workflow/local-api.js';
import { CHANNEL } from './slack-click.js';

let stack: LocalStack;
let elasticache: ElastiCacheClient;

/**
 * A stack per kind of outage. Down: the attempt timeouts stay as deployed, so that a slow answer on a busy
 * machine is not mistaken for a lost one (which may rightly duplicate an email). Slow: short timeouts, so
 * that the held answers cost no real time.
 */
export async function start(attemptTimeoutsMs?: { email: number; slack: number }): Promise<void> {
  stack = await startLocalStack({
    emulator: { propagationDelayMs: 0, ec2PropagationDelayMs: 0 },
    waitOverridesMs: { 'Wait before next check': 0 },
    retryIntervalOverridesMs: { 'Grant ingress': 0, 'Check grant status': 0 },
    grant: { firstCheckSeconds: 0, pollIntervalMs: 10, pollWindowMs: 100, verifyTimeoutSeconds: 2 },
    slack: { mode: 'app', directMessages: true },
    notifications: { clock: 'manual' },
    ...(attemptTimeoutsMs ? { attemptTimeoutsMs } : {}),
  });
  elasticache = new ElastiCacheClient({ endpoint: stack.emulator.url, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
}

export async function stop(): Promise<void> {
  elasticache?.destroy();
  await stack?.stop();
}

/** Lets `minutes` pass on the queue's clock, a minute at a time, delivering whatever falls due. */
async function minutesPass(minutes: number): Promise<void> {
  for (let minute = 0; minute < minutes; minute++) {
    stack.notifications.advance(60_000);
    await stack.notifications.settled();
  }
}

/** The last version of each Slack message (posts and their updates) for the request. */
function slackMessagesOf(id: string): OutboxMessage[] {
  const latest = new Map<string, OutboxMessage>();
  for (const m of stack.outbox.messages({ channel: 'slack' })) {
    if (m.slack?.method !== 'chat.postMessage' && m.slack?.method !== 'chat.update') continue;
    const key = `${m.slack.channel}/${m.slack.ts}`;
    if (m.slack.method === 'chat.update' || m.text.includes(id)) latest.set(key, m);
  }
  return [...latest.values()].filter((m) => m.text.includes(id));
}

export async function outage(fault: 'down' | 'slow'): Promise<void> {
  const group = `outage-${fault}`;
  await elasticache.send(new CreateCacheSecurityGroupCommand({ CacheSecurityGroupName: group, Description: 'outage test' }));
  const submitted = await call<RequestBody>(stack, 'POST', '/requests', {
    as: 'alice@example.com',
    json: { cacheSecurityGroupName: group, ec2SecurityGroupName: 'myec2group', ec2SecurityGroupOwnerId: '987654321021', reason: 'outage' },
  });
  const id = submitted.body.id;
  const outage = (sink: LocalStack['faults']['mail']) => (fault === 'down' ? sink.down() : sink.slow());
  await outage(stack.faults.slack);
  const link = await approvalLinkFor(stack, 'bob@example.com', id);
  await outage(stack.faults.mail);

  expect((await call(stack, 'POST', link, { form: { decision: 'approve' } })).status).toBe(200);
  await waitForStatus(stack, id, ['ACTIVE']);
  await stack.notifications.settled();
  await minutesPass(10);
  await stack.faults.mail.up();
  await stack.faults.slack.up();
  await minutesPass(20);

  const emails = stack.outbox.messages({ channel: 'email' }).filter((m) => m.text.includes(id));
  const outcomes = emails.filter((m) => /^(Approved|Access granted)/.test(m.subject ?? '')).map((m) => `${m.to.join()}: ${m.subject?.split(':')[0]}`);
  const expected = ['alice@example.com: Access granted', 'alice@example.com: Approved', 'bob@example.com: Access granted', 'carol@example.com: Access granted'];
  // Refused: exactly one copy each. Slow: each landed at least once (the README: an email may arrive twice).
  if (fault === 'down') expect(outcomes.sort()).toEqual(expected);
  else expect([...new Set(outcomes)].sort()).toEqual(expected);

  const slack = slackMessagesOf(id);
  const topLevel = slack.filter((m) => !m.slack?.threadTs);
  const where = topLevel.map((m) => m.slack?.channel ?? '');
  expect(where.filter((c) => c === CHANNEL)).toHaveLength(1);
  expect(new Set(where).size).toBe(where.length);
  const replies = slack.filter((m) => m.slack?.threadTs).map((m) => m.text.split(' (')[0]);
  expect(new Set(replies).size).toBe(replies.length);
  for (const message of topLevel) {
    expect(message.buttons).toEqual([]);
    expect(message.text).toMatch(/Access is active/);
  }
}

