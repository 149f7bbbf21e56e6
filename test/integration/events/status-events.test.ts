/**
 * Events for other systems (docs/events.md) and the product metrics (README, "Operating"), on the local
 * stack: every status change reaches the local EventBridge once, in the documented shape, numbered per
 * request, with no secret in it; the metrics each path stands for are emitted as EMF lines; and every alarm
 * on the product's own metrics watches the namespace, name and dimension set of a line emitted here.
 */
import { startLocalStack, type LocalStack } from '../../../local/stack.js';
import type { OutboxMessage } from '../../../local/sinks/index.js';
import { alarmMetrics, captureEmf, unmatched, type EmfCapture } from '../../support/emf-lines.js';
import { approvalLinkFor, call, waitForStatus, type RequestBody } from '../workflow/local-api.js';
import { NO_GRANT_WAITS, seedWithSources } from '../../support/emulator-seed.js';

const sources = [1, 2, 3, 4, 5, 6, 7, 8, 9].map((n) => `sg-0e7e00000000001${n}`);
const seed = seedWithSources(sources, 'events');

let stack: LocalStack;
let emf: EmfCapture;
let nextSource = 0;

beforeAll(async () => {
  emf = captureEmf();
  stack = await startLocalStack({
    emulator: { propagationDelayMs: 0, ec2PropagationDelayMs: 0, seed },
    ...NO_GRANT_WAITS,
    grant: { firstCheckSeconds: 0, pollIntervalMs: 10, pollWindowMs: 2000, verifyTimeoutSeconds: 1 },
    // Retries of the queue happen when the test advances its clock.
    notifications: { clock: 'manual' },
  });
});

afterAll(async () => {
  await stack?.stop();
  emf?.stop();
});

async function submit(): Promise<string> {
  const reply = await call<RequestBody>(stack, 'POST', '/requests', {
    as: 'alice@example.com',
    json: { replicationGroupId: 'orders-cache', sourceSecurityGroupId: sources[nextSource++], reason: 'events test' },
  });
  expect(reply.status).toBe(202);
  return reply.body.id;
}

async function decide(id: string, decision: 'approve' | 'deny'): Promise<void> {
  const link = await approvalLinkFor(stack, 'bob@example.com', id);
  expect((await call(stack, 'POST', link, { form: { decision } })).status).toBe(200);
}

/** The request's events in the outbox once nothing is left to deliver, by sequence. */
async function eventsOf(id: string): Promise<OutboxMessage[]> {
  await stack.notifications.settled();
  return stack.outbox
    .messages({ channel: 'event' })
    .filter((m) => (m.event?.detail as { requestId?: string }).requestId === id)
    .sort((a, b) => (a.event?.detail as { sequence: number }).sequence - (b.event?.detail as { sequence: number }).sequence);
}

const statuses = (events: OutboxMessage[]): string[] => events.map((m) => (m.event?.detail as { status: string }).status);

