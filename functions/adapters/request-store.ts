/**
 * The DynamoDB store: one table, items keyed by `pk`/`sk`.
 *   REQ#<id> / REQUEST       the request (indexes: byRequester, byStatus, newest first)
 *   REQ#<id> / TASK_TOKEN    the Step Functions task token, kept apart so no read of a request returns it
 *   REQ#<id> / DELIVERED#<key>   a notification delivered (deliveryKey), so a repeat is not sent; TTL 30 days
 *   LINK#<sha256> / LINK     an approval link (hash only), single-use, TTL at expiry
 *   IDEM#<requester>#<key> / IDEMPOTENCY   Idempotency-Key → request id, TTL 24 h
 *   OPEN#<requester>#<target> / OPEN        the one open (pending or active) request per requester and target
 *   GRANT#<target key> / GRANT   the grant record: which requests hold one grant in AWS (domain/grant-record.ts);
 *                            listed through byStatus under the pseudo-status GRANT, sorted by scope (the managed
 *                            group or cache security group), so the reconciler and quota checks query, never scan
 *   SLOTS#<managed group> / SLOTS   the group's rule slot ledger: which grant keys hold a slot, reserved by which
 *                            requests (domain/rule-slots.ts)
 * No transactions (the local store, dynalite, has none): writes are ordered and conditional so that a
 * crash between two of them leaves nothing a retry cannot finish.
 */
import { storeConfig } from '../config.js';
import { grantScope } from '../domain/grant-driver.js';
import type { GrantRecord } from '../domain/grant-record.js';
import type { SlotLedger } from '../domain/rule-slots.js';
import type { AccessRequestRecord, Decision, HistoryEvent } from '../domain/request-lifecycle.js';
import type { RequestStatus } from '../domain/request-statuses.js';
import { writeUntilProcessed } from './batch-retry.js';
import { dynamodb, type Item, type QueryInput } from './dynamodb-call.js';
import { TABLE_INDEXES } from './table-schema.js';
import * as v from 'valibot';

const tableName = (): string => storeConfig().tableName;

/** Delivery marks outlive any retry of their notification (hours) by far. */
const DELIVERY_MARK_TTL_SECONDS = 30 * 24 * 60 * 60;

const requestKey = (id: string) => ({ pk: `REQ#${id}`, sk: 'REQUEST' });
const grantKey = (key: string) => ({ pk: `GRANT#${key}`, sk: 'GRANT' });
const slotsKey = (group: string) => ({ pk: `SLOTS#${group}`, sk: 'SLOTS' });
/** Grant records in the byStatus index: one partition, sorted by scope then key (never a request status). */
const GRANT_INDEX_KEY = 'GRANT';
const grantListKey = (record: Pick<GrantRecord, 'target' | 'resolved' | 'key'>): string => `${grantScope(record.target, record.resolved) ?? ''}#${record.key}`;
const sortKey = (record: Pick<AccessRequestRecord, 'createdAt' | 'id'>): string => `${record.createdAt}#${record.id}`;

/** DynamoDB's answer when a write's condition did not hold (dynamodb-call.ts names errors by their code). */
const isConditionFailure = (error: unknown): boolean => (error as Error | undefined)?.name === 'ConditionalCheckFailedException';

