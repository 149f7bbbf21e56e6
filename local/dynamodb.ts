/** dynalite (a real DynamoDB API server, in memory) on loopback, with cachegate's table created. */
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { TABLE_SCHEMA } from '../functions/adapters/table-schema.js';

export interface LocalDynamo {
  url: string;
  close(): Promise<void>;
}

export async function startDynamo(tableName: string): Promise<LocalDynamo> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new DynamoDBClient({ region: 'us-east-1', endpoint: url, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
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
  return { url, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
