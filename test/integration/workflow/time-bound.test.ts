/**
 * Time-bound access on the local stack, in both grant modes: access ends by itself at its time (and is
 * verified gone before ENDED), the requester is warned once before the end, people end it early, two
 * requests that need the same grant share it (only the last holder's end revokes it), and revoke faults.
 * Durations come from the policy in fractions of a minute, so nothing sleeps for long.
 */
import { CreateCacheSecurityGroupCommand, ElastiCacheClient, RevokeCacheSecurityGroupIngressCommand } from '@aws-sdk/client-elasticache';
import { startLocalStack, type LocalStack } from '../../../local/stack.js';
import { approvalLinkFor, call, waitForStatus, type RequestBody } from './local-api.js';
import { NO_GRANT_WAITS, seedWithSources, sourceGroupIds } from '../../support/emulator-seed.js';

const OWNER = '987654321021';
const sources = sourceGroupIds('0b99000000000', 16);
const seed = seedWithSources(sources, 'tb');

let stack: LocalStack;
let elasticache: ElastiCacheClient;
let nextSource = 0;
let groups = 0;

interface Rule {
  ruleId: string;
  groupId: string;
  referencedGroupId?: string;
  description?: string;
}

/** The managed groups of the demo clusters: orders-cache, sessions-mc. */
const ORDERS = 'sg-0cac4e9a7e0000001';
const SESSIONS = 'sg-0cac4e9a7e0000002';
const rulesOn = (group: string, source: string): Rule[] =>
  (stack.emulator.inspect() as unknown as { securityGroupRules: Rule[] }).securityGroupRules.filter((r) => r.groupId === group && r.referencedGroupId === source);

function authorizationStatus(group: string): string | undefined {
  const snapshot = stack.emulator.inspect() as unknown as { cacheSecurityGroups: { name: string; authorizations: { ec2SecurityGroupName: string; status: string }[] }[] };
  return snapshot.cacheSecurityGroups.find((g) => g.name === group)?.authorizations.find((a) => a.ec2SecurityGroupName === 'myec2group')?.status;
}

const SHORT = { approvers: ['bob@example.com', 'carol@example.com'], defaultDurationMinutes: 0.05, expiryWarningMinutes: 0.03, maxDurationMinutes: 60 };
const LONG = { approvers: ['bob@example.com', 'carol@example.com'], defaultDurationMinutes: 60, maxDurationMinutes: 480 };

