/**
 * The store's conditional writes, driven directly against DynamoDB (dynalite) with the real adapter: what
 * the HTTP routes rely on when two people act at once.
 */
import { startDynamo, type LocalDynamo } from '../../../local/dynamodb.js';

type Store = typeof import('../../../functions/adapters/request-store.js');

let dynamo: LocalDynamo;
let store: Store['requestStore'];
let InvalidCursor: Store['InvalidCursor'];

beforeAll(async () => {
  dynamo = await startDynamo('cachegate-store-test');
  Object.assign(process.env, { AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local', TABLE_NAME: 'cachegate-store-test', DYNAMODB_ENDPOINT: dynamo.url });
  // The adapter reads its configuration when loaded: after the environment above.
  ({ requestStore: store, InvalidCursor } = await import('../../../functions/adapters/request-store.js'));
});

afterAll(async () => {
  await dynamo?.close();
});

describe('an approval link is used once', () => {
  const link = (hash: string) => ({ hash, requestId: '00000000-0000-4000-8000-000000000001', approver: 'bob@example.com', expiresAt: Math.floor(Date.now() / 1000) + 3600 });

  it('of two uses at the same moment, exactly one wins, and the loser does not overwrite its decision', async () => {
    for (let round = 0; round < 20; round++) {
      const hash = `race-${round}`;
      await store.putLinks([link(hash)]);
      const [approve, deny] = await Promise.all([
        store.useLink(hash, `2026-01-01T00:00:${String(round).padStart(2, '0')}.000Z`, 'approve'),
        store.useLink(hash, `2026-01-01T00:00:${String(round).padStart(2, '0')}.500Z`, 'deny'),
      ]);
      expect([approve, deny].filter(Boolean)).toHaveLength(1);
      const stored = await store.link(hash);
      expect(stored?.decision).toBe(approve ? 'approve' : 'deny');
      expect(stored?.usedAt).toBe(`2026-01-01T00:00:${String(round).padStart(2, '0')}.${approve ? '000' : '500'}Z`);
    }
  });

  it('a used link stays used: a later use is refused and changes nothing', async () => {
    await store.putLinks([link('later')]);
    expect(await store.useLink('later', '2026-01-01T00:00:00.000Z', 'deny')).toBe(true);
    expect(await store.useLink('later', '2026-01-01T00:01:00.000Z', 'approve')).toBe(false);
    expect(await store.link('later')).toMatchObject({ usedAt: '2026-01-01T00:00:00.000Z', decision: 'deny' });
  });

  it('a link that was never issued cannot be used (nothing is created by trying)', async () => {
    expect(await store.useLink('never-issued', '2026-01-01T00:00:00.000Z', 'approve')).toBe(false);
    expect(await store.link('never-issued')).toBeUndefined();
  });

  it('more links than one batch holds are all written', async () => {
    const many = Array.from({ length: 60 }, (_, index) => link(`batch-${index}`));
    await store.putLinks(many);
    const stored = await Promise.all(many.map((item) => store.link(item.hash)));
    expect(stored.every((item) => item !== undefined && item.usedAt === undefined)).toBe(true);
  });
});

describe('an Idempotency-Key binds once, with its body', () => {
  it('of two bindings at the same moment, both see the one that holds', async () => {
    const [first, second] = await Promise.all([
      store.bindIdempotencyKey('alice@example.com', 'k1', { requestId: 'id-a', bodyHash: 'body-a' }, 2_000_000_000),
      store.bindIdempotencyKey('alice@example.com', 'k1', { requestId: 'id-b', bodyHash: 'body-b' }, 2_000_000_000),
    ]);
    expect(first).toEqual(second);
    expect(await store.idempotencyBinding('alice@example.com', 'k1')).toEqual(first);
  });
});

describe('list cursors', () => {
  it.each([
    ['not base64 JSON', 'bm90IGpzb24'],
    ['a key of another requester’s list', Buffer.from(JSON.stringify({ pk: 'REQ#00000000-0000-4000-8000-000000000001', sk: 'REQUEST', requesterKey: 'mallory@example.com', listKey: '2026-01-01T00:00:00.000Z#00000000-0000-4000-8000-000000000001' })).toString('base64url')],
    ['extra fields', Buffer.from(JSON.stringify({ pk: 'REQ#00000000-0000-4000-8000-000000000001', sk: 'REQUEST', requesterKey: 'alice@example.com', listKey: '2026-01-01T00:00:00.000Z#00000000-0000-4000-8000-000000000001', x: '1' })).toString('base64url')],
    ['another item type', Buffer.from(JSON.stringify({ pk: 'LINK#abc', sk: 'LINK', requesterKey: 'alice@example.com', listKey: 'x' })).toString('base64url')],
  ])('%s is refused before DynamoDB sees it', async (_name, cursor) => {
    await expect(store.list({ requester: 'alice@example.com' }, { limit: 5, cursor })).rejects.toBeInstanceOf(InvalidCursor);
  });
});
