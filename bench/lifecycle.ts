/**
 * The whole life of VPC access on the local stack: submit → approve → ACTIVE → expiry warning → expiry →
 * revoke → verified gone → ENDED, for many requests at once, some with an approved extension. Per request:
 *   - state transitions (states entered), and the history events Step Functions would record for them
 *     (AWS: a Task records 5 events — entered, scheduled, started, succeeded or timed out, exited —, a Choice
 *     or Wait 2, the execution 2 more);
 *   - the delay from expiresAt to the revoke call, and to the grant verified gone.
 * Goals (issue 10): expiresAt → access gone ≤ 5 s beyond AWS's own propagation; a 30-day hold with 3
 * extensions far below Step Functions' 25,000-event history limit.
 */
import { readFileSync } from 'node:fs';
import { startLocalStack, type LocalStack } from '../local/stack.js';

const REQUESTS = 12;
const WITH_EXTENSION = 4;
const EVENTS_PER_STATE: Record<string, number> = { Task: 5, Choice: 2, Wait: 2, Fail: 2, Succeed: 2, Pass: 2 };
const HISTORY_LIMIT = 25_000;

interface Lifecycle {
  transitions: number;
  historyEvents: number;
  toRevokeS: number;
  toGoneS: number;
  extended: boolean;
}