beforeAll(async () => {
  stack = await startLocalStack({
    emulator: { propagationDelayMs: 0, ec2PropagationDelayMs: 0, seed },
    ...NO_GRANT_WAITS,
    grant: { firstCheckSeconds: 0, pollIntervalMs: 10, pollWindowMs: 100, verifyTimeoutSeconds: 2 },
    // orders-cache (VPC) and classic groups named short-*: 3 s of access, warned 1.8 s before the end.
    policy: {
      default: LONG,
      targets: { 'orders-cache': SHORT, 'sessions-mc': LONG, 'short-1': SHORT, 'short-2': SHORT, restricted: { approvers: ['carol@example.com'], requesters: ['bob@example.com', 'ops'] } },
    },
  });
  elasticache = new ElastiCacheClient({ endpoint: stack.emulator.url, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
});

afterAll(async () => {
  elasticache?.destroy();
  await stack?.stop();
});

beforeEach(() => stack.emulator.faults.reset());

async function vpcRequest(cluster: 'orders-cache' | 'sessions-mc', source: string, as = 'alice@example.com'): Promise<string> {
  const target = cluster === 'orders-cache' ? { replicationGroupId: cluster } : { cacheClusterId: cluster };
  const reply = await call<RequestBody>(stack, 'POST', '/requests', { as, json: { ...target, sourceSecurityGroupId: source, reason: 'time-bound test' } });
  expect(reply.status).toBe(202);
  return reply.body.id;
}

async function approved(id: string, approver = 'bob@example.com', requester = 'alice@example.com'): Promise<RequestBody> {
  const link = await approvalLinkFor(stack, approver, id, 10_000);
  expect((await call(stack, 'POST', link, { form: { decision: 'approve' } })).status).toBe(200);
  const active = await waitForStatus(stack, id, ['ACTIVE', 'FAILED', 'ENDED'], requester, 15_000);
  return active;
}

/** Waits on a condition of the local stack (polling, never a fixed sleep). */
async function until(condition: () => boolean, failure: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(failure);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const emailsTo = (who: string, id: string, subject: RegExp) =>
  stack.outbox.messages().filter((m) => m.channel === 'email' && m.to.includes(who) && m.links.some((l) => l.endsWith(id)) && subject.test(m.subject ?? ''));

describe('access ends by itself', () => {
  it('VPC: ACTIVE for its duration, warned once, then REVOKING → ENDED (expired), the rule gone, everyone told; asking again is accepted', async () => {
    const source = sources[nextSource++] as string;
    const id = await vpcRequest('orders-cache', source);
    const active = await approved(id);
    expect(active.status).toBe('ACTIVE');
    expect(Date.parse(active.expiresAt as string) - Date.parse(active.activeSince as string)).toBe(3000);
    expect(rulesOn(ORDERS, source)).toHaveLength(1);

    const ended = await waitForStatus(stack, id, ['ENDED', 'FAILED'], 'alice@example.com', 15_000);
    expect(ended).toMatchObject({ status: 'ENDED', endReason: 'expired', endedBy: 'cachegate' });
    expect(rulesOn(ORDERS, source)).toEqual([]);
    const events = ended.history.map((e) => e.event);
    expect(events).toEqual(expect.arrayContaining(['granted', 'expiry warning', 'revoking', 'grant revoked', 'grant gone', 'ended']));
    expect(events.indexOf('grant gone')).toBeLessThan(events.indexOf('ended'));
    expect(stack.stepFunctions.execution(id)?.status).toBe('SUCCEEDED');

    await stack.outbox.waitFor((m) => m.to.includes('alice@example.com') && /^Access ended/.test(m.subject ?? '') && m.links.some((l) => l.endsWith(id)), 10_000);
    await stack.outbox.waitFor((m) => m.to.includes('bob@example.com') && /^Access ended/.test(m.subject ?? '') && m.links.some((l) => l.endsWith(id)), 10_000);
    await stack.notifications.settled();
    expect(emailsTo('alice@example.com', id, /^Ending soon/)).toHaveLength(1);

    // The slot is free again: the same access may be asked for.
    const again = await call<RequestBody>(stack, 'POST', '/requests', { as: 'alice@example.com', json: { replicationGroupId: 'orders-cache', sourceSecurityGroupId: source, reason: 'again' } });
    expect(again.status).toBe(202);
    await call(stack, 'POST', `/requests/${again.body.id}/cancel`, { as: 'alice@example.com' });
  }, 40_000);

  it('classic: warned once, the authorization revoked and verified absent before ENDED (expired), the requester told', async () => {
    const group = `short-${++groups}`;
    await elasticache.send(new CreateCacheSecurityGroupCommand({ CacheSecurityGroupName: group, Description: 'tb' }));
    const submitted = await call<RequestBody>(stack, 'POST', '/requests', {
      as: 'alice@example.com',
      json: { cacheSecurityGroupName: group, ec2SecurityGroupName: 'myec2group', ec2SecurityGroupOwnerId: OWNER, reason: 'classic time-bound' },
    });
    const id = submitted.body.id;
    expect((await approved(id)).status).toBe('ACTIVE');
    expect(authorizationStatus(group)).toBe('available');
    const ended = await waitForStatus(stack, id, ['ENDED', 'FAILED'], 'alice@example.com', 15_000);
    expect(ended).toMatchObject({ status: 'ENDED', endReason: 'expired' });
    expect(authorizationStatus(group)).toBeUndefined();
    await stack.outbox.waitFor((m) => m.to.includes('alice@example.com') && /^Access ended/.test(m.subject ?? '') && m.links.some((l) => l.endsWith(id)), 10_000);
    await stack.notifications.settled();
    expect(emailsTo('alice@example.com', id, /^Ending soon/)).toHaveLength(1);
  }, 40_000);
});

describe('people end access early', () => {
  it('the requester ends it: 202 REVOKING, then ENDED (revoked, by whom); a second revoke gets 409; people who cannot see it get 404', async () => {
    const source = sources[nextSource++] as string;
    const id = await vpcRequest('sessions-mc', source);
    expect((await approved(id)).status).toBe('ACTIVE');
    stack.tokens['mallory@example.com'] = await stack.authorizer.issue('mallory@example.com');
    const stranger = await call(stack, 'POST', `/requests/${id}/revoke`, { as: 'mallory@example.com' });
    expect(stranger.status).toBe(404);
    const revoked = await call<RequestBody>(stack, 'POST', `/requests/${id}/revoke`, { as: 'alice@example.com', json: { reason: 'done early' } });
    expect(revoked.status).toBe(202);
    expect(revoked.body).toMatchObject({ status: 'REVOKING', endReason: 'revoked', endedBy: 'alice@example.com' });
    const again = await call(stack, 'POST', `/requests/${id}/revoke`, { as: 'bob@example.com' });
    expect(again.status).toBe(409);
    const ended = await waitForStatus(stack, id, ['ENDED', 'FAILED'], 'alice@example.com', 15_000);
    expect(ended).toMatchObject({ status: 'ENDED', endReason: 'revoked', endedBy: 'alice@example.com' });
    expect(rulesOn(SESSIONS, source)).toEqual([]);
  }, 30_000);

  it('a request that is not ACTIVE cannot be revoked (409)', async () => {
    const source = sources[nextSource++] as string;
    const id = await vpcRequest('sessions-mc', source);
    const reply = await call<{ message: string }>(stack, 'POST', `/requests/${id}/revoke`, { as: 'alice@example.com' });
    expect(reply.status).toBe(409);
    expect(reply.body.message).toMatch(/PENDING_APPROVAL/);
    await call(stack, 'POST', `/requests/${id}/cancel`, { as: 'alice@example.com' });
  });
});

describe.each(['vpc', 'classic'] as const)('two requests, one grant (%s)', (mode) => {
  /** The grant both requests need: a rule from a fresh source (VPC), or an authorization on a fresh group (classic). */
  async function sharedTarget(): Promise<{ body: object; present: () => number; description?: () => string | undefined }> {
    if (mode === 'vpc') {
      const source = sources[nextSource++] as string;
      return {
        body: { cacheClusterId: 'sessions-mc', sourceSecurityGroupId: source },
        present: () => rulesOn(SESSIONS, source).length,
        description: () => rulesOn(SESSIONS, source)[0]?.description,
      };
    }
    const group = `shared-${++groups}`;
    await elasticache.send(new CreateCacheSecurityGroupCommand({ CacheSecurityGroupName: group, Description: 'tb' }));
    return { body: { cacheSecurityGroupName: group, ec2SecurityGroupName: 'myec2group', ec2SecurityGroupOwnerId: OWNER }, present: () => (authorizationStatus(group) === undefined ? 0 : 1) };
  }

  async function twoHolders(): Promise<{ present: () => number; description?: () => string | undefined; first: string; second: string }> {
    const { body, present, description } = await sharedTarget();
    const ask = async (as: string): Promise<string> => {
      const reply = await call<RequestBody>(stack, 'POST', '/requests', { as, json: { ...body, reason: 'two holders' } });
      expect(reply.status).toBe(202);
      return reply.body.id;
    };
    const first = await ask('alice@example.com');
    expect((await approved(first)).status).toBe('ACTIVE');
    const second = await ask('carol@example.com');
    expect((await approved(second, 'bob@example.com', 'carol@example.com')).status).toBe('ACTIVE');
    expect(present()).toBe(1);
    return { present, ...(description ? { description } : {}), first, second };
  }

  /** The description a VPC rule has while `id` (of `requester`) is its holder with the latest end. */
  async function describedAs(id: string, requester: string): Promise<string> {
    const request = await waitForStatus(stack, id, ['ACTIVE'], requester, 5_000);
    return `cachegate ${id} ${requester} until ${request.expiresAt}`;
  }

  it('the holder with the later end leaves first: the grant stays and (VPC) its description names the holder that keeps it', async () => {
    const { present, description, first, second } = await twoHolders();
    // The rule says who holds it longest: the second (its end is later), once Notify granted described it.
    if (description) {
      const expected = await describedAs(second, 'carol@example.com');
      await until(() => description() === expected, `the rule never named the later holder: ${description()}`);
    }
    expect((await call(stack, 'POST', `/requests/${second}/revoke`, { as: 'carol@example.com' })).status).toBe(202);
    await waitForStatus(stack, second, ['ENDED'], 'carol@example.com', 15_000);
    expect(present()).toBe(1);
    if (description) expect(description()).toBe(await describedAs(first, 'alice@example.com'));
    expect((await call(stack, 'POST', `/requests/${first}/revoke`, { as: 'alice@example.com' })).status).toBe(202);
    await waitForStatus(stack, first, ['ENDED'], 'alice@example.com', 15_000);
    expect(present()).toBe(0);
  }, 40_000);

  it('ending the first keeps the grant; ending the last removes it', async () => {
    const { present, first, second } = await twoHolders();
    expect((await call(stack, 'POST', `/requests/${first}/revoke`, { as: 'alice@example.com' })).status).toBe(202);
    const firstEnded = await waitForStatus(stack, first, ['ENDED'], 'alice@example.com', 15_000);
    expect(firstEnded.history.map((e) => e.event)).toContain('grant released');
    expect(present()).toBe(1);
    expect((await call(stack, 'POST', `/requests/${second}/revoke`, { as: 'carol@example.com' })).status).toBe(202);
    await waitForStatus(stack, second, ['ENDED'], 'carol@example.com', 15_000);
    expect(present()).toBe(0);
  }, 40_000);

  it('both ending at once: the grant is removed exactly once, and both end', async () => {
    const { present, first, second } = await twoHolders();
    const replies = await Promise.all([
      call(stack, 'POST', `/requests/${first}/revoke`, { as: 'alice@example.com' }),
      call(stack, 'POST', `/requests/${second}/revoke`, { as: 'carol@example.com' }),
    ]);
    expect(replies.map((r) => r.status)).toEqual([202, 202]);
    const ended = [await waitForStatus(stack, first, ['ENDED'], 'alice@example.com', 15_000), await waitForStatus(stack, second, ['ENDED'], 'carol@example.com', 15_000)];
    expect(present()).toBe(0);
    // Exactly one of them was the last holder and revoked the grant; the other only released it.
    const events = ended.map((request) => request.history.map((e) => e.event));
    expect(events.filter((e) => e.includes('grant revoked'))).toHaveLength(1);
    expect(events.filter((e) => e.includes('grant released'))).toHaveLength(1);
    expect(events.flat()).not.toContain('grant already gone');
  }, 40_000);
});

describe('revoke faults', () => {
  /** A classic request ACTIVE on a cache security group of its own (the long default policy). */
  async function activeClassic(): Promise<{ id: string; group: string }> {
    const group = `fault-${++groups}`;
    await elasticache.send(new CreateCacheSecurityGroupCommand({ CacheSecurityGroupName: group, Description: 'tb' }));
    const reply = await call<RequestBody>(stack, 'POST', '/requests', {
      as: 'alice@example.com',
      json: { cacheSecurityGroupName: group, ec2SecurityGroupName: 'myec2group', ec2SecurityGroupOwnerId: OWNER, reason: 'classic revoke fault' },
    });
    expect((await approved(reply.body.id)).status).toBe('ACTIVE');
    return { id: reply.body.id, group };
  }

  it('classic, throttled (Throttling): retried, then ENDED, the authorization gone', async () => {
    const { id, group } = await activeClassic();
    stack.emulator.faults.set({ failOperation: { RevokeCacheSecurityGroupIngress: { code: 'Throttling', status: 400, message: 'Rate exceeded', times: 2 } } });
    await call(stack, 'POST', `/requests/${id}/revoke`, { as: 'alice@example.com' });
    const ended = await waitForStatus(stack, id, ['ENDED'], 'alice@example.com', 20_000);
    expect(ended.status).toBe('ENDED');
    expect(authorizationStatus(group)).toBeUndefined();
  }, 45_000);

  it('classic, already gone (AuthorizationNotFound: revoked by hand): counts as revoked, ENDED', async () => {
    const { id, group } = await activeClassic();
    await elasticache.send(new RevokeCacheSecurityGroupIngressCommand({ CacheSecurityGroupName: group, EC2SecurityGroupName: 'myec2group', EC2SecurityGroupOwnerId: OWNER }));
    await call(stack, 'POST', `/requests/${id}/revoke`, { as: 'alice@example.com' });
    const ended = await waitForStatus(stack, id, ['ENDED'], 'alice@example.com', 15_000);
    expect(ended.history.map((e) => e.event)).toContain('grant already gone');
  }, 30_000);

  it('throttled: retried, then ENDED', async () => {
    const source = sources[nextSource++] as string;
    const id = await vpcRequest('sessions-mc', source);
    expect((await approved(id)).status).toBe('ACTIVE');
    stack.emulator.faults.set({ failOperation: { RevokeSecurityGroupIngress: { code: 'RequestLimitExceeded', status: 503, message: 'Request limit exceeded.', times: 2 } } });
    await call(stack, 'POST', `/requests/${id}/revoke`, { as: 'alice@example.com' });
    const ended = await waitForStatus(stack, id, ['ENDED', 'REVOKING'], 'alice@example.com', 20_000).then(() => waitForStatus(stack, id, ['ENDED'], 'alice@example.com', 20_000));
    expect(ended.status).toBe('ENDED');
    expect(rulesOn(SESSIONS, source)).toEqual([]);
  }, 45_000);

  it('already gone (removed by hand): counts as revoked, ENDED', async () => {
    const source = sources[nextSource++] as string;
    const id = await vpcRequest('sessions-mc', source);
    expect((await approved(id)).status).toBe('ACTIVE');
    const { RevokeSecurityGroupIngressCommand, EC2Client } = await import('@aws-sdk/client-ec2');
    const ec2 = new EC2Client({ endpoint: stack.emulator.url, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    const [rule] = rulesOn(SESSIONS, source);
    await ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: SESSIONS, SecurityGroupRuleIds: [rule?.ruleId ?? ''] }));
    ec2.destroy();
    await call(stack, 'POST', `/requests/${id}/revoke`, { as: 'alice@example.com' });
    const ended = await waitForStatus(stack, id, ['ENDED'], 'alice@example.com', 15_000);
    expect(ended.history.map((e) => e.event)).toContain('grant already gone');
  }, 30_000);

  it('refused (access denied): the request stays REVOKING with the reason, never reported ended', async () => {
    const source = sources[nextSource++] as string;
    const id = await vpcRequest('sessions-mc', source);
    expect((await approved(id)).status).toBe('ACTIVE');
    stack.emulator.faults.set({ failOperation: { RevokeSecurityGroupIngress: { code: 'UnauthorizedOperation', status: 403, message: 'You are not authorized to perform this operation.' } } });
    await call(stack, 'POST', `/requests/${id}/revoke`, { as: 'alice@example.com' });
    await stack.stepFunctions.execution(id)?.done;
    const stuck = (await call<RequestBody>(stack, 'GET', `/requests/${id}`, { as: 'alice@example.com' })).body;
    expect(stuck.status).toBe('REVOKING');
    expect(stuck.history.map((e) => e.event)).toContain('grant revoke failed');
    expect(stack.stepFunctions.execution(id)?.status).toBe('FAILED');
    expect(rulesOn(SESSIONS, source)).toHaveLength(1);
  }, 30_000);
});


describe('extensions', () => {
  async function activeOnSessions(): Promise<{ id: string; expiresAt: string }> {
    const id = await vpcRequest('sessions-mc', sources[nextSource++] as string);
    const active = await approved(id);
    expect(active.status).toBe('ACTIVE');
    return { id, expiresAt: active.expiresAt as string };
  }

  /** The round's approval link emailed to this approver (links are issued when the email goes out). */
  async function roundLink(approver: string, id: string, before: Set<unknown>): Promise<string> {
    const message = await stack.outbox.waitFor(
      (m) => !before.has(m) && m.channel === 'email' && m.to.includes(approver) && /^Approval needed: more time/.test(m.subject ?? '') && m.text.includes(id),
      10_000,
    );
    const link = message.links.find((l) => l.includes('/approvals/'));
    if (!link) throw new Error('no approval link in the extension email');
    return link.slice(stack.url.length);
  }

  const extend = (id: string, body: Record<string, unknown>, as = 'alice@example.com') => call<RequestBody>(stack, 'POST', `/requests/${id}/extend`, { as, json: body });

  it('approved: expiresAt moves by the extension; a second round while one is open gets 409; the earlier round’s link then answers 410', async () => {
    const { id, expiresAt } = await activeOnSessions();
    const mark = new Set<unknown>(stack.outbox.messages());
    const asked = await extend(id, { durationMinutes: 30, reason: 'the migration runs long' });
    expect(asked.status).toBe(202);
    expect((await extend(id, { durationMinutes: 10, reason: 'again' })).status).toBe(409);
    expect((await extend(id, { durationMinutes: 10, reason: 'not mine' }, 'bob@example.com')).status).toBe(403);
    const link = await roundLink('bob@example.com', id, mark);
    const page = await call(stack, 'GET', link);
    expect(page.text).toContain('Approve more time?');
    const decided = await call<{ outcome: string; request: RequestBody }>(stack, 'POST', link, { form: { decision: 'approve' }, headers: { accept: 'application/json' } });
    expect(decided.status).toBe(200);
    expect(decided.body.outcome).toBe('approved');
    const extendedTo = decided.body.request.expiresAt as string;
    expect(Date.parse(extendedTo) - Date.parse(expiresAt)).toBe(30 * 60_000);
    // The rule's description follows the new end at once (the woken hold), not at the reconciler's next run.
    const source = (decided.body.request.target as { sourceSecurityGroupId: string }).sourceSecurityGroupId;
    await until(() => rulesOn(SESSIONS, source)[0]?.description === `cachegate ${id} alice@example.com until ${extendedTo}`, 'the rule description never showed the extended end');
    await stack.outbox.waitFor((m) => m.to.includes('alice@example.com') && /^Extended/.test(m.subject ?? '') && m.links.some((l) => l.endsWith(id)), 10_000);

    // A new round: the first round's links no longer decide anything.
    const mark2 = new Set<unknown>(stack.outbox.messages());
    expect((await extend(id, { durationMinutes: 15, reason: 'one more' })).status).toBe(202);
    await roundLink('bob@example.com', id, mark2);
    const stale = await call(stack, 'POST', (await roundLink('carol@example.com', id, mark)).toString(), { form: { decision: 'approve' } });
    expect(stale.status).toBe(410);
    await call(stack, 'POST', `/requests/${id}/revoke`, { as: 'alice@example.com' });
    const ended = await waitForStatus(stack, id, ['ENDED'], 'alice@example.com', 15_000);
    expect(ended.extensions as { status: string }[]).toEqual([expect.objectContaining({ status: 'APPROVED' }), expect.objectContaining({ status: 'CLOSED' })]);
  }, 40_000);

  it('while access is ACTIVE, asking again for it gets 409 with its id and a hint to extend', async () => {
    const source = sources[nextSource++] as string;
    const id = await vpcRequest('sessions-mc', source);
    expect((await approved(id)).status).toBe('ACTIVE');
    const again = await call<{ message: string }>(stack, 'POST', '/requests', { as: 'alice@example.com', json: { cacheClusterId: 'sessions-mc', sourceSecurityGroupId: source, reason: 'again' } });
    expect(again.status).toBe(409);
    expect(again.body.message).toContain(id);
    expect(again.body.message).toContain(`POST /requests/${id}/extend`);
    await call(stack, 'POST', `/requests/${id}/revoke`, { as: 'alice@example.com' });
    await waitForStatus(stack, id, ['ENDED'], 'alice@example.com', 15_000);
  }, 30_000);

  it('denied: the end of access is unchanged and the requester is told; body errors name the field', async () => {
    const { id, expiresAt } = await activeOnSessions();
    expect((await extend(id, { durationMinutes: 0, reason: 'x' })).status).toBe(400);
    const tooLong = await extend(id, { durationMinutes: 481, reason: 'x' });
    expect(tooLong.status).toBe(400);
    expect(JSON.stringify(tooLong.body)).toContain('must be at most 480 minutes');
    const mark = new Set<unknown>(stack.outbox.messages());
    expect((await extend(id, { durationMinutes: 30, reason: 'please' })).status).toBe(202);
    const link = await roundLink('carol@example.com', id, mark);
    expect((await call(stack, 'POST', link, { form: { decision: 'deny' } })).status).toBe(200);
    await stack.outbox.waitFor((m) => m.to.includes('alice@example.com') && /^Extension denied/.test(m.subject ?? '') && m.links.some((l) => l.endsWith(id)), 10_000);
    const after = (await call<RequestBody>(stack, 'GET', `/requests/${id}`, { as: 'alice@example.com' })).body;
    expect(after.expiresAt).toBe(expiresAt);
    await call(stack, 'POST', `/requests/${id}/revoke`, { as: 'alice@example.com' });
    await waitForStatus(stack, id, ['ENDED'], 'alice@example.com', 15_000);
  }, 40_000);

  it('expiry still happens on time during an open round: the round is closed and the requester told', async () => {
    const id = await vpcRequest('orders-cache', sources[nextSource++] as string);
    expect((await approved(id)).status).toBe('ACTIVE');
    expect((await extend(id, { durationMinutes: 5, reason: 'need a bit more' })).status).toBe(202);
    const ended = await waitForStatus(stack, id, ['ENDED', 'FAILED'], 'alice@example.com', 15_000);
    expect(ended).toMatchObject({ status: 'ENDED', endReason: 'expired' });
    expect((ended.extensions as { status: string }[]).at(-1)?.status).toBe('CLOSED');
    await stack.outbox.waitFor((m) => m.to.includes('alice@example.com') && /^Extension not decided/.test(m.subject ?? '') && m.links.some((l) => l.endsWith(id)), 10_000);
  }, 30_000);
});

describe('who may ask', () => {
  it('a target with requesters refuses anyone else with 403 saying who may ask; a listed requester is accepted', async () => {
    await elasticache.send(new CreateCacheSecurityGroupCommand({ CacheSecurityGroupName: 'restricted', Description: 'tb' }));
    const body = { cacheSecurityGroupName: 'restricted', ec2SecurityGroupName: 'myec2group', ec2SecurityGroupOwnerId: OWNER, reason: 'restricted target' };
    const refused = await call<{ message: string }>(stack, 'POST', '/requests', { as: 'alice@example.com', json: body });
    expect(refused.status).toBe(403);
    expect(refused.body.message).toBe('You may not ask for access to "restricted": only bob@example.com, members of group "ops" may. Ask an administrator to add you to its requesters.');
    const accepted = await call<RequestBody>(stack, 'POST', '/requests', { as: 'bob@example.com', json: body });
    expect(accepted.status).toBe(202);
    await call(stack, 'POST', `/requests/${accepted.body.id}/cancel`, { as: 'bob@example.com' });
  });
});
