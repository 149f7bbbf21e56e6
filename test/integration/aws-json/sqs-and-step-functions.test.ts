/**
 * The signed JSON calls that replace @aws-sdk/client-sqs and @aws-sdk/client-sfn in the functions
 * (functions/adapters/aws-json.ts): each operation the adapters make sends what the SDK's client sends for
 * it (method, path, protocol headers, body, SigV4 scope) to a stand-in on loopback, validly signed; the
 * errors the adapters tell apart arrive named by their code; throttling is retried as the SDK retries it.
 */
import { createHash } from 'node:crypto';
import { ChangeMessageVisibilityCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DescribeExecutionCommand, SendTaskFailureCommand, SendTaskSuccessCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { notificationQueue } from '../../../functions/adapters/notification-queue.js';
import { workflow } from '../../../functions/adapters/workflow.js';
import type { NotificationJob } from '../../../functions/domain/notification-delivery.js';
import { awsStandIn, expectSameRequest as expectSameSignedRequest, type AwsStandIn, type Received } from '../../support/aws-stand-in.js';

const CREDENTIALS = { AWS_ACCESS_KEY_ID: 'ASIAJSONTEST', AWS_SECRET_ACCESS_KEY: 'json-test-key', AWS_SESSION_TOKEN: 'json-test-session' };
const QUEUE_URL = 'https://sqs.eu-west-1.amazonaws.com/123456789012/cachegate-test-notifications';
const STATE_MACHINE = 'arn:aws:states:eu-west-1:123456789012:stateMachine:cachegate-test';

let stub: AwsStandIn;
let received: Received[];
let queued: AwsStandIn['queued'];
let endpoint: string;
const saved = { ...process.env };

function success(target: string, input: Record<string, unknown>): unknown {
  switch (target) {
    case 'AmazonSQS.SendMessageBatch':
      // The SDK's client checks each MD5OfMessageBody.
      return {
        Successful: (input.Entries as { Id: string; MessageBody: string }[]).map(({ Id, MessageBody }) => ({ Id, MessageId: `m-${Id}`, MD5OfMessageBody: createHash('md5').update(MessageBody).digest('hex') })),
        Failed: [],
      };
    case 'AWSStepFunctions.StartExecution':
      return { executionArn: `${STATE_MACHINE.replace(':stateMachine:', ':execution:')}:${String(input.name)}`, startDate: 1_764_400_000 };
    case 'AWSStepFunctions.DescribeExecution':
      return { executionArn: input.executionArn, stateMachineArn: STATE_MACHINE, status: 'RUNNING', startDate: 1_764_400_000 };
    default:
      return {};
  }
}

beforeAll(async () => {
  stub = await awsStandIn((request) => success(String(request.headers['x-amz-target']), JSON.parse(request.body) as Record<string, unknown>), 'application/x-amz-json-1.0');
  ({ received, queued, url: endpoint } = stub);
  Object.assign(process.env, {
    ...CREDENTIALS,
    AWS_REGION: 'eu-west-1',
    SQS_ENDPOINT: endpoint,
    STEPFUNCTIONS_ENDPOINT: endpoint,
    NOTIFICATION_QUEUE_URL: QUEUE_URL,
    STATE_MACHINE_ARN: STATE_MACHINE,
  });
});
afterAll(async () => {
  process.env = saved;
  await stub.close();
});
beforeEach(() => {
  received.length = 0;
  queued.length = 0;
});

const sdkConfig = () => ({
  region: 'eu-west-1',
  endpoint,
  credentials: { accessKeyId: CREDENTIALS.AWS_ACCESS_KEY_ID, secretAccessKey: CREDENTIALS.AWS_SECRET_ACCESS_KEY, sessionToken: CREDENTIALS.AWS_SESSION_TOKEN },
});
/** Ours and the SDK's request for the same call: the same on the wire, both validly signed. */
const expectSameRequest = (ours: Received, sdk: Received, service: string): void =>
  expectSameSignedRequest(ours, sdk, { accessKeyId: CREDENTIALS.AWS_ACCESS_KEY_ID, secretAccessKey: CREDENTIALS.AWS_SECRET_ACCESS_KEY, region: 'eu-west-1', service });

describe('SQS (notification-queue.ts)', () => {
  const jobs = [{ kind: 'email', requestId: 'req-1' }, { kind: 'slack', requestId: 'req-1' }] as unknown as NotificationJob[];

  it('SendMessageBatch and ChangeMessageVisibility as @aws-sdk/client-sqs sends them', async () => {
    await notificationQueue.enqueue(jobs);
    await notificationQueue.retryLater('receipt-1', 30);
    const sqs = new SQSClient(sdkConfig());
    await sqs.send(new SendMessageBatchCommand({ QueueUrl: QUEUE_URL, Entries: jobs.map((job, index) => ({ Id: String(index), MessageBody: JSON.stringify(job) })) }));
    await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: QUEUE_URL, ReceiptHandle: 'receipt-1', VisibilityTimeout: 30 }));
    sqs.destroy();
    const [batch, visibility, sdkBatch, sdkVisibility] = received as [Received, Received, Received, Received];
    expectSameRequest(batch, sdkBatch, 'sqs');
    expectSameRequest(visibility, sdkVisibility, 'sqs');
  });

  it('retries throttling, and sends again only the entries SQS did not take', async () => {
    queued.push({ status: 400, body: { __type: 'com.amazonaws.sqs#RequestThrottled', message: 'Rate exceeded' } });
    queued.push({ status: 200, body: { Successful: [{ Id: '0', MessageId: 'm', MD5OfMessageBody: 'x' }], Failed: [{ Id: '1', Code: 'InternalError', SenderFault: false }] } });
    await notificationQueue.enqueue(jobs);
    expect(received.map((request) => (JSON.parse(request.body) as { Entries: { Id: string }[] }).Entries.map((entry) => entry.Id))).toEqual([['0', '1'], ['0', '1'], ['1']]);
  });
});

