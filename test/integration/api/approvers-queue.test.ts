/**
 * GET /requests?status=PENDING_APPROVAL: the approvers' queue. It lists the requests the caller may decide
 * on (never their own, never one they already decided), in full pages, newest first; a call makes at most
 * MAX_QUERIES_PER_PAGE index queries and may then return a shorter page with a cursor; the last page has no
 * nextCursor. Requests come in over HTTP where the rule needs real submissions, and straight through the
 * store adapter where a test needs hundreds of them.
 */
import { startLocalStack, type LocalStack } from '../../../local/stack.js';
import type { AccessRequestRecord } from '../../../functions/domain/request-lifecycle.js';
import { approvalLinkFor, call, type RequestBody } from '../workflow/local-api.js';

const POLICY = {
  default: { approvers: ['bob@example.com', 'carol@example.com'], approvalsRequired: 1 },
  targets: { 'orders-cache': { approvers: ['carol@example.com', 'dave@example.com'], approvalsRequired: 2 } },
};

interface Page {
  items: RequestBody[];
  nextCursor?: string;
}

let stack: LocalStack;
let store: typeof import('../../../functions/adapters/request-store.js')['requestStore'];
const tokens: Record<string, string> = {};

async function page(caller: string, query: string): Promise<Page> {
  const reply = await call<Page>(stack, 'GET', `/requests?${query}`, { as: tokens[caller] ?? caller });
  expect(reply.status).toBe(200);
  return reply.body;
}

/** Every page of the caller's queue, following nextCursor to the end. */
async function wholeQueue(caller: string, limit = 20): Promise<{ ids: string[]; pages: Page[] }> {
  const pages: Page[] = [];
  let cursor: string | undefined;
  do {
    pages.push(await page(caller, `status=PENDING_APPROVAL&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`));
    cursor = pages.at(-1)?.nextCursor;
  } while (cursor && pages.length < 50);
  return { ids: pages.flatMap((p) => p.items.map((item) => item.id)), pages };
}

async function submit(caller: string, body: Record<string, unknown>): Promise<string> {
  const reply = await call<RequestBody>(stack, 'POST', '/requests', { as: tokens[caller] ?? caller, json: body });
  expect(reply.status).toBe(202);
  return reply.body.id;
}

const classic = (group: string) => ({ cacheSecurityGroupName: 'default', ec2SecurityGroupName: group, ec2SecurityGroupOwnerId: '987654321021', reason: 'queue test' });

/** Stores a pending request like `template`, asked of `approvers`, created at `createdAt`. */
async function storePending(template: AccessRequestRecord, index: number, approvers: string[], createdAt: Date, requester = 'zoe@example.com'): Promise<string> {
  const id = `00000000-0000-4000-8000-${String(index).padStart(12, '0')}`;
  const at = createdAt.toISOString();
  await store.create({ ...template, id, requester, approvers, escalationApprovers: [], approvals: {}, createdAt: at, updatedAt: at, history: [] });
  return id;
}

async function inBatches(writes: (() => Promise<unknown>)[]): Promise<void> {
  for (let start = 0; start < writes.length; start += 25) await Promise.all(writes.slice(start, start + 25).map((write) => write()));
}

beforeAll(async () => {
  stack = await startLocalStack({ policy: POLICY, emulator: { propagationDelayMs: 0 } });
  for (const user of ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'mallory']) tokens[user] = await stack.authorizer.issue(`${user}@example.com`);
  ({ requestStore: store } = await import('../../../functions/adapters/request-store.js'));
});

afterAll(async () => {
  await stack?.stop();
});

describe('who sees what', () => {
  let fromAlice: string;
  let fromBob: string;
  let quorumTwo: string;

  beforeAll(async () => {
    fromAlice = await submit('alice', classic('alice-app'));
    fromBob = await submit('bob', classic('bob-app'));
    quorumTwo = await submit('alice', { replicationGroupId: 'orders-cache', sourceSecurityGroupId: 'sg-0a99000000000001', reason: 'needs two' });
    // carol approves the quorum-two request: it is still pending, but no longer hers to decide.
    const link = await approvalLinkFor(stack, 'carol@example.com', quorumTwo);
    expect((await call(stack, 'POST', link, { form: { decision: 'approve' }, headers: { accept: 'application/json' } })).status).toBe(200);
  });

  it('an approver sees the requests asked of them, and not their own', async () => {
    expect((await wholeQueue('bob')).ids).toEqual([fromAlice]);
  });

  it('a requester who is also an approver sees others’ requests; one already decided drops out', async () => {
    expect((await wholeQueue('carol')).ids).toEqual([fromBob, fromAlice]);
  });

  it('the other approver of the quorum-two request still has it', async () => {
    expect((await wholeQueue('dave')).ids).toEqual([quorumTwo]);
  });

  it('people who approve nothing see nothing; the requester only with mine=true', async () => {
    expect((await wholeQueue('mallory')).ids).toEqual([]);
    expect((await wholeQueue('alice')).ids).toEqual([]);
    expect((await page('alice', 'status=PENDING_APPROVAL&mine=true')).items.map((item) => item.id)).toEqual([quorumTwo, fromAlice]);
    expect((await page('bob', 'status=PENDING_APPROVAL&mine=true')).items.map((item) => item.id)).toEqual([fromBob]);
  });
});

