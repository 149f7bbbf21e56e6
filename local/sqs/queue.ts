/**
 * A local SQS standard queue behind the SQS JSON protocol (what @aws-sdk/client-sqs speaks), plus what
 * Lambda's event source mapping does with it: receive visible messages in batches, invoke the consumer,
 * delete what it did not report as failed (ReportBatchItemFailures), and move a message to the
 * dead-letter queue once its receive count passes maxReceiveCount.
 *
 * Time: with `clock: 'real'` a message becomes visible again when its visibility timeout runs out, on a
 * timer; with `clock: 'manual'` nothing moves until `advance(ms)`, so a test can let a one-hour retry
 * schedule pass without sleeping.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export const LOCAL_ACCOUNT = '000000000000';
export const LOCAL_REGION = 'us-east-1';

/** An SQS-triggered Lambda handler as the runtime calls it. */
export type QueueConsumer = (event: SqsEvent, context: object) => Promise<{ batchItemFailures?: { itemIdentifier: string }[] } | void>;

export interface SqsRecord {
  messageId: string;
  receiptHandle: string;
  body: string;
  attributes: { ApproximateReceiveCount: string; SentTimestamp: string; SenderId: string; ApproximateFirstReceiveTimestamp: string };
  messageAttributes: Record<string, never>;
  md5OfBody: string;
  eventSource: 'aws:sqs';
  eventSourceARN: string;
  awsRegion: string;
}

export interface SqsEvent {
  Records: SqsRecord[];
}

interface StoredMessage {
  id: string;
  body: string;
  sentAt: number;
  firstReceivedAt?: number;
  visibleAt: number;
  receiveCount: number;
  receiptHandle?: string;
}

export interface LocalQueueOptions {
  name: string;
  /** The queue's default visibility timeout (AWS: at least 6× the consumer's timeout). */
  visibilityTimeoutSeconds?: number;
  /** The redrive policy: more receives than this and the message goes to the dead-letter queue. */
  maxReceiveCount?: number;
  clock?: 'real' | 'manual';
}

class SqsError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

const md5 = (text: string): string => createHash('md5').update(text, 'utf8').digest('hex');

export class LocalQueue {
  readonly name: string;
  readonly arn: string;
  url = '';
  /** Messages given up by the redrive policy, oldest first. */
  readonly deadLetters: { id: string; body: string; receiveCount: number }[] = [];
  private readonly messages = new Map<string, StoredMessage>();
  private readonly visibilityTimeoutMs: number;
  private readonly maxReceiveCount: number;
  private readonly manual: boolean;
  private manualNow = Date.now();
  private consumer: { handler: QueueConsumer; batchSize: number; maximumConcurrency: number; functionName: string } | undefined;
  private inFlight = 0;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private waiters: (() => void)[] = [];

  constructor(options: LocalQueueOptions) {
    this.name = options.name;
    this.arn = `arn:aws:sqs:${LOCAL_REGION}:${LOCAL_ACCOUNT}:${options.name}`;
    this.visibilityTimeoutMs = (options.visibilityTimeoutSeconds ?? 180) * 1000;
    this.maxReceiveCount = options.maxReceiveCount ?? 15;
    this.manual = options.clock === 'manual';
  }

  now(): number {
    return this.manual ? this.manualNow : Date.now();
  }

  /** Manual clock: lets `ms` pass, then delivers whatever became visible. */
  advance(ms: number): void {
    if (!this.manual) throw new Error('advance() needs a queue with a manual clock');
    this.manualNow += ms;
    this.pump();
  }

  /** Messages waiting (visible or not), not yet deleted or dead-lettered. */
  get depth(): number {
    return this.messages.size;
  }

