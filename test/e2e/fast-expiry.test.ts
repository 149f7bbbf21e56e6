/**
 * A 1-minute grant on `npm start -- --fast` ends by itself, in both modes: ACTIVE for one of the policy's
 * minutes (3 s at 20×), then ENDED (expired), the rule or authorization gone from the emulator, the
 * requester told, and the same access may be asked for again. The stack is `npm start`'s own (in-process,
 * on a free port); the test waits on the request's status, never for a fixed time.
 */
import { CreateCacheSecurityGroupCommand, ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { FAST_SCALE, startFromCommandLine } from '../../local/cli.js';
import type { LocalStack } from '../../local/stack.js';

let stack: LocalStack;
let alice: string;

interface RequestView {
  id: string;
  status: string;
  activeSince?: string;
  expiresAt?: string;
  endReason?: string;
}

beforeAll(async () => {
  stack = (await startFromCommandLine(['--fast', '--port', '0'], {}, () => undefined)) as LocalStack;
  alice = stack.tokens['alice@example.com'] as string;
  const elasticache = new ElastiCacheClient({ endpoint: stack.emulator.url, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  await elasticache.send(new CreateCacheSecurityGroupCommand({ CacheSecurityGroupName: 'fast-demo', Description: 'a classic group of its own' }));
  elasticache.destroy();
});

afterAll(async () => {
  await stack?.stop();
});

const ask = (body: object): Promise<Response> =>
  fetch(`${stack.url}/requests`, { method: 'POST', headers: { authorization: `Bearer ${alice}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });

async function view(id: string): Promise<RequestView> {
  return (await (await fetch(`${stack.url}/requests/${id}`, { headers: { authorization: `Bearer ${alice}` } })).json()) as RequestView;
}

async function until<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 40_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`never: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function approveByLink(id: string): Promise<void> {
  const message = await stack.outbox.waitFor((m) => m.channel === 'email' && m.to.includes('bob@example.com') && m.links.some((l) => l.includes('/approvals/')) && m.text.includes(id), 10_000);
  const link = message.links.find((l) => l.includes('/approvals/')) as string;
  expect((await fetch(link, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'decision=approve' })).status).toBe(200);
}

const vpcRules = (source: string) =>
  (stack.emulator.inspect() as unknown as { securityGroupRules: { groupId: string; referencedGroupId?: string }[] }).securityGroupRules.filter(
    (rule) => rule.groupId === 'sg-0cac4e9a7e0000002' && rule.referencedGroupId === source,
  );
const classicAuthorizations = () =>
  (stack.emulator.inspect() as unknown as { cacheSecurityGroups: { name: string; authorizations: unknown[] }[] }).cacheSecurityGroups.find((g) => g.name === 'fast-demo')?.authorizations ?? [];

const MODES = [
  { mode: 'VPC', body: { cacheClusterId: 'sessions-mc', sourceSecurityGroupId: 'sg-0095000000000001' }, granted: () => vpcRules('sg-0095000000000001').length },
  { mode: 'classic', body: { cacheSecurityGroupName: 'fast-demo', ec2SecurityGroupName: 'myec2group', ec2SecurityGroupOwnerId: '987654321021' }, granted: () => classicAuthorizations().length },
];

it.each(MODES)('$mode: a 1-minute grant ends by itself (expired), its grant gone, the requester told; asking again is accepted', async ({ body, granted }) => {
  const submitted = await ask({ ...body, durationMinutes: 1, reason: 'a one-minute look' });
  expect(submitted.status).toBe(202);
  const { id } = (await submitted.json()) as { id: string };
  await approveByLink(id);

  const active = await until(async () => {
    const request = await view(id);
    return request.status === 'ACTIVE' || request.status === 'ENDED' || request.status === 'FAILED' ? request : undefined;
  }, `${id} ACTIVE`);
  // The whole minute, at --fast's pace: 60 s / 20.
  expect(active.status).toBe('ACTIVE');
  expect(Date.parse(active.expiresAt as string) - Date.parse(active.activeSince as string)).toBe(60_000 / FAST_SCALE);
  expect(granted()).toBe(1);

  const ended = await until(async () => {
    const request = await view(id);
    return request.status === 'ENDED' || request.status === 'FAILED' ? request : undefined;
  }, `${id} ENDED`);
  expect(ended).toMatchObject({ status: 'ENDED', endReason: 'expired' });
  expect(granted()).toBe(0);
  await stack.outbox.waitFor((m) => m.channel === 'email' && m.to.includes('alice@example.com') && /^Access ended/.test(m.subject ?? '') && (m.text.includes(id) || m.links.some((l) => l.endsWith(id))), 10_000);
  // Access shorter than the warning period (the demo's 10 minutes) gets no expiry warning.
  await stack.notifications.settled();
  expect(stack.outbox.messages().filter((m) => m.to.includes('alice@example.com') && /^Ending soon/.test(m.subject ?? '') && (m.text.includes(id) || m.links.some((l) => l.endsWith(id))))).toEqual([]);

  const again = await ask({ ...body, durationMinutes: 1, reason: 'once more' });
  expect(again.status).toBe(202);
  const { id: next } = (await again.json()) as { id: string };
  await fetch(`${stack.url}/requests/${next}/cancel`, { method: 'POST', headers: { authorization: `Bearer ${alice}` } });
}, 60_000);

it("the demo policy: 60 minutes unless asked otherwise, at most 480", async () => {
  const reply = await fetch(`${stack.url}/targets`, { headers: { authorization: `Bearer ${alice}` } });
  const { items } = (await reply.json()) as { items: { defaultDurationMinutes: number; maxDurationMinutes: number }[] };
  expect(items.length).toBeGreaterThan(0);
  for (const item of items) expect(item).toMatchObject({ defaultDurationMinutes: 60, maxDurationMinutes: 480 });
});