describe('status change events', () => {
  it('approve, grant, revoke: one event per status change, numbered 1…n, in the documented shape, with no secret', async () => {
    const id = await submit();
    await decide(id, 'approve');
    await waitForStatus(stack, id, ['ACTIVE']);
    expect((await call(stack, 'POST', `/requests/${id}/revoke`, { as: 'alice@example.com' })).status).toBe(202);
    const ended = await waitForStatus(stack, id, ['ENDED']);

    const events = await eventsOf(id);
    expect(statuses(events)).toEqual(['PENDING_APPROVAL', 'APPROVED', 'AUTHORIZING', 'ACTIVE', 'REVOKING', 'ENDED']);
    expect(events.map((m) => (m.event?.detail as { sequence: number }).sequence)).toEqual([1, 2, 3, 4, 5, 6]);
    const stored = ended.history.filter((e) => e.status);
    for (const [index, message] of events.entries()) {
      expect(message.event).toMatchObject({ source: 'cachegate', detailType: 'Access Request Status Changed' });
      const detail = message.event?.detail as Record<string, unknown>;
      expect(detail).toMatchObject({ requestId: id, requester: 'alice@example.com', status: stored[index]?.status, actor: stored[index]?.actor, target: { mode: 'vpc', replicationGroupId: 'orders-cache', key: 'orders-cache' } });
      expect(message.event?.time).toBe(new Date(Math.floor(Date.parse(detail.time as string) / 1000) * 1000).toISOString());
      // Identifiers, people and times only: no link, token or signature.
      expect(message.links).toEqual([]);
      expect(JSON.stringify(detail)).not.toMatch(/https?:|token|signature|AQ[A-Za-z0-9_-]{40}/i);
    }
    expect(events[1]?.event?.detail).toMatchObject({ previousStatus: 'PENDING_APPROVAL', actor: 'bob@example.com', event: 'request approved' });
    expect(events[4]?.event?.detail).toMatchObject({ actor: 'alice@example.com', event: 'revoked' });
    expect(events[5]?.event?.detail).toMatchObject({ endReason: 'revoked' });
  });

  it('deny and cancel (HTTP routes, which queue nothing): announced by the workflow that follows them', async () => {
    const denied = await submit();
    await decide(denied, 'deny');
    await waitForStatus(stack, denied, ['DENIED']);
    expect(statuses(await eventsOf(denied))).toEqual(['PENDING_APPROVAL', 'DENIED']);

    const cancelled = await submit();
    await approvalLinkFor(stack, 'bob@example.com', cancelled);
    expect((await call(stack, 'POST', `/requests/${cancelled}/cancel`, { as: 'alice@example.com' })).status).toBe(200);
    await waitForStatus(stack, cancelled, ['CANCELLED']);
    expect(statuses(await eventsOf(cancelled))).toEqual(['PENDING_APPROVAL', 'CANCELLED']);
  });

  it('PutEvents answering 200 with a failed entry (FailedEntryCount) is retried: the event arrives once, later', async () => {
    const id = await submit();
    await approvalLinkFor(stack, 'bob@example.com', id);
    expect(statuses(await eventsOf(id))).toEqual(['PENDING_APPROVAL']);
    stack.eventBridge.failEntries(1);
    await decide(id, 'deny');
    await waitForStatus(stack, id, ['DENIED']);
    expect(statuses(await eventsOf(id))).toEqual(['PENDING_APPROVAL']);
    stack.notifications.advance(20 * 60_000);
    expect(statuses(await eventsOf(id))).toEqual(['PENDING_APPROVAL', 'DENIED']);
    const history = (await call<RequestBody>(stack, 'GET', `/requests/${id}`, { as: 'alice@example.com' })).body.history;
    expect(history.map((e) => e.event)).not.toContain('notification not delivered');
  });

  it('a failed entry AWS calls not retryable (MalformedDetail) is given up at once: in the history, counted', async () => {
    const id = await submit();
    await approvalLinkFor(stack, 'bob@example.com', id);
    await stack.notifications.settled();
    stack.eventBridge.failEntries(1, 'MalformedDetail');
    await decide(id, 'deny');
    await waitForStatus(stack, id, ['DENIED']);
    await stack.notifications.settled();
    const history = (await call<RequestBody>(stack, 'GET', `/requests/${id}`, { as: 'alice@example.com' })).body.history;
    expect(history.find((e) => e.event === 'notification not delivered')?.detail).toMatch(/^EventBridge was not told of status change 2 after 1 attempt\(s\): EventBridge did not take the event: MalformedDetail/);
  });

  it('are listed at /dev/outbox?channel=event, next to the emails and Slack messages', async () => {
    const reply = await call<{ messages: OutboxMessage[] }>(stack, 'GET', '/dev/outbox?channel=event');
    expect(reply.status).toBe(200);
    expect(reply.body.messages.length).toBeGreaterThan(0);
    expect(reply.body.messages.every((m) => m.channel === 'event' && m.event?.source === 'cachegate')).toBe(true);
    const page = await call(stack, 'GET', '/dev/outbox?format=html');
    expect(page.text).toContain('event · Access Request Status Changed');
  });

  it('EventBridge down for over an hour: the event is given up, recorded in the history, counted (NotificationsGivenUp, channel events)', async () => {
    const id = await submit();
    await approvalLinkFor(stack, 'bob@example.com', id);
    await stack.notifications.settled();
    await stack.faults.events.down();
    try {
      await decide(id, 'deny');
      await waitForStatus(stack, id, ['DENIED']);
      for (let step = 0; step < 12; step++) {
        await stack.notifications.settled();
        stack.notifications.advance(20 * 60_000);
      }
      await stack.notifications.settled();
    } finally {
      await stack.faults.events.up();
    }
    const history = (await call<RequestBody>(stack, 'GET', `/requests/${id}`, { as: 'alice@example.com' })).body.history;
    expect(history.find((e) => e.event === 'notification not delivered')?.detail).toMatch(/^EventBridge was not told of status change 2 after 10 attempt\(s\)/);
    expect(emf.of('NotificationsGivenUp').some((line) => line.dimensions.channel === 'events')).toBe(true);
    expect(statuses(await eventsOf(id))).toEqual(['PENDING_APPROVAL']);
  });
});

