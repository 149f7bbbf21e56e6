/**
 * The signed DynamoDB calls that replace @aws-sdk/client-dynamodb and lib-dynamodb in the functions
 * (functions/adapters/dynamodb-call.ts): each operation the store makes sends what the DocumentClient, set
 * up as the store had it (removeUndefinedValues), sends for the same input (method, path, protocol headers,
 * body, SigV4 scope), so items are stored as before, and reads give back the same plain values. Errors
 * arrive named by their code; throttling and the server's failures are retried, a failed condition is not.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { dynamodb } from '../../../functions/adapters/dynamodb-call.js';
import { awsStandIn, expectSameRequest, type AwsStandIn, type Received } from '../../support/aws-stand-in.js';

const CREDENTIALS = { AWS_ACCESS_KEY_ID: 'ASIADYNAMOTEST', AWS_SECRET_ACCESS_KEY: 'dynamo-test-key', AWS_SESSION_TOKEN: 'dynamo-test-session' };
const TABLE = 'cachegate-test-requests';

/** An item on the wire with every type the store's items hold (and a string set, which it does not write). */
const WIRE_ITEM = {
  pk: { S: 'REQ#1' },
  sk: { S: 'REQUEST' },
  version: { N: '3' },
  ratio: { N: '1.5' },
  active: { BOOL: true },
  nothing: { NULL: true },
  empty: { S: '' },
  history: { L: [{ M: { at: { S: '2026-01-01T00:00:00.000Z' }, by: { S: 'alice@example.com' } } }, { N: '7' }] },
  slots: { M: { 'sg-1#tcp': { M: { requests: { L: [{ S: 'r1' }] } } }, none: { M: {} } } },
  tags: { SS: ['a', 'b'] },
};

/** An item as the store writes one: nested and top-level undefined values (removeUndefinedValues drops them), empty containers, unicode. */
const ITEM = {
  pk: 'REQ#1',
  sk: 'REQUEST',
  status: 'PENDING',
  usedAt: undefined,
  version: 1,
  ttl: 1_900_000_000,
  flag: false,
  nothing: null,
  empty: '',
  reason: 'needs access — été 🚀',
  history: [{ at: '2026-01-01T00:00:00.000Z', note: undefined, decision: 'approve' }],
  slotsMap: { 'sg-1#tcp': { requests: ['r1', 'r2'], until: undefined }, other: {} },
  list: [],
};

let stub: AwsStandIn;
let received: Received[];
let queued: AwsStandIn['queued'];
let documents: DynamoDBDocumentClient;
const saved = { ...process.env };

function answer(request: Received): unknown {
  switch (request.headers['x-amz-target']) {
    case 'DynamoDB_20120810.GetItem':
      return (JSON.parse(request.body) as { Key: { pk: { S: string } } }).Key.pk.S === 'REQ#1' ? { Item: WIRE_ITEM } : {};
    case 'DynamoDB_20120810.UpdateItem':
      return { Attributes: WIRE_ITEM };
    case 'DynamoDB_20120810.Query':
      return { Items: [WIRE_ITEM, { pk: { S: 'REQ#2' }, sk: { S: 'REQUEST' } }], Count: 2, ScannedCount: 2, LastEvaluatedKey: { pk: { S: 'REQ#2' }, sk: { S: 'REQUEST' }, statusKey: { S: 'PENDING' } } };
    case 'DynamoDB_20120810.BatchWriteItem':
      return { UnprocessedItems: { [TABLE]: [{ PutRequest: { Item: WIRE_ITEM } }] } };
    default:
      return {};
  }
}