describe('Step Functions (workflow.ts)', () => {
  it('StartExecution, DescribeExecution, SendTaskSuccess and SendTaskFailure as @aws-sdk/client-sfn sends them', async () => {
    await workflow.start({ requestId: 'req-1' });
    await expect(workflow.isRunning('req-1')).resolves.toBe(true);
    await expect(workflow.resume('token-1', { decision: 'approved' })).resolves.toBe('resumed');
    await expect(workflow.fail('token-2', 'RequestCancelled', 'cancelled by alice')).resolves.toBe('resumed');
    const sfn = new SFNClient(sdkConfig());
    await sfn.send(new StartExecutionCommand({ stateMachineArn: STATE_MACHINE, name: 'req-1', input: JSON.stringify({ requestId: 'req-1' }) }));
    await sfn.send(new DescribeExecutionCommand({ executionArn: `${STATE_MACHINE.replace(':stateMachine:', ':execution:')}:req-1` }));
    await sfn.send(new SendTaskSuccessCommand({ taskToken: 'token-1', output: JSON.stringify({ decision: 'approved' }) }));
    await sfn.send(new SendTaskFailureCommand({ taskToken: 'token-2', error: 'RequestCancelled', cause: 'cancelled by alice' }));
    sfn.destroy();
    expect(received).toHaveLength(8);
    for (let i = 0; i < 4; i++) expectSameRequest(received[i] as Received, received[i + 4] as Received, 'states');
  });

  it('tells apart the errors the adapter expects, by their code, and passes on the others', async () => {
    queued.push({ status: 400, body: { __type: 'com.amazonaws.states#ExecutionAlreadyExists', message: 'exists' } });
    await expect(workflow.start({ requestId: 'req-1' })).resolves.toBeUndefined();
    queued.push({ status: 400, body: { __type: 'com.amazonaws.states#ExecutionDoesNotExist', message: 'none' } });
    await expect(workflow.isRunning('req-2')).resolves.toBe(false);
    queued.push({ status: 400, body: { __type: 'com.amazonaws.states#TaskTimedOut', message: 'over' } });
    await expect(workflow.resume('token-1', {})).resolves.toBe('already-closed');
    queued.push({ status: 400, body: { __type: 'com.amazonaws.states#AccessDeniedException', message: 'not authorized to perform states:SendTaskSuccess' } });
    await expect(workflow.resume('token-1', {})).rejects.toMatchObject({
      name: 'AccessDeniedException',
      message: 'Step Functions SendTaskSuccess: AccessDeniedException: not authorized to perform states:SendTaskSuccess',
      httpStatus: 400,
    });
    expect(received).toHaveLength(4);
  });
});
