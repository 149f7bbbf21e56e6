/**
 * The DynamoDB operations the store makes (request-store.ts), as signed AWS JSON 1.0 calls
 * (aws-json-call.ts) that take and return plain JavaScript values, as lib-dynamodb's DocumentClient does.
 *
 * Why not @aws-sdk/client-dynamodb with lib-dynamodb: the client's schemas, endpoint rules, protocol and
 * middleware, with the parts of @smithy/core and @aws-sdk/core only it pulled in, were 120-140 KB of every
 * function and the larger part of its init, for six operations. What we own is which members of an input
 * and a reply hold items; the values are marshalled by AWS's own @aws-sdk/util-dynamodb with the option the
 * DocumentClient had (removeUndefinedValues), so items are stored as before. test/integration/aws-json
 * checks each call against what the DocumentClient sends and returns.
 *
 * Wire ("DynamoDB low-level API", https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Programming.LowLevelAPI.html):
 * POST /, application/x-amz-json-1.0, X-Amz-Target DynamoDB_20120810.<Operation>, SigV4 for `dynamodb`.
 * An error is `{"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException","message":…}`
 * ("Error handling with DynamoDB", https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Programming.Errors.html):
 * an AwsJsonError named by the part after `#`.
 */
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { awsJsonService, withRetries } from './aws-json-call.js';

/** An item, a key or expression values: attribute names to plain values (strings, numbers, booleans, lists, maps). */
export type Item = Record<string, unknown>;
/** The same on the wire: attribute names to typed values ({ S: 'x' }, { N: '1' }, { M: … }). */
type WireItem = Parameters<typeof unmarshall>[0];

interface Expressions {
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: Item;
}

interface Conditional extends Expressions {
  ConditionExpression?: string;
}

export interface GetInput {
  TableName: string;
  Key: Item;
  ConsistentRead?: boolean;
  ProjectionExpression?: string;
}

export interface PutInput extends Conditional {
  TableName: string;
  Item: Item;
}

export interface UpdateInput extends Conditional {
  TableName: string;
  Key: Item;
  UpdateExpression: string;
  ReturnValues?: 'ALL_NEW';
}

export interface DeleteInput extends Conditional {
  TableName: string;
  Key: Item;
}

export interface QueryInput extends Expressions {
  TableName: string;
  IndexName?: string;
  KeyConditionExpression: string;
  FilterExpression?: string;
  ScanIndexForward?: boolean;
  Limit?: number;
  ExclusiveStartKey?: Item;
}

/** BatchWriteItem's puts (the store deletes nothing in batches), by table. */
export type BatchPuts<I = Item> = Record<string, { PutRequest: { Item: I } }[]>;

// SigV4 for `dynamodb`, AWS JSON 1.0, the endpoint `dynamodb.<region>.amazonaws.com` (or DYNAMODB_ENDPOINT).
const service = /* @__PURE__ */ awsJsonService('dynamodb', 'DynamoDB_20120810', 'DynamoDB', 'dynamodb', undefined, { jsonVersion: '1.0' });

/** The DocumentClient's setting in the store: an undefined attribute is left out, not an error. */
const toWire = (values: Item): WireItem => marshall(values, { removeUndefinedValues: true });
const fromWire = (values: WireItem): Item => unmarshall(values);
const mapPuts = <From, To>(puts: BatchPuts<From>, convert: (item: From) => To): BatchPuts<To> =>
  Object.fromEntries(Object.entries(puts).map(([table, requests]) => [table, requests.map(({ PutRequest }) => ({ PutRequest: { Item: convert(PutRequest.Item) } }))]));

/** The members of an input that hold items (Key, Item, ExpressionAttributeValues, ExclusiveStartKey), marshalled. */
function wireInput(input: object): object {
  const wire: Record<string, unknown> = { ...input };
  for (const member of ['Key', 'Item', 'ExpressionAttributeValues', 'ExclusiveStartKey']) {
    const values = wire[member] as Item | undefined;
    if (values !== undefined) wire[member] = toWire(values);
  }
  return wire;
}

/**
 * One operation, in 4 attempts as client-dynamodb makes by default, with the other calls' full jitter on
 * 100 ms (the SDK's is 25 ms, and 1 s after throttling; an on-demand table at cachegate's rate is not throttled).
 */
function send<Reply>(operation: string, input: object): Promise<Reply> {
  const body = wireInput(input);
  return withRetries(() => service.call<Reply>(operation, body), 4);
}

export const dynamodb = {
  async get(input: GetInput): Promise<{ Item?: Item }> {
    const { Item } = await send<{ Item?: WireItem }>('GetItem', input);
    return Item ? { Item: fromWire(Item) } : {};
  },

  async put(input: PutInput): Promise<void> {
    await send('PutItem', input);
  },

  async update(input: UpdateInput): Promise<{ Attributes?: Item }> {
    const { Attributes } = await send<{ Attributes?: WireItem }>('UpdateItem', input);
    return Attributes ? { Attributes: fromWire(Attributes) } : {};
  },

  async delete(input: DeleteInput): Promise<void> {
    await send('DeleteItem', input);
  },

  async query(input: QueryInput): Promise<{ Items: Item[]; LastEvaluatedKey?: Item }> {
    const { Items = [], LastEvaluatedKey } = await send<{ Items?: WireItem[]; LastEvaluatedKey?: WireItem }>('Query', input);
    return { Items: Items.map(fromWire), ...(LastEvaluatedKey ? { LastEvaluatedKey: fromWire(LastEvaluatedKey) } : {}) };
  },

  /** One BatchWriteItem of puts; returns the puts DynamoDB left unprocessed (batch-retry.ts retries them). */
  async batchPut(requestItems: BatchPuts): Promise<BatchPuts> {
    const { UnprocessedItems = {} } = await send<{ UnprocessedItems?: BatchPuts<WireItem> }>('BatchWriteItem', { RequestItems: mapPuts(requestItems, toWire) });
    return mapPuts(UnprocessedItems, fromWire);
  },
};
