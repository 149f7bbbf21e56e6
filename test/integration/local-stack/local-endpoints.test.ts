/**
 * What each function gets locally is what it is deployed with: its own instances and environment, and its
 * role checked at every local AWS endpoint, which answers AccessDenied in that service's own shape. And
 * DynamoDB refuses what dynalite alone would take (an empty string as an index key).
 */
import { DynamoDBClient, PutItemCommand, QueryCommand, GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { GetParametersCommand, SSMClient } from '@aws-sdk/client-ssm';
import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { ROOT, startLocalStack, type LocalStack } from '../../../local/stack.js';
import { LOCAL_ONLY_VARIABLES } from '../../../local/lambda/deployed-functions.js';
import { MAX_INSTANCES } from '../../../local/lambda/local-function.js';
import { functionLogicalId, packagedService } from '../../../local/lambda/packaged-service.js';

let stack: LocalStack;

beforeAll(async () => {
  stack = await startLocalStack({ emulator: { propagationDelayMs: 0 } });
});

afterAll(async () => {
  await stack?.stop({ allowViolations: true });
});

/** A function's own credentials and endpoints, as its instances see them. */
function as(functionKey: string): { env: Record<string, string>; client: { region: string; credentials: { accessKeyId: string; secretAccessKey: string } } } {
  const env = stack.functions.get(functionKey)?.runtime.spec.environment ?? {};
  return { env, client: { region: env.AWS_REGION ?? '', credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID ?? '', secretAccessKey: env.AWS_SECRET_ACCESS_KEY ?? '' } } };
}

it('each function has exactly the variables the template gives it, plus only what Lambda or the local stack provides', async () => {
  const { template } = await packagedService(ROOT);
  for (const [key, fn] of stack.functions) {
    const deployed = Object.keys((template.Resources[functionLogicalId(key)]?.Properties?.Environment as { Variables: object }).Variables).sort();
    const local = Object.keys(fn.runtime.spec.environment).filter((name) => !LOCAL_ONLY_VARIABLES.test(name) || name in (template.Resources[functionLogicalId(key)]?.Properties?.Environment as { Variables: object }).Variables);
    expect({ key, variables: local.sort() }).toEqual({ key, variables: deployed });
  }
  expect(as('waitForApproval').env.APPROVAL_POLICY).toBeUndefined();
  expect(as('showApproval').env.SECRETS_SOURCE).toBe('ssm');
});

it('concurrent invocations get instances of their own (one invocation at a time per instance), up to the local cap', async () => {
  const getRequest = stack.functions.get('getRequest');
  const event = { requestContext: { http: { method: 'GET' }, authorizer: { jwt: { claims: { email: 'alice@example.com' } } } }, pathParameters: { id: 'none' }, headers: {} };
  const replies = await Promise.all([1, 2, 3].map(() => stack.invoke('getRequest', event)));
  expect(replies).toHaveLength(3);
  expect(getRequest?.runtime.instanceCount).toBe(MAX_INSTANCES);
});