/** Whether a conditional write went through: false when its condition did not hold (someone else wrote first). */
async function conditionHeld(write: Promise<unknown>): Promise<boolean> {
  try {
    await write;
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

/**
 * Puts an item that carries its own version (a grant record, a slot ledger) as version `expectVersion` + 1,
 * if the stored one is still at `expectVersion` (0: none may exist); false when someone else wrote it first.
 */
function putVersioned(item: Item, expectVersion: number, now: Date): Promise<boolean> {
  return conditionHeld(
    dynamodb.put({
      TableName: tableName(),
      Item: { ...item, version: expectVersion + 1, updatedAt: now.toISOString() },
      ...(expectVersion === 0
        ? { ConditionExpression: 'attribute_not_exists(pk)' }
        : { ConditionExpression: '#version = :version', ExpressionAttributeNames: { '#version': 'version' }, ExpressionAttributeValues: { ':version': expectVersion } }),
    }),
  );
}

/** Every item a byStatus query matches, page after page. */
async function queryAll(query: Pick<QueryInput, 'KeyConditionExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'>): Promise<Item[]> {
  const items: Item[] = [];
  let start: Item | undefined;
  do {
    const page = await dynamodb.query({ TableName: tableName(), IndexName: TABLE_INDEXES.byStatus, ...query, ...(start ? { ExclusiveStartKey: start } : {}) });
    items.push(...page.Items);
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

function toGrantRecord(item: Record<string, unknown>): GrantRecord {
  const { pk: _pk, sk: _sk, statusKey: _s, listKey: _l, ...record } = item;
  return record as unknown as GrantRecord;
}

function toRecord(item: Record<string, unknown> | undefined): AccessRequestRecord | undefined {
  if (!item) return undefined;
  const { pk: _pk, sk: _sk, requesterKey: _r, statusKey: _s, listKey: _l, ...record } = item;
  return record as unknown as AccessRequestRecord;
}

export interface LinkItem {
  hash: string;
  requestId: string;
  approver: string;
  /** Epoch seconds; also the item's TTL. */
  expiresAt: number;
  usedAt?: string;
  decision?: Decision['decision'];
  /** The extension round the link decides (absent: the request's own approval). */
  round?: string;
}

export type ListQuery = { requester: string } | { status: RequestStatus };

/** What auditors filter by; `from`/`to` are ISO times (inclusive), on the request's creation time. */
export interface AuditFilter {
  status?: RequestStatus;
  requester?: string;
  policyKey?: string;
  from?: string;
  to?: string;
}

/** A cursor's content: base64url JSON, or InvalidCursor. */
function cursorJson(cursor: string): unknown {
  try {
    return JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursor('not JSON');
  }
}

/** An audit page's cursor: DynamoDB's LastEvaluatedKey of the index read, an object of strings with a listKey. */
const AuditCursor = v.pipe(
  v.custom<object>((value) => typeof value === 'object' && value !== null && !Array.isArray(value)),
  v.record(v.string(), v.string()),
  v.check((key) => 'listKey' in key),
);

function decodeAuditCursor(cursor: string): Record<string, string> {
  const key = v.safeParse(AuditCursor, cursorJson(cursor));
  if (!key.success) throw new InvalidCursor('not an index key');
  return key.output;
}

export interface RequestPage {
  items: AccessRequestRecord[];
  cursorAfter(position: number): string;
  cursor?: string;
}

/** A cursor that this list did not hand out (forged, truncated, or another list's). */
export class InvalidCursor extends Error {
  override name = 'InvalidCursor';
}

interface IndexChoice {
  name: string;
  hashKey: 'requesterKey' | 'statusKey';
  value: string;
}

function indexOf(query: ListQuery): IndexChoice {
  return 'requester' in query
    ? { name: TABLE_INDEXES.byRequester, hashKey: 'requesterKey', value: query.requester }
    : { name: TABLE_INDEXES.byStatus, hashKey: 'statusKey', value: query.status };
}

// A cursor is the index key of the item to resume after, base64url JSON: exactly the keys DynamoDB expects
// as ExclusiveStartKey for this index and this requester or status, so a forged one is refused here rather
// than by DynamoDB (or, worse, accepted for another list).
function encodeCursor(index: IndexChoice, record: AccessRequestRecord): string {
  return Buffer.from(JSON.stringify({ ...requestKey(record.id), [index.hashKey]: index.value, listKey: sortKey(record) })).toString('base64url');
}

/** Exactly the index key of one request of this list: no other key, and this requester's or this status's. */
const listCursor = (index: IndexChoice) =>
  v.strictObject({
    pk: v.pipe(v.string(), v.regex(/^REQ#[0-9a-f-]{36}$/)),
    sk: v.literal('REQUEST'),
    [index.hashKey]: v.literal(index.value),
    listKey: v.pipe(v.string(), v.regex(/^\d{4}-\d{2}-\d{2}T[\d:.]+Z#[0-9a-f-]{36}$/)),
  });

function decodeCursor(index: IndexChoice, cursor: string): Record<string, string> {
  const key = v.safeParse(listCursor(index), cursorJson(cursor));
  if (!key.success) throw new InvalidCursor('not a key of this list');
  return key.output as Record<string, string>;
}

export interface IdempotencyBinding {
  requestId: string;
  /** Absent on bindings written before bodies were fingerprinted. */
  bodyHash?: string;
}

export type OpenClaim = { ok: true } | { ok: false; existingId: string };

/** Deletes an item that points at a request, if it still points at this one (else it is someone else's now). */
async function deleteIfFor(key: { pk: string; sk: string }, requestId: string): Promise<void> {
  await conditionHeld(dynamodb.delete({ TableName: tableName(), Key: key, ConditionExpression: 'requestId = :id', ExpressionAttributeValues: { ':id': requestId } }));
}

/** One conditional update of the request item; false when its condition did not hold. */
function updateIf(id: string, update: { set: string; condition: string; names: Record<string, string>; values: Record<string, unknown> }): Promise<boolean> {
  return conditionHeld(
    dynamodb.update({
      TableName: tableName(),
      Key: requestKey(id),
      UpdateExpression: update.set,
      ConditionExpression: update.condition,
      ExpressionAttributeNames: update.names,
      ExpressionAttributeValues: update.values,
    }),
  );
}

export const requestStore = {
  async get(id: string): Promise<AccessRequestRecord | undefined> {
    const { Item } = await dynamodb.get({ TableName: tableName(), Key: requestKey(id), ConsistentRead: true });
    return toRecord(Item);
  },

  async create(record: AccessRequestRecord): Promise<void> {
    await dynamodb.put({
      TableName: tableName(),
      Item: { ...requestKey(record.id), requesterKey: record.requester, statusKey: record.status, listKey: sortKey(record), ...record, version: 1 },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
  },

  /**
   * Applies changes and appends history, if the request's status is one of `expectStatus`.
   * Returns the updated request, or undefined when the condition did not hold.
   */
  async update(
    id: string,
    change: {
      set?: Partial<AccessRequestRecord>;
      history?: HistoryEvent[];
      expectStatus?: readonly RequestStatus[];
      /** Only if nothing else changed the request since it was read at this version. */
      expectVersion?: number;
      /** Fields to clear. */
      remove?: readonly (keyof AccessRequestRecord)[];
      now: Date;
    },
  ): Promise<AccessRequestRecord | undefined> {
    const names: Record<string, string> = { '#updatedAt': 'updatedAt', '#history': 'history', '#version': 'version' };
    const values: Record<string, unknown> = { ':updatedAt': change.now.toISOString(), ':history': change.history ?? [], ':one': 1 };
    const sets = ['#updatedAt = :updatedAt', '#history = list_append(#history, :history)'];
    for (const [field, value] of Object.entries(change.set ?? {})) {
      names[`#${field}`] = field;
      values[`:${field}`] = value;
      sets.push(`#${field} = :${field}`);
      if (field === 'status') {
        names['#statusKey'] = 'statusKey';
        sets.push('#statusKey = :status');
      }
    }
    const removes = (change.remove ?? []).map((field) => {
      names[`#${field}`] = field;
      return `#${field}`;
    });
    let condition = 'attribute_exists(pk)';
    if (change.expectStatus) {
      names['#status'] = 'status';
      const placeholders = change.expectStatus.map((status, index) => {
        values[`:expect${index}`] = status;
        return `:expect${index}`;
      });
      condition += ` AND #status IN (${placeholders.join(', ')})`;
    }
    if (change.expectVersion !== undefined) {
      values[':expectVersion'] = change.expectVersion;
      condition += ' AND #version = :expectVersion';
    }
    try {
      const { Attributes } = await dynamodb.update({
        TableName: tableName(),
        Key: requestKey(id),
        UpdateExpression: `SET ${sets.join(', ')}${removes.length > 0 ? ` REMOVE ${removes.join(', ')}` : ''} ADD #version :one`,
        ConditionExpression: condition,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ReturnValues: 'ALL_NEW',
      });
      return toRecord(Attributes);
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  },

  /** Whether a notification (by its delivery key) was already delivered for this request. */
  async wasDelivered(id: string, key: string): Promise<boolean> {
    const { Item } = await dynamodb.get({ TableName: tableName(), Key: { pk: `REQ#${id}`, sk: `DELIVERED#${key}` }, ConsistentRead: true, ProjectionExpression: 'pk' });
    return Item !== undefined;
  },

  /** Remembers a delivered notification, so a job queued or received again is not sent again. */
  async markDelivered(id: string, key: string, at: Date): Promise<void> {
    const ttl = Math.floor(at.getTime() / 1000) + DELIVERY_MARK_TTL_SECONDS;
    await dynamodb.put({ TableName: tableName(), Item: { pk: `REQ#${id}`, sk: `DELIVERED#${key}`, at: at.toISOString(), ttl } });
  },

  /**
   * Sets one entry of a map attribute of the request (Slack refs and attempts, functions/domain/
   * slack-delivery.ts), creating the map on first use. `onlyIfAbsent`: an entry already there is kept (the
   * first attempt's time). DynamoDB cannot create a map and set an entry in it in one expression, hence
   * the two conditional writes. `replacing`: only if the entry still holds this value (compare-and-set).
   * Returns false when `onlyIfAbsent` kept an existing entry, or the entry no longer held `replacing`.
   * Neither this nor setSlackMessage bumps the request's version: Slack bookkeeping never makes a
   * decision's conditional write fail.
   */
  async setMapEntry(
    id: string,
    attribute: 'slackDirectMessages' | 'slackAttempts',
    key: string,
    value: unknown,
    { onlyIfAbsent = false, replacing }: { onlyIfAbsent?: boolean; replacing?: unknown } = {},
  ): Promise<boolean> {
    const names = { '#map': attribute, '#key': key };
    const setEntry = (condition: string, values: Record<string, unknown> = {}): Promise<boolean> =>
      updateIf(id, { set: 'SET #map.#key = :value', condition, names, values: { ':value': value, ...values } });
    if (replacing !== undefined) return setEntry('#map.#key = :replacing', { ':replacing': replacing });
    let mapExists = false;
    for (let attempt = 0; attempt < 3; attempt++) {
      if (await setEntry(`attribute_exists(#map)${onlyIfAbsent ? ' AND attribute_not_exists(#map.#key)' : ''}`)) return true;
      // The map is there, so the entry is: keep it.
      if (mapExists && onlyIfAbsent) return false;
      const created = await updateIf(id, {
        set: 'SET #map = :map',
        condition: 'attribute_exists(pk) AND attribute_not_exists(#map)',
        names: { '#map': attribute },
        values: { ':map': { [key]: value } },
      });
      if (created) return true;
      // Someone else created the map meanwhile: set the entry in it.
      mapExists = true;
    }
    throw new Error(`Could not record ${attribute}.${key} on request ${id}`);
  },

  /** The approvals channel's message for the request (Slack), kept as soon as Slack answers. */
  async setSlackMessage(id: string, ref: { channel: string; ts: string }): Promise<void> {
    await updateIf(id, { set: 'SET #slackMessage = :ref', condition: 'attribute_exists(pk)', names: { '#slackMessage': 'slackMessage' }, values: { ':ref': ref } });
  },

  async saveTaskToken(id: string, taskToken: string): Promise<void> {
    await dynamodb.put({ TableName: tableName(), Item: { pk: `REQ#${id}`, sk: 'TASK_TOKEN', taskToken } });
  },

  async taskToken(id: string): Promise<string | undefined> {
    const { Item } = await dynamodb.get({ TableName: tableName(), Key: { pk: `REQ#${id}`, sk: 'TASK_TOKEN' }, ConsistentRead: true });
    return typeof Item?.taskToken === 'string' ? Item.taskToken : undefined;
  },

  async putLinks(links: LinkItem[]): Promise<void> {
    for (let start = 0; start < links.length; start += 25) {
      const batch = links.slice(start, start + 25).map((link) => ({
        PutRequest: { Item: { pk: `LINK#${link.hash}`, sk: 'LINK', ttl: link.expiresAt, ...link } },
      }));
      await writeUntilProcessed<{ PutRequest: { Item: Item } }>(batch, async (pending) => {
        const unprocessed = await dynamodb.batchPut({ [tableName()]: pending });
        return unprocessed[tableName()];
      });
    }
  },

  async link(hash: string): Promise<LinkItem | undefined> {
    const { Item } = await dynamodb.get({ TableName: tableName(), Key: { pk: `LINK#${hash}`, sk: 'LINK' }, ConsistentRead: true });
    if (!Item) return undefined;
    const { pk: _pk, sk: _sk, ttl: _ttl, ...link } = Item;
    return link as unknown as LinkItem;
  },

  /** Marks a link used; false if it was used already (a double click, a replay). */
  useLink(hash: string, usedAt: string, decision: Decision['decision']): Promise<boolean> {
    return conditionHeld(
      dynamodb.update({
        TableName: tableName(),
        Key: { pk: `LINK#${hash}`, sk: 'LINK' },
        UpdateExpression: 'SET usedAt = :at, decision = :decision',
        ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(usedAt)',
        ExpressionAttributeValues: { ':at': usedAt, ':decision': decision },
      }),
    );
  },

  /**
   * The request an Idempotency-Key is bound to, and the fingerprint of the body it was first sent with; none
   * once the binding has expired (TTL deletes lazily, within days).
   */
  async idempotencyBinding(requester: string, key: string): Promise<IdempotencyBinding | undefined> {
    const { Item } = await dynamodb.get({ TableName: tableName(), Key: { pk: `IDEM#${requester}#${key}`, sk: 'IDEMPOTENCY' }, ConsistentRead: true });
    if (typeof Item?.ttl === 'number' && Item.ttl <= Math.floor(Date.now() / 1000)) return undefined;
    if (typeof Item?.requestId !== 'string') return undefined;
    return { requestId: Item.requestId, ...(typeof Item.bodyHash === 'string' ? { bodyHash: Item.bodyHash } : {}) };
  },

  /** Binds an Idempotency-Key to a request id and body; returns the binding that holds (ours, or the winner's). */
  async bindIdempotencyKey(requester: string, key: string, binding: Required<IdempotencyBinding>, expiresAt: number): Promise<IdempotencyBinding> {
    const bound = await conditionHeld(
      dynamodb.put({
        TableName: tableName(),
        Item: { pk: `IDEM#${requester}#${key}`, sk: 'IDEMPOTENCY', ...binding, ttl: expiresAt },
        // An expired binding may still be there (TTL deletes lazily): it no longer counts.
        ConditionExpression: 'attribute_not_exists(pk) OR #ttl <= :now',
        ExpressionAttributeNames: { '#ttl': 'ttl' },
        ExpressionAttributeValues: { ':now': Math.floor(Date.now() / 1000) },
      }),
    );
    return bound ? binding : ((await this.idempotencyBinding(requester, key)) ?? binding);
  },

  /** Unbinds an Idempotency-Key, if it is still bound to this request. */
  async releaseIdempotencyKey(requester: string, key: string, requestId: string): Promise<void> {
    await deleteIfFor({ pk: `IDEM#${requester}#${key}`, sk: 'IDEMPOTENCY' }, requestId);
  },

  /** Claims "the open request" for a requester and target; fails with the id of the one already open. */
  async claimOpen(requester: string, targetKey: string, requestId: string): Promise<OpenClaim> {
    const claimed = await conditionHeld(
      dynamodb.put({
        TableName: tableName(),
        Item: { pk: `OPEN#${requester}#${targetKey}`, sk: 'OPEN', requestId },
        ConditionExpression: 'attribute_not_exists(pk) OR requestId = :id',
        ExpressionAttributeValues: { ':id': requestId },
      }),
    );
    if (claimed) return { ok: true };
    const { Item } = await dynamodb.get({ TableName: tableName(), Key: { pk: `OPEN#${requester}#${targetKey}`, sk: 'OPEN' }, ConsistentRead: true });
    return { ok: false, existingId: String(Item?.requestId ?? 'unknown') };
  },

  /**
   * Moves "the open request" from a request that is final (its workflow ended before releasing the slot)
   * to a new one; false when the slot changed meanwhile.
   */
  takeOverOpen(requester: string, targetKey: string, fromId: string, toId: string): Promise<boolean> {
    return conditionHeld(
      dynamodb.put({
        TableName: tableName(),
        Item: { pk: `OPEN#${requester}#${targetKey}`, sk: 'OPEN', requestId: toId },
        ConditionExpression: 'requestId = :from',
        ExpressionAttributeValues: { ':from': fromId },
      }),
    );
  },

  async releaseOpen(requester: string, targetKey: string, requestId: string): Promise<void> {
    await deleteIfFor({ pk: `OPEN#${requester}#${targetKey}`, sk: 'OPEN' }, requestId);
  },

  async grantRecord(key: string): Promise<GrantRecord | undefined> {
    const { Item } = await dynamodb.get({ TableName: tableName(), Key: grantKey(key), ConsistentRead: true });
    return Item ? toGrantRecord(Item) : undefined;
  },

  /** Every grant record, or those of one scope (a managed group, a cache security group): all pages. */
  async grantRecords(scope?: string): Promise<GrantRecord[]> {
    const items = await queryAll({
      KeyConditionExpression: scope === undefined ? '#key = :grant' : '#key = :grant AND begins_with(#list, :scope)',
      ExpressionAttributeNames: { '#key': 'statusKey', ...(scope === undefined ? {} : { '#list': 'listKey' }) },
      ExpressionAttributeValues: { ':grant': GRANT_INDEX_KEY, ...(scope === undefined ? {} : { ':scope': `${scope}#` }) },
    });
    return items.map(toGrantRecord);
  },

  /**
   * Writes a grant record: a new one (expectVersion 0: none may exist), or a change to the version read.
   * False when someone else changed it first; the caller re-reads and decides again.
   */
  putGrantRecord(record: Omit<GrantRecord, 'version' | 'updatedAt'>, expectVersion: number, now: Date): Promise<boolean> {
    return putVersioned({ ...grantKey(record.key), statusKey: GRANT_INDEX_KEY, listKey: grantListKey(record), ...record }, expectVersion, now);
  },

  /** Removes a grant record once its grant is gone, if nobody changed it since `expectVersion`. */
  deleteGrantRecord(key: string, expectVersion: number): Promise<boolean> {
    return conditionHeld(
      dynamodb.delete({
        TableName: tableName(),
        Key: grantKey(key),
        ConditionExpression: '#version = :version',
        ExpressionAttributeNames: { '#version': 'version' },
        ExpressionAttributeValues: { ':version': expectVersion },
      }),
    );
  },

  /** A managed group's rule slot ledger; version 0 and no slots when none was written yet. */
  async slotLedger(group: string): Promise<SlotLedger> {
    const { Item } = await dynamodb.get({ TableName: tableName(), Key: slotsKey(group), ConsistentRead: true });
    if (!Item) return { group, slots: {}, version: 0 };
    return { group, slots: (Item.slots ?? {}) as SlotLedger['slots'], version: Number(Item.version) };
  },

  /** Writes a slot ledger on the version read (0: none may exist); false when someone else wrote it first. */
  putSlotLedger(group: string, slots: SlotLedger['slots'], expectVersion: number, now: Date): Promise<boolean> {
    return putVersioned({ ...slotsKey(group), slots }, expectVersion, now);
  },

  /** Every request in a status (the reconciler's view of what should be in AWS): all pages, oldest first. */
  async allInStatus(status: RequestStatus): Promise<AccessRequestRecord[]> {
    const items = await queryAll({ KeyConditionExpression: '#key = :status', ExpressionAttributeNames: { '#key': 'statusKey' }, ExpressionAttributeValues: { ':status': status } });
    return items.map((item) => toRecord(item) as AccessRequestRecord);
  },

  /** The oldest request in a status (the index sorts by creation time), or undefined. */
  async oldestInStatus(status: RequestStatus): Promise<AccessRequestRecord | undefined> {
    const { Items } = await dynamodb.query({
      TableName: tableName(),
      IndexName: TABLE_INDEXES.byStatus,
      KeyConditionExpression: '#key = :status',
      ExpressionAttributeNames: { '#key': 'statusKey' },
      ExpressionAttributeValues: { ':status': status },
      ScanIndexForward: true,
      Limit: 1,
    });
    return toRecord(Items?.[0]);
  },

  /**
   * One page of an index, newest first: by requester, or by status. `cursorAfter(i)` resumes right after
   * `items[i]` (a caller that filters can stop anywhere in the page); `cursor` resumes after everything read,
   * and is absent once the index has no more.
   */
  async list(query: ListQuery, page: { limit: number; cursor?: string }): Promise<RequestPage> {
    const index = indexOf(query);
    const { Items, LastEvaluatedKey } = await dynamodb.query({
      TableName: tableName(),
      IndexName: index.name,
      KeyConditionExpression: '#key = :value',
      ExpressionAttributeNames: { '#key': index.hashKey },
      ExpressionAttributeValues: { ':value': index.value },
      ScanIndexForward: false,
      Limit: page.limit,
      ...(page.cursor !== undefined ? { ExclusiveStartKey: decodeCursor(index, page.cursor) } : {}),
    });
    const items = (Items ?? []).map((item) => toRecord(item) as AccessRequestRecord);
    return {
      items,
      cursorAfter: (position) => encodeCursor(index, items[position] as AccessRequestRecord),
      ...(LastEvaluatedKey ? { cursor: Buffer.from(JSON.stringify(LastEvaluatedKey)).toString('base64url') } : {}),
    };
  },

  /**
   * Every request matching the filter, newest first, from the narrowest index (requester, status, or all by
   * time) with the time range on the sort key and the other filters applied by DynamoDB. A filtered page may
   * hold fewer than `limit` items; it reads on (at most 5 queries) before handing back a cursor.
   */
  async audit(filter: AuditFilter, page: { limit: number; cursor?: string }): Promise<{ items: AccessRequestRecord[]; cursor?: string }> {
    const names: Record<string, string> = { '#key': 'listKey' };
    const values: Record<string, unknown> = {};
    let index: string;
    let partition: string;
    if (filter.requester) [index, partition] = [TABLE_INDEXES.byRequester, filter.requester];
    else if (filter.status) [index, partition] = [TABLE_INDEXES.byStatus, filter.status];
    else [index, partition] = [TABLE_INDEXES.byTime, 'REQUEST'];
    names['#partition'] = index === TABLE_INDEXES.byRequester ? 'requesterKey' : index === TABLE_INDEXES.byStatus ? 'statusKey' : 'sk';
    values[':partition'] = partition;
    // listKey is "<createdAt>#<id>": "~" sorts after every id character, so `to` includes its own instant.
    values[':from'] = filter.from ?? '0';
    values[':to'] = `${filter.to ?? '9999'}~`;
    const filters: string[] = [];
    if (filter.status && index !== TABLE_INDEXES.byStatus) {
      names['#status'] = 'status';
      values[':status'] = filter.status;
      filters.push('#status = :status');
    }
    if (filter.policyKey) {
      names['#policyKey'] = 'policyKey';
      values[':policyKey'] = filter.policyKey;
      filters.push('#policyKey = :policyKey');
    }
    const items: AccessRequestRecord[] = [];
    let startKey: Record<string, unknown> | undefined = page.cursor !== undefined ? decodeAuditCursor(page.cursor) : undefined;
    for (let query = 0; query < 5 && items.length < page.limit; query++) {
      const { Items, LastEvaluatedKey } = await dynamodb.query({
        TableName: tableName(),
        IndexName: index,
        KeyConditionExpression: '#partition = :partition AND #key BETWEEN :from AND :to',
        ...(filters.length > 0 ? { FilterExpression: filters.join(' AND ') } : {}),
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ScanIndexForward: false,
        Limit: page.limit - items.length,
        ExclusiveStartKey: startKey,
      });
      items.push(...(Items ?? []).map((item) => toRecord(item) as AccessRequestRecord));
      startKey = LastEvaluatedKey;
      if (!startKey) break;
    }
    return { items, ...(startKey ? { cursor: Buffer.from(JSON.stringify(startKey)).toString('base64url') } : {}) };
  },
};
