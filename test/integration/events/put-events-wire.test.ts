/**
 * PutEvents on the wire: the signed call of functions/adapters/event-bus.ts sends what
 * @aws-sdk/client-eventbridge sends for the same entry (operation, content type, signing scope, body), and
 * the local EventBridge (local/eventbridge.ts) answers in the shape that client reads, failed entries included.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { eventBus } from '../../../functions/adapters/event-bus.js';
import { DeliveryFailed } from '../../../functions/errors.js';
import { LocalEventBridge } from '../../../local/eventbridge.js';
import { Outbox } from '../../../local/sinks/outbox.js';

const CREDENTIALS = { AWS_ACCESS_KEY_ID: 'ASIAEVENTSTEST', AWS_SECRET_ACCESS_KEY: 'events-test-key', AWS_SESSION_TOKEN: 'events-test-session' };
const received: { url?: string; headers: IncomingHttpHeaders; body: string }[] = [];
const outbox = new Outbox();
const bridge = new LocalEventBridge(outbox);
// Records each request, then answers as the local EventBridge does.
const stub = createServer((req, res) => {
  let body = '';
  req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
  req.on('end', () => {
    received.push({ url: req.url, headers: req.headers, body });
    const reply = bridge.putEvents(JSON.parse(body) as never);
    res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' }).end(JSON.stringify(reply));
  });
});
let endpoint: string;
const saved = { ...process.env };

beforeAll(async () => {
  await new Promise<void>((listening) => stub.listen(0, '127.0.0.1', listening));
  endpoint = `http://127.0.0.1:${(stub.address() as AddressInfo).port}`;
  Object.assign(process.env, { ...CREDENTIALS, AWS_REGION: 'eu-west-1', EVENTS_ENDPOINT: endpoint });
});
afterAll(async () => {
  process.env = saved;
  stub.closeAllConnections();
  await new Promise<void>((closed) => stub.close(() => closed()));
});
beforeEach(() => {
  received.length = 0;
});

const EVENT = { source: 'cachegate', detailType: 'Access Request Status Changed', detail: { requestId: 'r-1', sequence: 1, status: 'PENDING_APPROVAL' }, time: new Date('2026-01-01T12:00:00Z') };

const sdk = (): EventBridgeClient =>
  new EventBridgeClient({ region: 'eu-west-1', endpoint, credentials: { accessKeyId: CREDENTIALS.AWS_ACCESS_KEY_ID, secretAccessKey: CREDENTIALS.AWS_SECRET_ACCESS_KEY, sessionToken: CREDENTIALS.AWS_SESSION_TOKEN } });

describe('PutEvents', () => {
  it('sends what @aws-sdk/client-eventbridge sends: the operation, the content type, the signing scope and the entry', async () => {
    expect(await eventBus.put(EVENT)).toEqual({ eventId: expect.any(String) });
    const client = sdk();
    await client.send(new PutEventsCommand({ Entries: [{ Source: EVENT.source, DetailType: EVENT.detailType, Detail: JSON.stringify(EVENT.detail), Time: EVENT.time }] }));
    client.destroy();
    const [ours, theirs] = received;
    expect(ours?.url).toBe(theirs?.url);
    for (const header of ['content-type', 'x-amz-target', 'x-amz-security-token']) expect([header, ours?.headers[header]]).toEqual([header, theirs?.headers[header]]);
    const scope = (request: typeof ours): string | undefined => /Credential=[^/]+\/\d{8}\/([^,]+),/.exec(String(request?.headers.authorization))?.[1];
    expect(scope(ours)).toBe('eu-west-1/events/aws4_request');
    expect(scope(ours)).toBe(scope(theirs));
    expect(JSON.parse(ours?.body ?? '')).toEqual(JSON.parse(theirs?.body ?? ''));
    expect(outbox.messages({ channel: 'event' })).toHaveLength(2);
  });

  it('a 200 with a failed entry is a failure: retryable for InternalFailure, not for MalformedDetail; the SDK reads the same reply', async () => {
    bridge.failEntries(1, 'InternalFailure');
    await expect(eventBus.put(EVENT)).rejects.toMatchObject({ name: 'DeliveryFailed', retryable: true, message: expect.stringContaining('InternalFailure') });
    bridge.failEntries(1, 'MalformedDetail');
    const never = await eventBus.put(EVENT).catch((error: unknown) => error);
    expect(never).toBeInstanceOf(DeliveryFailed);
    expect((never as DeliveryFailed).retryable).toBe(false);
    bridge.failEntries(1, 'ThrottlingException');
    const client = sdk();
    const reply = await client.send(new PutEventsCommand({ Entries: [{ Source: 'cachegate', DetailType: 'x', Detail: '{}' }] }));
    client.destroy();
    expect(reply).toMatchObject({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'ThrottlingException' }] });
  });
});
