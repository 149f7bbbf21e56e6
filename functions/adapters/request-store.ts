/**
 * The DynamoDB store: one table, items keyed by `pk`/`sk`.
 *   REQ#<id> / REQUEST       the request (indexes: byRequester, byStatus, newest first)
 *   REQ#<id> / TASK_TOKEN    the Step Functions task token, kept apart so no read of a request returns it
 *   REQ#<id> / DELIVERED#<key>   a notification delivered (deliveryKey), so a repeat is not sent; TTL 30 days
 *   LINK#<sha256> / LINK     an approval link (hash only), single-use, TTL at expiry
 *   IDEM#<requester>#<key> / IDEMPOTENCY   Idempotency-Key → request id, TTL 24 h
 *   OPEN#<requester>#<target> / OPEN        the one open (pending or active) request per requester and target
 *   GRANT#<target key> / GRANT   the grant record: which requests hold one grant in AWS (domain/grant-record.ts)
 * No transactions (the local store, dynalite, has none): writes are ordered and conditional so that a
 * crash between two of them leaves nothing a retry cannot finish.
 */
import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { awsConfig, storeConfig } from '../config.js';
import type { RequestStatus } from '../domain/access-request.js';
import type { GrantRecord } from '../domain/grant-record.js';
import type { AccessRequestRecord, Decision, HistoryEvent } from '../domain/request-lifecycle.js';
import { writeUntilProcessed } from './batch-retry.js';
import { TABLE_INDEXES } from './table-schema.js';


const { region, endpoints } = awsConfig();
const documents = DynamoDBDocumentClient.from(new DynamoDBClient({ region, endpoint: endpoints.dynamodb }), {
  marshallOptions: { removeUndefinedValues: true },
});
const tableName = (): string => storeConfig().tableName;

/** Delivery marks outlive any retry of their notification (hours) by far. */
const DELIVERY_MARK_TTL_SECONDS = 30 * 24 * 60 * 60;

const requestKey = (id: string) => ({ pk: `REQ#${id}`, sk: 'REQUEST' });
const grantKey = (key: string) => ({ pk: `GRANT#${key}`, sk: 'GRANT' });
const sortKey = (record: Pick<AccessRequestRecord, 'createdAt' | 'id'>): string => `${record.createdAt}#${record.id}`;

function isConditionFailure(error: unknown): boolean {
  return error instanceof ConditionalCheckFailedException || (error as Error | undefined)?.name === 'ConditionalCheckFailedException';
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

function decodeCursor(index: IndexChoice, cursor: string): Record<string, string> {
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursor('not JSON');
  }
  const fields = key && typeof key === 'object' && !Array.isArray(key) ? (key as Record<string, unknown>) : {};
  const names = Object.keys(fields).sort();
  const valid =
    names.join(',') === ['listKey', 'pk', 'sk', index.hashKey].sort().join(',') &&
    Object.values(fields).every((value) => typeof value === 'string') &&
    /^REQ#[0-9a-f-]{36}$/.test(fields.pk as string) &&
    fields.sk === 'REQUEST' &&
    fields[index.hashKey] === index.value &&
    /^\d{4}-\d{2}-\d{2}T[\d:.]+Z#[0-9a-f-]{36}$/.test(fields.listKey as string);
  if (!valid) throw new InvalidCursor('not a key of this list');
  return fields as Record<string, string>;
}

export interface IdempotencyBinding {
  requestId: string;
  /** Absent on bindings written before bodies were fingerprinted. */
  bodyHash?: string;
}

export type OpenClaim = { ok: true } | { ok: false; existingId: string };

/** Deletes an item that points at a request, if it still points at this one (else it is someone else's now). */
async function deleteIfFor(key: { pk: string; sk: string }, requestId: string): Promise<void> {
  try {
    await documents.send(new DeleteCommand({ TableName: tableName(), Key: key, ConditionExpression: 'requestId = :id', ExpressionAttributeValues: { ':id': requestId } }));
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
  }
}