  /** Resolves once no invocation is running and no message is visible now (later retries may remain). */
  async settled(): Promise<void> {
    while (this.inFlight > 0 || this.visibleNow().length > 0) {
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  /** Lambda's event source mapping: this consumer gets the queue's messages. */
  attach(handler: QueueConsumer, options: { functionName: string; batchSize?: number; maximumConcurrency?: number }): void {
    this.consumer = { handler, batchSize: options.batchSize ?? 10, maximumConcurrency: options.maximumConcurrency ?? 2, functionName: options.functionName };
    this.pump();
  }

  send(body: string): string {
    if (body.length === 0) throw new SqsError('com.amazonaws.sqs#MissingParameter', 'The request must contain the parameter MessageBody.');
    if (Buffer.byteLength(body) > 1024 * 1024) throw new SqsError('com.amazonaws.sqs#InvalidParameterValue', 'One or more parameters are invalid. Reason: Message must be shorter than 1048576 bytes.');
    const id = randomUUID();
    this.messages.set(id, { id, body, sentAt: this.now(), visibleAt: this.now(), receiveCount: 0 });
    queueMicrotask(() => this.pump());
    return id;
  }

  changeVisibility(receiptHandle: string, seconds: number): void {
    if (!Number.isInteger(seconds) || seconds < 0 || seconds > 43_200) {
      throw new SqsError('com.amazonaws.sqs#InvalidParameterValue', `Value ${seconds} for parameter VisibilityTimeout is invalid. Reason: Must be between 0 and 43200.`);
    }
    const message = [...this.messages.values()].find((m) => m.receiptHandle === receiptHandle);
    if (!message) throw new SqsError('com.amazonaws.sqs#ReceiptHandleIsInvalid', `The input receipt handle "${receiptHandle}" is not a valid receipt handle.`);
    message.visibleAt = this.now() + seconds * 1000;
    this.schedule();
  }

  delete(receiptHandle: string): void {
    for (const [id, message] of this.messages) if (message.receiptHandle === receiptHandle) this.messages.delete(id);
  }

  /** Stops delivering; resolves once the invocations under way have finished. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.wake();
    while (this.inFlight > 0) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  private visibleNow(): StoredMessage[] {
    const now = this.now();
    return [...this.messages.values()].filter((m) => m.visibleAt <= now).sort((a, b) => a.sentAt - b.sentAt);
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }

  private schedule(): void {
    if (this.manual || this.closed) return;
    if (this.timer) clearTimeout(this.timer);
    const next = Math.min(...[...this.messages.values()].map((m) => m.visibleAt));
    if (!Number.isFinite(next)) return;
    this.timer = setTimeout(() => this.pump(), Math.max(0, next - this.now()));
    this.timer.unref();
  }

  private pump(): void {
    if (this.closed || !this.consumer) {
      this.wake();
      return;
    }
    const consumer = this.consumer;
    while (this.inFlight < consumer.maximumConcurrency) {
      const batch: StoredMessage[] = [];
      for (const message of this.visibleNow()) {
        if (batch.length === consumer.batchSize) break;
        if (message.receiveCount >= this.maxReceiveCount) {
          this.messages.delete(message.id);
          this.deadLetters.push({ id: message.id, body: message.body, receiveCount: message.receiveCount });
          continue;
        }
        message.receiveCount++;
        message.firstReceivedAt ??= this.now();
        message.receiptHandle = randomUUID();
        message.visibleAt = this.now() + this.visibilityTimeoutMs;
        batch.push(message);
      }
      if (batch.length === 0) break;
      this.inFlight++;
      void this.invoke(consumer, batch).finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
    this.schedule();
    this.wake();
  }

  private async invoke(consumer: NonNullable<LocalQueue['consumer']>, batch: StoredMessage[]): Promise<void> {
    const event: SqsEvent = {
      Records: batch.map((m) => ({
        messageId: m.id,
        receiptHandle: m.receiptHandle ?? '',
        body: m.body,
        attributes: {
          ApproximateReceiveCount: String(m.receiveCount),
          SentTimestamp: String(m.sentAt),
          SenderId: 'AIDALOCALSENDER',
          ApproximateFirstReceiveTimestamp: String(m.firstReceivedAt ?? m.sentAt),
        },
        messageAttributes: {},
        md5OfBody: md5(m.body),
        eventSource: 'aws:sqs',
        eventSourceARN: this.arn,
        awsRegion: LOCAL_REGION,
      })),
    };
    const context = {
      functionName: consumer.functionName,
      awsRequestId: randomUUID(),
      invokedFunctionArn: `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:${consumer.functionName}`,
      getRemainingTimeInMillis: () => 60_000,
      callbackWaitsForEmptyEventLoop: false,
    };
    try {
      const result = await consumer.handler(event, context);
      const failed = new Set((result?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
      // What the event source mapping does on success: delete every message not reported as failed.
      for (const m of batch) if (!failed.has(m.id) && this.messages.get(m.id)?.receiptHandle === m.receiptHandle) this.messages.delete(m.id);
    } catch (error) {
      // A failed invocation leaves the whole batch to come back after its visibility timeout.
      process.stderr.write(`local SQS: ${consumer.functionName} failed: ${(error as Error).message}\n`);
    }
  }
}

/** The SQS endpoint: its JSON protocol for the queues it holds. */
export class LocalSqs {
  private readonly queues = new Map<string, LocalQueue>();
  private server: Server | undefined;
  url = '';

  /** `authorize`: the caller's IAM check (local/iam), the AccessDenied message or undefined to allow. */
  constructor(private readonly options: { authorize?: (headers: IncomingMessage['headers'], action: string, queueArn: string) => string | undefined } = {}) {}

  createQueue(options: LocalQueueOptions): LocalQueue {
    const queue = new LocalQueue(options);
    this.queues.set(options.name, queue);
    if (this.url) queue.url = `${this.url}/${LOCAL_ACCOUNT}/${queue.name}`;
    return queue;
  }

  async listen(port = 0): Promise<string> {
    this.server = createServer((req, res) => void this.serve(req, res));
    await new Promise<void>((resolve) => this.server?.listen(port, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    for (const queue of this.queues.values()) queue.url = `${this.url}/${LOCAL_ACCOUNT}/${queue.name}`;
    return this.url;
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((queue) => queue.close()));
    await new Promise<void>((resolve) => {
      if (!this.server) return resolve();
      this.server.closeAllConnections();
      this.server.close(() => resolve());
    });
  }

  private queueOf(queueUrl: unknown): LocalQueue {
    const name = typeof queueUrl === 'string' ? queueUrl.split('/').pop() : undefined;
    const queue = name ? this.queues.get(name) : undefined;
    if (!queue) throw new SqsError('com.amazonaws.sqs#QueueDoesNotExist', 'The specified queue does not exist.');
    return queue;
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const reply = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
      res.writeHead(status, { 'Content-Type': 'application/x-amz-json-1.0', 'x-amzn-RequestId': randomUUID(), ...headers });
      res.end(JSON.stringify(body));
    };
    try {
      const target = String(req.headers['x-amz-target'] ?? '');
      if (!target.startsWith('AmazonSQS.')) throw new SqsError('com.amazon.coral.service#UnknownOperationException', 'Unknown operation');
      const input = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
      const operation = target.slice('AmazonSQS.'.length);
      // SendMessageBatch is authorized as sqs:SendMessage (the Service Authorization Reference has no batch action).
      const denied = this.options.authorize?.(req.headers, `sqs:${operation.replace(/Batch$/, '')}`, this.queueOf(input.QueueUrl).arn);
      if (denied !== undefined) throw new SqsError('com.amazonaws.sqs#AccessDenied', denied, 403);
      reply(200, this.operate(operation, input));
    } catch (error) {
      if (error instanceof SqsError) {
        reply(error.status, { __type: error.type, message: error.message }, { 'x-amzn-query-error': `${error.type.split('#')[1] ?? error.type};Sender` });
        return;
      }
      reply(500, { __type: 'com.amazonaws.sqs#InternalError', message: (error as Error).message });
    }
  }

  private operate(operation: string, input: Record<string, unknown>): unknown {
    switch (operation) {
      case 'SendMessage': {
        const body = String(input.MessageBody ?? '');
        const id = this.queueOf(input.QueueUrl).send(body);
        return { MessageId: id, MD5OfMessageBody: md5(body) };
      }
      case 'SendMessageBatch': {
        const queue = this.queueOf(input.QueueUrl);
        const entries = (input.Entries ?? []) as { Id: string; MessageBody: string }[];
        if (entries.length === 0) throw new SqsError('com.amazonaws.sqs#EmptyBatchRequest', 'There should be at least one SendMessageBatchRequestEntry in the request.');
        if (entries.length > 10) throw new SqsError('com.amazonaws.sqs#TooManyEntriesInBatchRequest', 'Maximum number of entries per request are 10.');
        if (new Set(entries.map((e) => e.Id)).size !== entries.length) throw new SqsError('com.amazonaws.sqs#BatchEntryIdsNotDistinct', 'Two or more batch entries in the request have the same Id.');
        return { Successful: entries.map((e) => ({ Id: e.Id, MessageId: queue.send(e.MessageBody), MD5OfMessageBody: md5(e.MessageBody) })), Failed: [] };
      }
      case 'ChangeMessageVisibility':
        this.queueOf(input.QueueUrl).changeVisibility(String(input.ReceiptHandle ?? ''), Number(input.VisibilityTimeout));
        return {};
      case 'DeleteMessage':
        this.queueOf(input.QueueUrl).delete(String(input.ReceiptHandle ?? ''));
        return {};
      default:
        throw new SqsError('com.amazonaws.sqs#InvalidAction', `The action ${operation} is not valid for this endpoint.`);
    }
  }
}