beforeAll(async () => {
  stub = await awsStandIn(answer, 'application/x-amz-json-1.0');
  ({ received, queued } = stub);
  Object.assign(process.env, { ...CREDENTIALS, AWS_REGION: 'eu-west-1', DYNAMODB_ENDPOINT: stub.url });
  // The store's DocumentClient, as it was made before dynamodb-call.ts replaced it.
  const client = new DynamoDBClient({
    region: 'eu-west-1',
    endpoint: stub.url,
    credentials: { accessKeyId: CREDENTIALS.AWS_ACCESS_KEY_ID, secretAccessKey: CREDENTIALS.AWS_SECRET_ACCESS_KEY, sessionToken: CREDENTIALS.AWS_SESSION_TOKEN },
  });
  documents = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
});
afterAll(async () => {
  documents.destroy();
  process.env = saved;
  await stub.close();
});
beforeEach(() => {
  received.length = 0;
  queued.length = 0;
});

/** Our call, then the DocumentClient's for the same input: the same request on the wire. */
function expectSameAsDocumentClient(): void {
  expect(received).toHaveLength(2);
  expectSameRequest(received[0] as Received, received[1] as Received, {
    accessKeyId: CREDENTIALS.AWS_ACCESS_KEY_ID,
    secretAccessKey: CREDENTIALS.AWS_SECRET_ACCESS_KEY,
    region: 'eu-west-1',
    service: 'dynamodb',
  });
}

describe('each operation the store makes, as the DocumentClient makes it', () => {
  it('GetItem (consistent, projected), an item found and none', async () => {
    for (const input of [
      { TableName: TABLE, Key: { pk: 'REQ#1', sk: 'REQUEST' }, ConsistentRead: true },
      { TableName: TABLE, Key: { pk: 'REQ#9', sk: 'DELIVERED#k' }, ConsistentRead: true, ProjectionExpression: 'pk' },
    ]) {
      received.length = 0;
      const ours = await dynamodb.get(input);
      const theirs = await documents.send(new GetCommand(input));
      expectSameAsDocumentClient();
      expect(ours).toEqual(theirs.Item ? { Item: theirs.Item } : {});
    }
    expect((await dynamodb.get({ TableName: TABLE, Key: { pk: 'REQ#1', sk: 'REQUEST' } })).Item).toMatchObject({ version: 3, ratio: 1.5, nothing: null, tags: new Set(['a', 'b']) });
  });

  it('PutItem with a condition, names and values: the item is stored in the same shape', async () => {
    const input = {
      TableName: TABLE,
      Item: ITEM,
      ConditionExpression: 'attribute_not_exists(pk) OR #ttl <= :now',
      ExpressionAttributeNames: { '#ttl': 'ttl' },
      ExpressionAttributeValues: { ':now': 1_800_000_000 },
    };
    await dynamodb.put(input);
    await documents.send(new PutCommand(input));
    expectSameAsDocumentClient();
    expect(JSON.parse((received[0] as Received).body).Item).not.toHaveProperty('usedAt');
  });

  it('UpdateItem returning the new item', async () => {
    const input = {
      TableName: TABLE,
      Key: { pk: 'REQ#1', sk: 'REQUEST' },
      UpdateExpression: 'SET #history = list_append(#history, :history), #map.#key = :value ADD #version :one',
      ConditionExpression: 'attribute_exists(pk) AND #status IN (:expect0, :expect1)',
      ExpressionAttributeNames: { '#history': 'history', '#map': 'slackAttempts', '#key': 'U1', '#version': 'version', '#status': 'status' },
      ExpressionAttributeValues: { ':history': ITEM.history, ':value': { at: 'x', gone: undefined }, ':one': 1, ':expect0': 'PENDING', ':expect1': 'ACTIVE' },
      ReturnValues: 'ALL_NEW' as const,
    };
    const ours = await dynamodb.update(input);
    const theirs = await documents.send(new UpdateCommand(input));
    expectSameAsDocumentClient();
    expect(ours).toEqual({ Attributes: theirs.Attributes });
  });

  it('DeleteItem with a condition', async () => {
    const input = { TableName: TABLE, Key: { pk: 'GRANT#k', sk: 'GRANT' }, ConditionExpression: '#version = :version', ExpressionAttributeNames: { '#version': 'version' }, ExpressionAttributeValues: { ':version': 4 } };
    await dynamodb.delete(input);
    await documents.send(new DeleteCommand(input));
    expectSameAsDocumentClient();
  });

  it('Query of an index, filtered, from a start key: items and the key to go on from', async () => {
    const input = {
      TableName: TABLE,
      IndexName: 'byStatus',
      KeyConditionExpression: '#partition = :partition AND #key BETWEEN :from AND :to',
      FilterExpression: '#policyKey = :policyKey',
      ExpressionAttributeNames: { '#partition': 'statusKey', '#key': 'listKey', '#policyKey': 'policyKey' },
      ExpressionAttributeValues: { ':partition': 'PENDING', ':from': '0', ':to': '9999~', ':policyKey': 'orders-cache' },
      ScanIndexForward: false,
      Limit: 5,
      ExclusiveStartKey: { pk: 'REQ#0', sk: 'REQUEST', statusKey: 'PENDING', listKey: '2026-01-01T00:00:00.000Z#0' },
    };
    const ours = await dynamodb.query(input);
    const theirs = await documents.send(new QueryCommand(input));
    expectSameAsDocumentClient();
    expect(ours).toEqual({ Items: theirs.Items, LastEvaluatedKey: theirs.LastEvaluatedKey });
  });

  it('BatchWriteItem of puts: the unprocessed ones come back as plain items', async () => {
    const puts = [{ PutRequest: { Item: { pk: 'LINK#a', sk: 'LINK', ttl: 1_900_000_000, usedAt: undefined, round: 'r1' } } }, { PutRequest: { Item: ITEM } }];
    const ours = await dynamodb.batchPut({ [TABLE]: puts });
    const theirs = await documents.send(new BatchWriteCommand({ RequestItems: { [TABLE]: puts } }));
    expectSameAsDocumentClient();
    expect(ours).toEqual(theirs.UnprocessedItems);
  });
});