export const requestStore = {
  async get(id: string): Promise<AccessRequestRecord | undefined> {
    const { Item } = await documents.send(new GetCommand({ TableName: tableName(), Key: requestKey(id), ConsistentRead: true }));
    return toRecord(Item);
  },

  async create(record: AccessRequestRecord): Promise<void> {
    await documents.send(
      new PutCommand({
        TableName: tableName(),
        Item: { ...requestKey(record.id), requesterKey: record.requester, statusKey: record.status, listKey: sortKey(record), ...record, version: 1 },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
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
      const { Attributes } = await documents.send(
        new UpdateCommand({
          TableName: tableName(),
          Key: requestKey(id),
          UpdateExpression: `SET ${sets.join(', ')} ADD #version :one`,
          ConditionExpression: condition,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return toRecord(Attributes);
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  },

  /** Whether a notification (by its delivery key) was already delivered for this request. */
  async wasDelivered(id: string, key: string): Promise<boolean> {
    const { Item } = await documents.send(
      new GetCommand({ TableName: tableName(), Key: { pk: `REQ#${id}`, sk: `DELIVERED#${key}` }, ConsistentRead: true, ProjectionExpression: 'pk' }),
    );
    return Item !== undefined;
  },

  /** Remembers a delivered notification, so a job queued or received again is not sent again. */
  async markDelivered(id: string, key: string, at: Date): Promise<void> {
    const ttl = Math.floor(at.getTime() / 1000) + DELIVERY_MARK_TTL_SECONDS;
    await documents.send(new PutCommand({ TableName: tableName(), Item: { pk: `REQ#${id}`, sk: `DELIVERED#${key}`, at: at.toISOString(), ttl } }));
  },

  async saveTaskToken(id: string, taskToken: string): Promise<void> {
    await documents.send(new PutCommand({ TableName: tableName(), Item: { pk: `REQ#${id}`, sk: 'TASK_TOKEN', taskToken } }));
  },

  async taskToken(id: string): Promise<string | undefined> {
    const { Item } = await documents.send(new GetCommand({ TableName: tableName(), Key: { pk: `REQ#${id}`, sk: 'TASK_TOKEN' }, ConsistentRead: true }));
    return typeof Item?.taskToken === 'string' ? Item.taskToken : undefined;
  },

  async putLinks(links: LinkItem[]): Promise<void> {
    for (let start = 0; start < links.length; start += 25) {
      const batch = links.slice(start, start + 25).map((link) => ({
        PutRequest: { Item: { pk: `LINK#${link.hash}`, sk: 'LINK', ttl: link.expiresAt, ...link } },
      }));
      await writeUntilProcessed<Record<string, unknown>>(batch, async (pending) => {
        const { UnprocessedItems } = await documents.send(new BatchWriteCommand({ RequestItems: { [tableName()]: pending } }));
        return UnprocessedItems?.[tableName()] as Record<string, unknown>[] | undefined;
      });
    }
  },

  async link(hash: string): Promise<LinkItem | undefined> {
    const { Item } = await documents.send(new GetCommand({ TableName: tableName(), Key: { pk: `LINK#${hash}`, sk: 'LINK' }, ConsistentRead: true }));
    if (!Item) return undefined;
    const { pk: _pk, sk: _sk, ttl: _ttl, ...link } = Item;
    return link as LinkItem;
  },

  /** Marks a link used; false if it was used already (a double click, a replay). */
  async useLink(hash: string, usedAt: string, decision: Decision['decision']): Promise<boolean> {
    try {
      await documents.send(
        new UpdateCommand({
          TableName: tableName(),
          Key: { pk: `LINK#${hash}`, sk: 'LINK' },
          UpdateExpression: 'SET usedAt = :at, decision = :decision',
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(usedAt)',
          ExpressionAttributeValues: { ':at': usedAt, ':decision': decision },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  },

  /**
   * The request an Idempotency-Key is bound to, and the fingerprint of the body it was first sent with; none
   * once the binding has expired (TTL deletes lazily, within days).
   */
  async idempotencyBinding(requester: string, key: string): Promise<IdempotencyBinding | undefined> {
    const { Item } = await documents.send(
      new GetCommand({ TableName: tableName(), Key: { pk: `IDEM#${requester}#${key}`, sk: 'IDEMPOTENCY' }, ConsistentRead: true }),
    );
    if (typeof Item?.ttl === 'number' && Item.ttl <= Math.floor(Date.now() / 1000)) return undefined;
    if (typeof Item?.requestId !== 'string') return undefined;
    return { requestId: Item.requestId, ...(typeof Item.bodyHash === 'string' ? { bodyHash: Item.bodyHash } : {}) };
  },

  /** Binds an Idempotency-Key to a request id and body; returns the binding that holds (ours, or the winner's). */
  async bindIdempotencyKey(requester: string, key: string, binding: Required<IdempotencyBinding>, expiresAt: number): Promise<IdempotencyBinding> {
    try {
      await documents.send(
        new PutCommand({
          TableName: tableName(),
          Item: { pk: `IDEM#${requester}#${key}`, sk: 'IDEMPOTENCY', ...binding, ttl: expiresAt },
          // An expired binding may still be there (TTL deletes lazily): it no longer counts.
          ConditionExpression: 'attribute_not_exists(pk) OR #ttl <= :now',
          ExpressionAttributeNames: { '#ttl': 'ttl' },
          ExpressionAttributeValues: { ':now': Math.floor(Date.now() / 1000) },
        }),
      );
      return binding;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      return (await this.idempotencyBinding(requester, key)) ?? binding;
    }
  },

  /** Unbinds an Idempotency-Key, if it is still bound to this request. */
  async releaseIdempotencyKey(requester: string, key: string, requestId: string): Promise<void> {
    await deleteIfFor({ pk: `IDEM#${requester}#${key}`, sk: 'IDEMPOTENCY' }, requestId);
  },

  /** Claims "the open request" for a requester and target; fails with the id of the one already open. */
  async claimOpen(requester: string, targetKey: string, requestId: string): Promise<OpenClaim> {
    try {
      await documents.send(
        new PutCommand({
          TableName: tableName(),
          Item: { pk: `OPEN#${requester}#${targetKey}`, sk: 'OPEN', requestId },
          ConditionExpression: 'attribute_not_exists(pk) OR requestId = :id',
          ExpressionAttributeValues: { ':id': requestId },
        }),
      );
      return { ok: true };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const { Item } = await documents.send(
        new GetCommand({ TableName: tableName(), Key: { pk: `OPEN#${requester}#${targetKey}`, sk: 'OPEN' }, ConsistentRead: true }),
      );
      return { ok: false, existingId: String(Item?.requestId ?? 'unknown') };
    }
  },

  async releaseOpen(requester: string, targetKey: string, requestId: string): Promise<void> {
    await deleteIfFor({ pk: `OPEN#${requester}#${targetKey}`, sk: 'OPEN' }, requestId);
  },

  async grantRecord(key: string): Promise<GrantRecord | undefined> {
    const { Item } = await documents.send(new GetCommand({ TableName: tableName(), Key: grantKey(key), ConsistentRead: true }));
    if (!Item) return undefined;
    const { pk: _pk, sk: _sk, ...record } = Item;
    return record as GrantRecord;
  },

  /**
   * Writes a grant record: a new one (expectVersion 0: none may exist), or a change to the version read.
   * False when someone else changed it first; the caller re-reads and decides again.
   */
  async putGrantRecord(record: Omit<GrantRecord, 'version' | 'updatedAt'>, expectVersion: number, now: Date): Promise<boolean> {
    try {
      await documents.send(
        new PutCommand({
          TableName: tableName(),
          Item: { ...grantKey(record.key), ...record, version: expectVersion + 1, updatedAt: now.toISOString() },
          ConditionExpression: expectVersion === 0 ? 'attribute_not_exists(pk)' : '#version = :version',
          ...(expectVersion === 0 ? {} : { ExpressionAttributeNames: { '#version': 'version' }, ExpressionAttributeValues: { ':version': expectVersion } }),
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  },

  /** Removes a grant record once its grant is gone, if nobody changed it since `expectVersion`. */
  async deleteGrantRecord(key: string, expectVersion: number): Promise<boolean> {
    try {
      await documents.send(
        new DeleteCommand({
          TableName: tableName(),
          Key: grantKey(key),
          ConditionExpression: '#version = :version',
          ExpressionAttributeNames: { '#version': 'version' },
          ExpressionAttributeValues: { ':version': expectVersion },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  },

  /**
   * One page of an index, newest first: by requester, or by status. `cursorAfter(i)` resumes right after
   * `items[i]` (a caller that filters can stop anywhere in the page); `cursor` resumes after everything read,
   * and is absent once the index has no more.
   */
  async list(query: ListQuery, page: { limit: number; cursor?: string }): Promise<RequestPage> {
    const index = indexOf(query);
    const { Items, LastEvaluatedKey } = await documents.send(
      new QueryCommand({
        TableName: tableName(),
        IndexName: index.name,
        KeyConditionExpression: '#key = :value',
        ExpressionAttributeNames: { '#key': index.hashKey },
        ExpressionAttributeValues: { ':value': index.value },
        ScanIndexForward: false,
        Limit: page.limit,
        ...(page.cursor !== undefined ? { ExclusiveStartKey: decodeCursor(index, page.cursor) } : {}),
      }),
    );
    const items = (Items ?? []).map((item) => toRecord(item) as AccessRequestRecord);
    return {
      items,
      cursorAfter: (position) => encodeCursor(index, items[position] as AccessRequestRecord),
      ...(LastEvaluatedKey ? { cursor: Buffer.from(JSON.stringify(LastEvaluatedKey)).toString('base64url') } : {}),
    };
  },
};
