/**
 * People acting at the same moment: whatever ends a request first wins, the loser is told what actually
 * happened, and nobody is told something that did not happen (issue: a deny racing an approval was lost).
 * Each case runs many rounds at once on the local stack, over HTTP, through the real handlers.
 */
import { CreateCacheSecurityGroupCommand, ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { startLocalStack, type LocalStack } from '../../../local/stack.js';
import { approvalLinkFor, call, waitForStatus, type RequestBody } from './local-api.js';

/** The deny race (the defect) runs 50 rounds; the two races around it, 20. */
const ROUNDS = 50;
const OTHER_ROUNDS = 20;
let stack: LocalStack;
let elasticache: ElastiCacheClient;
let counter = 0;

interface Reply {
  status: number;
  body: { outcome?: string; error?: string; message?: string; request?: RequestBody };
}

beforeAll(async () => {
  stack = await startLocalStack({
    emulator: { propagationDelayMs: 0, ec2PropagationDelayMs: 0 },
    waitOverridesMs: { 'Wait before next check': 0 },
    grant: { firstCheckSeconds: 0, pollIntervalMs: 10, pollWindowMs: 100, verifyTimeoutSeconds: 5 },
    policy: {
      default: { approvers: ['bob@example.com', 'carol@example.com'], approvalsRequired: 1 },
      targets: { 'race-quorum-2': { approvers: ['bob@example.com', 'carol@example.com'], approvalsRequired: 2 } },
    },
  });
  elasticache = new ElastiCacheClient({ endpoint: stack.emulator.url, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  for (const group of ['race', 'race-quorum-2']) await elasticache.send(new CreateCacheSecurityGroupCommand({ CacheSecurityGroupName: group, Description: 'race' }));
});

afterAll(async () => {
  elasticache?.destroy();
  await stack?.stop();
});

/** A request by a requester of its own (so rounds never share one open slot); returns its id and requester. */
async function submitted(group = 'race'): Promise<{ id: string; requester: string }> {
  const requester = `requester-${++counter}@example.com`;
  stack.tokens[requester] = await stack.authorizer.issue(requester);
  const reply = await call<RequestBody>(stack, 'POST', '/requests', {
    as: requester,
    json: { cacheSecurityGroupName: group, ec2SecurityGroupName: 'myec2group', ec2SecurityGroupOwnerId: '987654321021', reason: 'race test' },
  });
  expect(reply.status).toBe(202);
  return { id: reply.body.id, requester };
}

async function decideBy(approver: string, id: string, decision: 'approve' | 'deny'): Promise<() => Promise<Reply>> {
  const link = await approvalLinkFor(stack, approver, id, 10_000);
  return async () => (await call(stack, 'POST', link, { form: { decision }, headers: { accept: 'application/json' } })) as unknown as Reply;
}

/** Every email the requester got for this request, by subject. */
function requesterSubjects(requester: string, id: string): string[] {
  return stack.outbox
    .messages()
    .filter((m) => m.channel === 'email' && m.to.includes(requester) && m.links.some((l) => l.endsWith(id)))
    .map((m) => m.subject ?? '');
}

async function inRounds(rounds: number, run: () => Promise<void>): Promise<void> {
  // Ten rounds at a time: each is its own race; together they keep the 2-core machine busy.
  for (let start = 0; start < rounds; start += 10) await Promise.all(Array.from({ length: Math.min(10, rounds - start) }, run));
}

describe('decisions that race', () => {
  it(`approve + deny at once, quorum 1 (${ROUNDS} rounds): the first decision wins, the other is told the truth, the deny is never lost`, async () => {
    const outcomes = { approved: 0, denied: 0 };
    await inRounds(ROUNDS, async () => {
      const { id, requester } = await submitted();
      const [approve, deny] = await Promise.all([decideBy('bob@example.com', id, 'approve'), decideBy('carol@example.com', id, 'deny')]);
      const [bob, carol] = await Promise.all([approve(), deny()]);
      const done = await waitForStatus(stack, id, ['ACTIVE', 'DENIED', 'FAILED'], requester, 30_000);
      expect(done.failureReason).toBeUndefined();
      if (done.status === 'DENIED') {
        outcomes.denied++;
        expect(carol).toMatchObject({ status: 200, body: { outcome: 'denied' } });
        expect(bob.status).toBe(409);
        expect(bob.body.message).toMatch(/denied by carol@example.com/);
        expect(done.decidedBy).toEqual(['carol@example.com']);
        expect(Object.keys(done.approvals as object)).toEqual(['carol@example.com']);
        await stack.outbox.waitFor((m) => m.to.includes(requester) && /^Denied/.test(m.subject ?? '') && m.links.some((l) => l.endsWith(id)), 10_000);
        expect(requesterSubjects(requester, id).filter((s) => /^(Approved|Access granted)/.test(s))).toEqual([]);
      } else {
        outcomes.approved++;
        expect(done.status).toBe('ACTIVE');
        expect(bob).toMatchObject({ status: 200, body: { outcome: 'approved' } });
        expect(carol.status).toBe(409);
        // The status carol is told is the one she met: approved, or already authorizing (the grant under way).
        expect(carol.body.message).toMatch(/(approved|authorizing) by bob@example.com/);
        expect(Object.keys(done.approvals as object)).toEqual(['bob@example.com']);
        await stack.outbox.waitFor((m) => m.to.includes(requester) && /^Access granted/.test(m.subject ?? '') && m.links.some((l) => l.endsWith(id)), 10_000);
        expect(requesterSubjects(requester, id).filter((s) => /^Denied/.test(s))).toEqual([]);
      }
    });
    expect(outcomes.approved + outcomes.denied).toBe(ROUNDS);
  }, 240_000);

  it(`approve + approve at once, quorum 2 (${OTHER_ROUNDS} rounds): both count, the request is approved once`, async () => {
    await inRounds(OTHER_ROUNDS, async () => {
      const { id, requester } = await submitted('race-quorum-2');
      const [first, second] = await Promise.all([decideBy('bob@example.com', id, 'approve'), decideBy('carol@example.com', id, 'approve')]);
      const replies = await Promise.all([first(), second()]);
      expect(replies.map((r) => r.status)).toEqual([200, 200]);
      expect(replies.map((r) => r.body.outcome).sort()).toEqual(['approved', 'recorded']);
      const done = await waitForStatus(stack, id, ['ACTIVE', 'FAILED'], requester, 30_000);
      expect(done.status).toBe('ACTIVE');
      expect([...done.decidedBy].sort()).toEqual(['bob@example.com', 'carol@example.com']);
      expect(done.history.filter((e) => e.event === 'request approved')).toHaveLength(1);
    });
  }, 240_000);

  it(`approve + cancel at once (${OTHER_ROUNDS} rounds): one wins, and the other is refused with what happened`, async () => {
    const outcomes = { approved: 0, cancelled: 0 };
    await inRounds(OTHER_ROUNDS, async () => {
      const { id, requester } = await submitted();
      const approve = await decideBy('bob@example.com', id, 'approve');
      const [bob, cancel] = await Promise.all([approve(), call(stack, 'POST', `/requests/${id}/cancel`, { as: requester, json: {} })]);
      const done = await waitForStatus(stack, id, ['ACTIVE', 'CANCELLED', 'FAILED'], requester, 30_000);
      if (done.status === 'CANCELLED') {
        outcomes.cancelled++;
        expect(cancel.status).toBe(200);
        expect(bob.status).toBe(409);
        expect(bob.body.message).toMatch(/cancelled/);
        expect(done.approvals).toEqual({});
      } else {
        outcomes.approved++;
        expect(done.status).toBe('ACTIVE');
        expect(bob).toMatchObject({ status: 200, body: { outcome: 'approved' } });
        expect(cancel.status).toBe(409);
        expect((cancel.body as { message: string }).message).toMatch(/APPROVED|AUTHORIZING|ACTIVE/);
      }
    });
    expect(outcomes.approved + outcomes.cancelled).toBe(OTHER_ROUNDS);
  }, 240_000);
});
