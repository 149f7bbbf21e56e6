/**
 * While a request waits: a reminder to the approvers who have not acted, then escalation to the fallback
 * approvers, then expiry. Short windows (fractions of a minute) in the policy, so nothing sleeps long.
 */
import { CreateCacheSecurityGroupCommand, ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { startLocalStack, type LocalStack } from '../../../local/stack.js';
import { approvalLinkFor, call, waitForStatus, type RequestBody } from './local-api.js';

let stack: LocalStack;
let elasticache: ElastiCacheClient;
/** Called as each state is entered (a test decides at a chosen moment of the workflow). */
let onEntered: (state: string, requestId: string) => void = () => undefined;

const SECOND = 1 / 60;

beforeAll(async () => {
  stack = await startLocalStack({
    // The approval windows below are seconds of real time: no cold start may eat into them.
    warm: true,
    emulator: { propagationDelayMs: 0, ec2PropagationDelayMs: 0 },
    waitOverridesMs: { 'Wait before next check': 0 },
    grant: { firstCheckSeconds: 0, pollIntervalMs: 10, pollWindowMs: 100 },
    onStateChange: (change) => {
      if (change.kind === 'entered') onEntered(change.state, change.execution.name);
    },
    policy: {
      default: { approvers: ['bob@example.com'] },
      targets: {
        escalating: {
          approvers: [
            { email: 'bob@example.com', slackUserId: 'U0BOB00001' },
            { email: 'carol@example.com', slackUserId: 'U0CAROL001' },
          ],
          reminderAfterMinutes: 1 * SECOND,
          escalateAfterMinutes: 2 * SECOND,
          // Long enough that a busy machine never expires it before dave's decision (expiry: "forgotten").
          approvalWindowMinutes: 60 * SECOND,
          escalationApprovers: ['dave@example.com'],
        },
        // The reminder well before the end: a late wake-up on a busy machine still reminds before expiring.
        forgotten: { approvers: ['bob@example.com'], reminderAfterMinutes: 1 * SECOND, approvalWindowMinutes: 4 * SECOND },
        gap: { approvers: ['bob@example.com'], reminderAfterMinutes: 1 * SECOND, approvalWindowMinutes: 60 * SECOND },
      },
    },
  });
  elasticache = new ElastiCacheClient({ endpoint: stack.emulator.url, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  for (const name of ['escalating', 'forgotten', 'gap']) await elasticache.send(new CreateCacheSecurityGroupCommand({ CacheSecurityGroupName: name, Description: 'test' }));
});

afterAll(async () => {
  elasticache?.destroy();
  await stack?.stop();
});

async function submit(group: string): Promise<string> {
  const reply = await call<RequestBody>(stack, 'POST', '/requests', {
    as: 'alice@example.com',
    json: { cacheSecurityGroupName: group, ec2SecurityGroupName: 'myec2group', ec2SecurityGroupOwnerId: '987654321021', reason: 'on-call fix' },
  });
  expect(reply.status).toBe(202);
  return reply.body.id;
}

const ofRequest = (id: string) => (m: { text: string; subject?: string }) => m.text.includes(id);

it('reminds only who has not acted, escalates to the fallback approver, whose link then decides', async () => {
  const id = await submit('escalating');
  await approvalLinkFor(stack, 'bob@example.com', id);
  const carolLink = await approvalLinkFor(stack, 'carol@example.com', id);
  // Carol looks but does not decide; nobody decides: both are reminded, each with a working link.
  expect((await call(stack, 'GET', carolLink)).status).toBe(200);
  const reminder = await stack.outbox.waitFor((m) => ofRequest(id)(m) && m.to.includes('bob@example.com') && /remind/i.test(m.subject ?? ''), 5000);
  expect(reminder.links.some((l) => l.includes('/approvals/'))).toBe(true);
  await stack.outbox.waitFor((m) => ofRequest(id)(m) && m.to.includes('carol@example.com') && /remind/i.test(m.subject ?? ''), 5000);
  expect(stack.outbox.messages({ to: 'dave@example.com' }).filter(ofRequest(id))).toHaveLength(0);

  const escalation = await stack.outbox.waitFor((m) => ofRequest(id)(m) && m.to.includes('dave@example.com') && m.links.some((l) => l.includes('/approvals/')), 5000);
  const daveLink = (escalation.links.find((l) => l.includes('/approvals/')) as string).slice(stack.url.length);

  // Reminders thread onto the Slack approval message instead of posting a new one.
  const threaded = stack.slack.calls().filter((c) => c.method === 'chat.postMessage' && c.params.thread_ts !== undefined && JSON.stringify(c.params).includes(id));
  expect(threaded.length).toBeGreaterThan(0);

  const decided = await call(stack, 'POST', daveLink, { form: { decision: 'approve' } });
  expect(decided.status).toBe(200);
  const done = await waitForStatus(stack, id, ['ACTIVE', 'FAILED', 'EXPIRED']);
  expect(done.status).toBe('ACTIVE');
  expect(done.decidedBy).toEqual(['dave@example.com']);
  expect(done.history.map((e) => e.event)).toEqual(expect.arrayContaining(['reminder sent', 'escalated']));
});

it('nobody acts: one reminder, then EXPIRED, and everyone is told', async () => {
  const id = await submit('forgotten');
  const done = await waitForStatus(stack, id, ['EXPIRED'], 'alice@example.com', 10000);
  expect(done.history.filter((e) => e.event === 'reminder sent')).toHaveLength(1);
  await stack.outbox.waitFor((m) => ofRequest(id)(m) && m.to.includes('alice@example.com') && /expired/i.test(m.subject ?? ''));
  await stack.outbox.waitFor((m) => ofRequest(id)(m) && m.to.includes('bob@example.com') && /expired/i.test(m.subject ?? ''));
  expect(stack.stepFunctions.execution(id)?.statesEntered).toEqual([
    'Record request',
    'Wait for approval',
    'Remind or expire',
    'Wait for approval',
    'Remind or expire',
    'Wait for approval',
    'Approved?',
    'Notify expired',
  ]);
});

it('a decision that arrives while no approval wait is open (between a reminder and the next wait) still resumes the workflow', async () => {
  const id = await submit('gap');
  const link = await approvalLinkFor(stack, 'bob@example.com', id);
  let decision: Promise<{ status: number }> | undefined;
  // The first wait has timed out (the reminder is due): its task token is closed, the next wait not open yet.
  onEntered = (state, requestId) => {
    if (requestId === id && state === 'Remind or expire' && !decision) decision = call(stack, 'POST', link, { form: { decision: 'approve' } });
  };
  try {
    const done = await waitForStatus(stack, id, ['ACTIVE', 'FAILED', 'EXPIRED'], 'alice@example.com', 20_000);
    expect(done.status).toBe('ACTIVE');
    expect((await decision)?.status).toBe(200);
    const states = stack.stepFunctions.execution(id)?.statesEntered ?? [];
    expect(states.slice(0, 5)).toEqual(['Record request', 'Wait for approval', 'Remind or expire', 'Wait for approval', 'Approved?']);
  } finally {
    onEntered = () => undefined;
  }
});
