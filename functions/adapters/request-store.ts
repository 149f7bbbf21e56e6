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

export interface RequestPage {
  items: AccessRequestRecord[];
  cursor?: string;
}

export type OpenClaim = { ok: true } | { ok: false; existingId: string };

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
      const batch = links.slice(start, start + 25);
      let pending: Record<string, unknown>[] | undefined = batch.map((link) => ({
        PutRequest: { Item: { pk: `LINK#${link.hash}`, sk: 'LINK', ttl: link.expiresAt, ...link } },
      }));
      for (let attempt = 0; pending && pending.length > 0; attempt++) {
        if (attempt === 5) throw new Error('DynamoDB kept returning unprocessed approval links');
        const { UnprocessedItems } = await documents.send(new BatchWriteCommand({ RequestItems: { [tableName()]: pending } }));
        pending = UnprocessedItems?.[tableName()] as Record<string, unknown>[] | undefined;
      }
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

  async idempotentRequestId(requester: string, key: string): Promise<string | undefined> {
    const { Item } = await documents.send(
      new GetCommand({ TableName: tableName(), Key: { pk: `IDEM#${requester}#${key}`, sk: 'IDEMPOTENCY' }, ConsistentRead: true }),
    );
    return typeof Item?.requestId === 'string' ? Item.requestId : undefined;
  },

  /** Binds an Idempotency-Key to a request id; returns the id it is bound to (ours, or the winner's). */
  async bindIdempotencyKey(requester: string, key: string, requestId: string, expiresAt: number): Promise<string> {
    try {
      await documents.send(
        new PutCommand({
          TableName: tableName(),
          Item: { pk: `IDEM#${requester}#${key}`, sk: 'IDEMPOTENCY', requestId, ttl: expiresAt },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return requestId;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      return (await this.idempotentRequestId(requester, key)) ?? requestId;
    }
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
    try {
      await documents.send(
        new DeleteCommand({
          TableName: tableName(),
          Key: { pk: `OPEN#${requester}#${targetKey}`, sk: 'OPEN' },
          ConditionExpression: 'requestId = :id',
          ExpressionAttributeValues: { ':id': requestId },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
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

  /** Newest first, from an index: by requester, or by status. */
  async list(query: { requester: string } | { status: RequestStatus }, page: { limit: number; cursor?: string }): Promise<RequestPage> {
    const byRequester = 'requester' in query;
    const { Items, LastEvaluatedKey } = await documents.send(
      new QueryCommand({
        TableName: tableName(),
        IndexName: byRequester ? TABLE_INDEXES.byRequester : TABLE_INDEXES.byStatus,
        KeyConditionExpression: '#key = :value',
        ExpressionAttributeNames: { '#key': byRequester ? 'requesterKey' : 'statusKey' },
        ExpressionAttributeValues: { ':value': byRequester ? query.requester : query.status },
        ScanIndexForward: false,
        Limit: page.limit,
        ExclusiveStartKey: page.cursor ? (JSON.parse(Buffer.from(page.cursor, 'base64url').toString('utf8')) as Record<string, unknown>) : undefined,
      }),
    );
    return {
      items: (Items ?? []).map((item) => toRecord(item) as AccessRequestRecord),
      ...(LastEvaluatedKey ? { cursor: Buffer.from(JSON.stringify(LastEvaluatedKey)).toString('base64url') } : {}),
    };
  },
};