const statesOf = (): Record<string, { Type: string }> => {
  const text = readFileSync('statemachines/access-request.asl.yaml', 'utf8');
  const types: Record<string, { Type: string }> = {};
  let current: string | undefined;
  for (const line of text.split('\n')) {
    const state = /^ {2}([^ #][^:]*):\s*$/.exec(line);
    if (state) current = state[1];
    const type = /^ {4}Type: (\w+)/.exec(line);
    if (current && type) types[current] = { Type: type[1] ?? 'Task' };
  }
  return types;
};

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

async function api<T>(stack: LocalStack, token: string, method: string, path: string, body?: unknown): Promise<T> {
  const reply = await fetch(`${stack.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return (await reply.json()) as T;
}

async function decideLink(stack: LocalStack, approver: string, match: (text: string, subject: string) => boolean): Promise<void> {
  const ask = await stack.outbox.waitFor((m) => m.to.includes(approver) && m.links.some((l) => l.includes('/approvals/')) && match(m.text, m.subject ?? ''), 30_000);
  const link = ask.links.find((l) => l.includes('/approvals/')) as string;
  await fetch(link, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'decision=approve' });
}

export async function benchLifecycle(): Promise<void> {
  const seed = JSON.parse(readFileSync('local/aws-emulator/seed.json', 'utf8')) as { securityGroups: Record<string, unknown>[] };
  const sources = Array.from({ length: REQUESTS }, (_, n) => `sg-0be0000000000${String(n).padStart(3, '0')}`);
  seed.securityGroups.push(...sources.map((groupId, i) => ({ groupId, groupName: `bench-${i}`, vpcId: 'vpc-0de70000000000001', description: 'bench' })));
  const stack = await startLocalStack({
    logLevel: 'error',
    emulator: { seed: seed as never },
    // 12 s of access, warned 6 s before the end: the whole lifecycle in seconds, every state on its path.
    policy: { default: { approvers: ['bob@example.com'], defaultDurationMinutes: 0.2, expiryWarningMinutes: 0.1, maxDurationMinutes: 60 } },
  });
  const types = statesOf();
  try {
    const runs = await Promise.all(
      sources.map(async (source, index): Promise<Lifecycle> => {
        const requester = `dev${index}@example.com`;
        const token = await stack.authorizer.issue(requester);
        const { id } = await api<{ id: string }>(stack, token, 'POST', '/requests', { replicationGroupId: 'orders-cache', sourceSecurityGroupId: source, reason: 'bench' });
        await decideLink(stack, 'bob@example.com', (text, subject) => text.includes(id) && /^Approval needed: cache/.test(subject));
        const extended = index < WITH_EXTENSION;
        if (extended) {
          for (;;) {
            const request = await api<{ status: string }>(stack, token, 'GET', `/requests/${id}`);
            if (request.status === 'ACTIVE') break;
            await new Promise((resolve) => setTimeout(resolve, 50));
          }
          await api(stack, token, 'POST', `/requests/${id}/extend`, { durationMinutes: 1, reason: 'bench' });
          await decideLink(stack, 'bob@example.com', (text, subject) => text.includes(id) && /more time/.test(subject));
        }
        await stack.stepFunctions.execution(id)?.done;
        const request = await api<{ status: string; expiresAt: string; history: { event: string; at: string }[] }>(stack, token, 'GET', `/requests/${id}`);
        if (request.status !== 'ENDED') throw new Error(`request ${id} ended ${request.status}`);
        const at = (event: string): number => Date.parse(request.history.find((e) => e.event === event)?.at ?? 'NaN');
        const entered = stack.stepFunctions.execution(id)?.statesEntered ?? [];
        return {
          transitions: entered.length,
          historyEvents: 2 + entered.reduce((total, state) => total + (EVENTS_PER_STATE[types[state]?.Type ?? 'Task'] ?? 5), 0),
          toRevokeS: (at('grant revoked') - Date.parse(request.expiresAt)) / 1000,
          toGoneS: (at('grant gone') - Date.parse(request.expiresAt)) / 1000,
          extended,
        };
      }),
    );
    const plain = runs.filter((r) => !r.extended);
    const extended = runs.filter((r) => r.extended);
    const mean = (values: number[]): number => values.reduce((a, b) => a + b, 0) / values.length;
    const perExtension = mean(extended.map((r) => r.transitions)) - mean(plain.map((r) => r.transitions));
    const perExtensionEvents = mean(extended.map((r) => r.historyEvents)) - mean(plain.map((r) => r.historyEvents));
    // 30 days with 3 extensions: the plain lifecycle, 3 extensions, and one more expiry warning per moved end.
    const warningWake = 3;
    const thirtyDays = Math.max(...plain.map((r) => r.historyEvents)) + 3 * perExtensionEvents + 3 * warningWake * 4;
    const gone = runs.map((r) => r.toGoneS);
    const revoke = runs.map((r) => r.toRevokeS);
    console.log(`access lifecycle (${REQUESTS} VPC requests to ENDED, ${WITH_EXTENSION} with an approved extension; the emulator's own visibility delay)`);
    console.log(`  state transitions, full lifecycle      ${Math.min(...plain.map((r) => r.transitions))}–${Math.max(...plain.map((r) => r.transitions))} per request`);
    console.log(`  history events, full lifecycle         ${Math.min(...plain.map((r) => r.historyEvents))}–${Math.max(...plain.map((r) => r.historyEvents))} per request`);
    console.log(`  per extension                          +${perExtension.toFixed(1)} transitions, +${perExtensionEvents.toFixed(0)} history events`);
    console.log(`  30-day hold with 3 extensions          ~${thirtyDays.toFixed(0)} history events   (limit ${HISTORY_LIMIT}: ${thirtyDays < HISTORY_LIMIT / 10 ? 'met, far below' : 'not met'})`);
    console.log(`  expiresAt → revoke call                p50 ${percentile(revoke, 50).toFixed(2)} s, p95 ${percentile(revoke, 95).toFixed(2)} s, max ${Math.max(...revoke).toFixed(2)} s   (goal ≤ 5 s: ${percentile(revoke, 95) <= 5 ? 'met' : 'not met'})`);
    console.log(`  expiresAt → verified gone              p50 ${percentile(gone, 50).toFixed(2)} s, p95 ${percentile(gone, 95).toFixed(2)} s, max ${Math.max(...gone).toFixed(2)} s   (includes EC2's modelled visibility delay)`);
  } finally {
    await stack.stop();
  }
}