describe('errors', () => {
  const get = () => dynamodb.get({ TableName: TABLE, Key: { pk: 'REQ#1', sk: 'REQUEST' } });
  const error = (type: string, status = 400) => ({ status, body: { __type: type, message: `${type} happened` } });

  it('a failed condition is named by its code, and not retried', async () => {
    queued.push(error('com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException'));
    await expect(dynamodb.put({ TableName: TABLE, Item: ITEM, ConditionExpression: 'attribute_not_exists(pk)' })).rejects.toMatchObject({
      name: 'ConditionalCheckFailedException',
      httpStatus: 400,
    });
    expect(received).toHaveLength(1);
  });

  it.each([
    'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException',
    'com.amazonaws.dynamodb.v20120810#RequestLimitExceeded',
    'com.amazon.coral.availability#ThrottlingException',
  ])('%s is retried (4 attempts, as client-dynamodb)', async (type) => {
    queued.push(error(type), error(type), error(type));
    await expect(get()).resolves.toMatchObject({ Item: { pk: 'REQ#1' } });
    expect(received).toHaveLength(4);
    queued.push(error(type), error(type), error(type), error(type));
    await expect(get()).rejects.toMatchObject({ name: type.split('#')[1] });
    expect(received).toHaveLength(8);
  });

  it('the server’s own failures (5xx) are retried', async () => {
    queued.push(error('com.amazonaws.dynamodb.v20120810#InternalServerError', 500), { status: 503, body: {} });
    await expect(get()).resolves.toMatchObject({ Item: { pk: 'REQ#1' } });
    expect(received).toHaveLength(3);
  });

  it('a request DynamoDB refuses is not retried', async () => {
    queued.push(error('com.amazon.coral.validate#ValidationException'));
    await expect(get()).rejects.toMatchObject({ name: 'ValidationException', message: expect.stringContaining('DynamoDB GetItem: ValidationException') });
    expect(received).toHaveLength(1);
  });
});