describe('pages', () => {
  let template: AccessRequestRecord;
  const erinsNewestFirst: string[] = [];

  beforeAll(async () => {
    const [any] = (await page('alice', 'mine=true&limit=1')).items;
    template = (await store.get(String(any?.id))) as AccessRequestRecord;
    const base = Date.parse('2025-06-01T00:00:00Z');
    const writes: (() => Promise<string>)[] = [];
    // erin: 7 of hers among 40 of someone else's, interleaved; newest first by index.
    for (let index = 0; index < 47; index++) {
      const hers = index % 7 === 3;
      const at = new Date(base - index * 60_000);
      writes.push(async () => {
        const id = await storePending(template, index, [hers ? 'erin@example.com' : 'yann@example.com'], at);
        if (hers) erinsNewestFirst.push(id);
        return id;
      });
    }
    // One of erin's own that names her as an approver too (a record from before a policy change): still never hers to decide.
    writes.push(() => storePending(template, 99, ['erin@example.com'], new Date(base - 5 * 60_000 - 1), 'erin@example.com'));
    await inBatches(writes);
    // Lower index, newer: ids carry the index, zero-padded.
    erinsNewestFirst.sort();
  });

  it('pages are full unless fewer matches remain, and the last page has no nextCursor', async () => {
    expect(erinsNewestFirst).toHaveLength(7);
    const { ids, pages } = await wholeQueue('erin', 3);
    expect(pages.map((p) => p.items.length)).toEqual([3, 3, 1]);
    expect(pages.map((p) => p.nextCursor !== undefined)).toEqual([true, true, false]);
    expect(ids).toEqual(erinsNewestFirst);
  });

  it('a page that holds exactly the last matches has no nextCursor', async () => {
    const only = await page('erin', 'status=PENDING_APPROVAL&limit=7');
    expect(only.items.map((item) => item.id)).toEqual(erinsNewestFirst);
    expect(only.nextCursor).toBeUndefined();
  });

  it('past the query budget a call returns a shorter page with a cursor, and the next call goes on from there', async () => {
    // frank: 2 of his, older than 520 of someone else's (more than MAX_QUERIES_PER_PAGE queries read).
    const older = Date.parse('2025-01-01T00:00:00Z');
    const writes: (() => Promise<string>)[] = [];
    for (let index = 100; index < 620; index++) writes.push(() => storePending(template, index, ['yann@example.com'], new Date(older - (index - 100) * 1000)));
    for (const index of [700, 701]) writes.push(() => storePending(template, index, ['frank@example.com'], new Date(older - 600_000 - (index - 700) * 1000)));
    await inBatches(writes);
    const franksNewestFirst = ['00000000-0000-4000-8000-000000000700', '00000000-0000-4000-8000-000000000701'];

    const first = await page('frank', 'status=PENDING_APPROVAL&limit=5');
    expect(first.items).toEqual([]);
    expect(first.nextCursor).toEqual(expect.any(String));
    const { ids, pages } = await wholeQueue('frank', 5);
    expect(ids).toEqual(franksNewestFirst);
    expect(pages.at(-1)?.nextCursor).toBeUndefined();
  });

  it('a cursor from one list is refused by another', async () => {
    const { pages } = await wholeQueue('erin', 3);
    const reply = await call(stack, 'GET', `/requests?status=PENDING_APPROVAL&mine=true&limit=3&cursor=${pages[0]?.nextCursor}`, { as: tokens.erin });
    expect(reply.status).toBe(400);
    expect(reply.body).toMatchObject({ error: 'ValidationError', details: [{ field: 'cursor' }] });
  });
});
