/**
 * DynamoDB for the local stack: dynalite (a real DynamoDB API server, in memory) with cachegate's table,
 * behind a thin proxy that does what dynalite does not:
 *   - checks each call against the caller's role (the table's or index's ARN per action; every table of a
 *     batch; every item of a transaction under its own action);
 *   - rejects an empty string or binary as a secondary index key, as DynamoDB does (dynalite stores it).
 * Items past their TTL are not removed: DynamoDB deletes them lazily (within days), so code that relies on
 * TTL must filter on read (docs/local-stack.md, "DynamoDB").
 */
import { request as httpRequest, createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { TABLE_SCHEMA } from '../functions/adapters/table-schema.js';
import { accessDenied, LocalIam } from './iam/access.js';
import { readBody } from './http-gateway.js';

export interface LocalDynamo {
  url: string;
  close(): Promise<void>;
}

type AttributeValue = Record<string, unknown>;
type Body = Record<string, unknown> & { TableName?: string; IndexName?: string };

interface AccessCheck {
  action: string;
  table: string;
  index?: string;
}

/** What the call touches, as IAM sees it: one (action, table[, index]) per part. */
function accessChecks(operation: string, body: Body): AccessCheck[] {
  const action = `dynamodb:${operation}`;
  if (operation === 'BatchWriteItem' || operation === 'BatchGetItem') {
    return Object.keys((body.RequestItems ?? {}) as object).map((table) => ({ action, table }));
  }
  if (operation === 'TransactWriteItems' || operation === 'TransactGetItems') {
    const actions: Record<string, string> = { Put: 'PutItem', Update: 'UpdateItem', Delete: 'DeleteItem', ConditionCheck: 'ConditionCheckItem', Get: 'GetItem' };
    return ((body.TransactItems ?? []) as Record<string, { TableName: string }>[]).flatMap((item) =>
      Object.entries(item).map(([kind, part]) => ({ action: `dynamodb:${actions[kind] ?? kind}`, table: part.TableName })),
    );
  }
  return [{ action, table: body.TableName ?? '', ...(body.IndexName ? { index: body.IndexName } : {}) }];
}

/** Items written whole, and SET assignments of updates, checked against the index keys. */
function emptyIndexKey(operation: string, body: Body, indexKeys: Record<string, string>): string | undefined {
  const empty = (value: AttributeValue | undefined): boolean => value !== undefined && (value.S === '' || value.B === '');
  const items: AttributeValue[] = [];
  if (operation === 'PutItem') items.push(body.Item as AttributeValue);
  if (operation === 'BatchWriteItem') {
    for (const requests of Object.values((body.RequestItems ?? {}) as Record<string, { PutRequest?: { Item: AttributeValue } }[]>)) {
      for (const r of requests) if (r.PutRequest) items.push(r.PutRequest.Item);
    }
  }
  if (operation === 'TransactWriteItems') {
    for (const item of (body.TransactItems ?? []) as { Put?: { Item: AttributeValue } }[]) if (item.Put) items.push(item.Put.Item);
  }
  const updates: { name: string; value: AttributeValue | undefined }[] = [];
  if (operation === 'UpdateItem' && typeof body.UpdateExpression === 'string') {
    const names = (body.ExpressionAttributeNames ?? {}) as Record<string, string>;
    const values = (body.ExpressionAttributeValues ?? {}) as Record<string, AttributeValue>;
    for (const match of body.UpdateExpression.matchAll(/([#\w]+)\s*=\s*(:\w+)/g)) {
      const [, path = '', placeholder = ''] = match;
      updates.push({ name: names[path] ?? path, value: values[placeholder] });
    }
  }
  for (const [attribute, index] of Object.entries(indexKeys)) {
    if (items.some((item) => empty(item[attribute] as AttributeValue | undefined)) || updates.some((u) => u.name === attribute && empty(u.value))) {
      return `One or more parameter values are not valid. A value specified for a secondary index key is not supported. The AttributeValue for a key attribute cannot contain an empty string value. IndexName: ${index}, IndexKey: ${attribute}`;
    }
  }
  return undefined;
}

function answer(res: ServerResponse, status: number, headers: Record<string, string>, body: string): void {
  res.writeHead(status, headers);
  res.end(body);
}

/** `iam`: the stack's IAM gate (without one, every caller is the operator: store tests drive the adapter directly). */
export async function startDynamo(tableName: string, iam: LocalIam = new LocalIam('us-east-1', '000000000000')): Promise<LocalDynamo> {
  const backend = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', () => resolve()));
  const backendPort = (backend.address() as AddressInfo).port;
  const client = new DynamoDBClient({ region: iam.region, endpoint: `http://127.0.0.1:${backendPort}`, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [...TABLE_SCHEMA.AttributeDefinitions],
      KeySchema: [...TABLE_SCHEMA.KeySchema],
      GlobalSecondaryIndexes: TABLE_SCHEMA.GlobalSecondaryIndexes.map((index) => ({ ...index, KeySchema: [...index.KeySchema] })),
    }),
  );
  client.destroy();
  const indexKeys: Record<string, string> = {};
  for (const index of TABLE_SCHEMA.GlobalSecondaryIndexes) for (const key of index.KeySchema) indexKeys[key.AttributeName] = index.IndexName;

  const proxy: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const raw = await readBody(req);
      const operation = String(req.headers['x-amz-target'] ?? '').replace(/^DynamoDB_20120810\./, '');
      const body = JSON.parse(raw.toString('utf8') || '{}') as Body;
      const arn = (table: string): string => `arn:aws:dynamodb:${iam.region}:${iam.account}:table/${table}`;
      for (const check of accessChecks(operation, body)) {
        const decision = iam.check(req.headers, { action: check.action, resources: [check.index ? `${arn(check.table)}/index/${check.index}` : arn(check.table)] });
        if (!decision.allowed) {
          const denied = accessDenied.awsJson(decision.message, 'com.amazonaws.dynamodb.v20120810');
          answer(res, denied.status, denied.headers, denied.body);
          return;
        }
      }
      const invalid = emptyIndexKey(operation, body, indexKeys);
      if (invalid) {
        answer(res, 400, { 'Content-Type': 'application/x-amz-json-1.0' }, JSON.stringify({ __type: 'com.amazon.coral.validate#ValidationException', message: invalid }));
        return;
      }
      const forwarded = httpRequest({ host: '127.0.0.1', port: backendPort, method: req.method, path: req.url, headers: req.headers }, (reply) => {
        res.writeHead(reply.statusCode ?? 500, reply.headers);
        reply.pipe(res);
      });
      forwarded.on('error', (error) => answer(res, 500, { 'Content-Type': 'application/x-amz-json-1.0' }, JSON.stringify({ __type: 'InternalServerError', message: error.message })));
      forwarded.end(raw);
    })();
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', () => resolve()));
  return {
    url: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
    close: async () => {
      await new Promise<void>((resolve) => {
        proxy.closeAllConnections();
        proxy.close(() => resolve());
      });
      await new Promise<void>((resolve) => backend.close(() => resolve()));
    },
  };
}