it('DynamoDB: each call is checked against the role (table vs index), AccessDeniedException in DynamoDB JSON', async () => {
  const tableName = as('getRequest').env.TABLE_NAME ?? '';
  const reader = new DynamoDBClient({ ...as('getRequest').client, endpoint: as('getRequest').env.DYNAMODB_ENDPOINT });
  await expect(reader.send(new GetItemCommand({ TableName: tableName, Key: { pk: { S: 'x' }, sk: { S: 'x' } } }))).resolves.toBeDefined();
  await expect(reader.send(new PutItemCommand({ TableName: tableName, Item: { pk: { S: 'x' }, sk: { S: 'x' } } }))).rejects.toMatchObject({
    name: 'AccessDeniedException',
    message: expect.stringContaining('cachegate-dev-getRequest is not authorized to perform: dynamodb:PutItem on resource: arn:aws:dynamodb:us-east-1:000000000000:table/'),
  });
  const lister = new DynamoDBClient({ ...as('listRequests').client, endpoint: as('listRequests').env.DYNAMODB_ENDPOINT });
  await expect(lister.send(new QueryCommand({ TableName: tableName, IndexName: 'byStatus', KeyConditionExpression: 'statusKey = :s', ExpressionAttributeValues: { ':s': { S: 'x' } } }))).resolves.toBeDefined();
  await expect(lister.send(new QueryCommand({ TableName: tableName, KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': { S: 'x' } } }))).rejects.toMatchObject({ name: 'AccessDeniedException' });
  reader.destroy();
  lister.destroy();
});

it('DynamoDB: the functions’ own signed calls (adapters/dynamodb-call.ts) are checked against the role the same way', async () => {
  const saved = { ...process.env };
  const { env } = as('getRequest');
  // The adapter reads its region, endpoint and credentials from the environment on its first call: getRequest's.
  Object.assign(process.env, Object.fromEntries(Object.entries(env).filter(([name]) => /^AWS_|_ENDPOINT$/.test(name))));
  try {
    const { dynamodb } = await import('../../../functions/adapters/dynamodb-call.js');
    const TableName = env.TABLE_NAME ?? '';
    await expect(dynamodb.get({ TableName, Key: { pk: 'x', sk: 'x' } })).resolves.toEqual({});
    await expect(dynamodb.put({ TableName, Item: { pk: 'x', sk: 'x' } })).rejects.toMatchObject({
      name: 'AccessDeniedException',
      message: expect.stringContaining('cachegate-dev-getRequest is not authorized to perform: dynamodb:PutItem on resource: arn:aws:dynamodb:us-east-1:000000000000:table/'),
    });
  } finally {
    process.env = saved;
  }
});

it('DynamoDB: an empty string as a secondary index key is refused, as DynamoDB does (dynalite would store it)', async () => {
  const writer = new DynamoDBClient({ ...as('createRequest').client, endpoint: as('createRequest').env.DYNAMODB_ENDPOINT });
  const TableName = as('createRequest').env.TABLE_NAME ?? '';
  await expect(writer.send(new PutItemCommand({ TableName, Item: { pk: { S: 'gsi' }, sk: { S: 'gsi' }, statusKey: { S: '' }, listKey: { S: 'x' } } }))).rejects.toMatchObject({
    name: 'ValidationException',
    message: expect.stringMatching(/secondary index key .* empty string value. IndexName: byStatus, IndexKey: statusKey/),
  });
  await expect(
    writer.send(new UpdateItemCommand({ TableName, Key: { pk: { S: 'gsi' }, sk: { S: 'gsi' } }, UpdateExpression: 'SET #k = :v', ExpressionAttributeNames: { '#k': 'requesterKey' }, ExpressionAttributeValues: { ':v': { S: '' } } })),
  ).rejects.toMatchObject({ name: 'ValidationException', message: expect.stringContaining('IndexName: byRequester, IndexKey: requesterKey') });
  writer.destroy();
});

it('SSM serves the SecureStrings to the functions whose role may read them; SES sends only for roles with ses:SendEmail', async () => {
  const parameter = as('showApproval').env.LINK_SIGNING_KEY_PARAMETER ?? '';
  const allowed = new SSMClient({ ...as('showApproval').client, endpoint: as('showApproval').env.SSM_ENDPOINT });
  const { Parameters } = await allowed.send(new GetParametersCommand({ Names: [parameter], WithDecryption: true }));
  expect(Parameters?.[0]).toMatchObject({ Name: parameter, Type: 'SecureString' });
  const denied = new SSMClient({ ...as('getRequest').client, endpoint: as('showApproval').env.SSM_ENDPOINT });
  await expect(denied.send(new GetParametersCommand({ Names: [parameter], WithDecryption: true }))).rejects.toMatchObject({ name: 'AccessDeniedException', message: expect.stringContaining('ssm:GetParameters') });
  const ses = new SESv2Client({ ...as('getRequest').client, endpoint: as('deliverNotifications').env.SES_ENDPOINT });
  await expect(
    ses.send(new SendEmailCommand({ FromEmailAddress: 'cachegate@example.com', Destination: { ToAddresses: ['bob@example.com'] }, Content: { Simple: { Subject: { Data: 's' }, Body: { Text: { Data: 't' } } } } })),
  ).rejects.toMatchObject({ name: 'AccessDeniedException', $metadata: { httpStatusCode: 403 } });
  for (const client of [allowed, denied, ses]) client.destroy();
  expect(stack.violations()).toEqual(expect.arrayContaining([expect.stringContaining('cachegate-dev-getRequest is not authorized to perform: ses:SendEmail')]));
});

it('TTL: an expired Idempotency-Key binding that DynamoDB has not deleted yet no longer counts', async () => {
  const endpoint = as('createRequest').env.DYNAMODB_ENDPOINT;
  const operator = new DynamoDBClient({ region: 'us-east-1', endpoint, credentials: { accessKeyId: 'operator', secretAccessKey: 'operator' } });
  const expired = Math.floor(Date.now() / 1000) - 60;
  await operator.send(
    new PutItemCommand({ TableName: as('createRequest').env.TABLE_NAME ?? '', Item: { pk: { S: 'IDEM#alice@example.com#old-key' }, sk: { S: 'IDEMPOTENCY' }, requestId: { S: 'expired-request' }, ttl: { N: String(expired) } } }),
  );
  operator.destroy();
  const reply = await fetch(`${stack.url}/requests`, {
    method: 'POST',
    headers: { authorization: `Bearer ${stack.tokens['alice@example.com']}`, 'content-type': 'application/json', 'idempotency-key': 'old-key' },
    body: JSON.stringify({ cacheSecurityGroupName: 'default', ec2SecurityGroupName: 'myec2group', ec2SecurityGroupOwnerId: '987654321021', reason: 'ttl' }),
  });
  expect(reply.status).toBe(202);
  expect(((await reply.json()) as { id: string }).id).not.toBe('expired-request');
});