describe('product metrics (EMF)', () => {
  const modeVpc = { service: 'cachegate', mode: 'vpc' };

  it('a grant that never shows up needs clean-up: FAILED, GrantsCleanedUp', async () => {
    const id = await submit();
    stack.emulator.state.settings.ec2PropagationDelayMs = 3_600_000;
    try {
      await decide(id, 'approve');
      await waitForStatus(stack, id, ['FAILED']);
    } finally {
      stack.emulator.state.settings.ec2PropagationDelayMs = 0;
    }
    await stack.notifications.settled();
    expect(emf.of('GrantsCleanedUp').map((line) => line.dimensions)).toContainEqual(modeVpc);
    expect(emf.of('RequestsByOutcome').map((line) => line.dimensions)).toContainEqual({ ...modeVpc, outcome: 'FAILED' });
  });

  it('each path emits its metrics once per change, with low-cardinality dimensions in the stage namespace', async () => {
    // The requests of the tests above: 7 submitted, 1 ENDED, 4 DENIED, 1 CANCELLED, 1 FAILED.
    await stack.notifications.settled();
    const count = (metric: string, dimensions: Record<string, string>): number =>
      emf.of(metric).filter((line) => JSON.stringify(line.dimensions) === JSON.stringify(dimensions)).reduce((sum, line) => sum + (line.metrics[metric]?.value ?? 0), 0);
    expect(count('RequestsSubmitted', modeVpc)).toBe(7);
    expect(count('RequestsByOutcome', { ...modeVpc, outcome: 'ENDED' })).toBe(1);
    expect(count('RequestsByOutcome', { ...modeVpc, outcome: 'CANCELLED' })).toBe(1);
    // Two of the four denials were never published (given up): they are not counted either.
    expect(count('RequestsByOutcome', { ...modeVpc, outcome: 'DENIED' })).toBe(2);
    expect(emf.of('TimeToDecision').length).toBe(4);
    const toActive = emf.of('TimeFromApprovalToActive');
    expect(toActive).toHaveLength(1);
    expect(toActive[0]?.metrics.TimeFromApprovalToActive).toMatchObject({ unit: 'Seconds' });
    expect(toActive[0]?.metrics.TimeFromApprovalToActive?.value).toBeLessThan(60);
    for (const line of emf.lines) {
      expect(line.namespace).toBe('cachegate/dev');
      expect(line.dimensions.service).toBe('cachegate');
      for (const value of Object.values(line.dimensions)) expect(value).not.toMatch(/^[0-9a-f-]{20,}$/i);
    }
  });

  it('the reconciler emits the age of the oldest request waiting for approval', async () => {
    const id = await submit();
    await approvalLinkFor(stack, 'bob@example.com', id);
    expect((await call(stack, 'POST', '/dev/reconcile')).status).toBe(200);
    const age = emf.of('OldestPendingApprovalAgeSeconds').at(-1);
    expect(age?.dimensions).toEqual({ service: 'cachegate' });
    expect(age?.metrics.OldestPendingApprovalAgeSeconds?.unit).toBe('Seconds');
    expect((await call(stack, 'POST', `/requests/${id}/cancel`, { as: 'alice@example.com' })).status).toBe(200);
    await waitForStatus(stack, id, ['CANCELLED']);
  });

  it('every alarm on these metrics watches the namespace, name and dimension set of a line emitted above', async () => {
    // The reconciler's findings are held to its own lines in test/integration/workflow/reconciler.test.ts.
    const here = (await alarmMetrics()).filter((a) => ['NotificationsGivenUp', 'RequestsByOutcome', 'GrantsCleanedUp'].includes(a.metricName));
    expect(new Set(here.map((a) => a.metricName))).toEqual(new Set(['GrantsCleanedUp', 'NotificationsGivenUp', 'RequestsByOutcome']));
    expect(here.every((a) => a.namespace === 'cachegate/dev')).toBe(true);
    expect(unmatched(here, emf.lines)).toEqual([]);
    // And one the alarms would miss: the same metric without `service` (what a wrong dimension set looks like).
    const withoutService = here.map((a) => ({ ...a, dimensions: Object.fromEntries(Object.entries(a.dimensions).filter(([name]) => name !== 'service')) }));
    expect(unmatched(withoutService, emf.lines)).toEqual(withoutService);
  });
});
