/**
 * A stand-in for an AWS service on loopback, for the tests of our signed AWS calls
 * (functions/adapters/aws-json.ts): it records every request, answers each with a queued reply or the
 * test's `answer`, and checks SigV4 from its definition.
 */
import { createHash, createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request as the stand-in received it. */
export interface Received {
  method?: string;
  url?: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface AwsStandIn {
  url: string;
  /** Every request so far (a test empties it). */
  received: Received[];
  /** Replies to give before `answer`'s, in order (a test fills it). */
  queued: { status: number; body: unknown }[];
  /** Resolves when the next request arrives. */
  nextRequest(): Promise<void>;
  close(): Promise<void>;
}

/** Starts a stand-in that answers 200 with `answer(request)` unless a reply is queued. */
export async function awsStandIn(answer: (request: Received) => unknown, contentType: string): Promise<AwsStandIn> {
  const received: Received[] = [];
  const queued: { status: number; body: unknown }[] = [];
  const arrivals: (() => void)[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      const request = { method: req.method, url: req.url, headers: req.headers, body };
      received.push(request);
      arrivals.splice(0).forEach((arrived) => arrived());
      const reply = queued.shift() ?? { status: 200, body: answer(request) };
      res.writeHead(reply.status, { 'content-type': contentType }).end(JSON.stringify(reply.body));
    });
  });
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    queued,
    nextRequest: () => new Promise((arrived) => arrivals.push(arrived)),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((closed) => server.close(() => closed()));
    },
  };
}

/** SigV4 computed from its definition (AWS "Create a signed AWS API request"), to check a received request. */
export function sigV4Valid(request: Received, secretAccessKey: string): boolean {
  const authorization = String(request.headers.authorization);
  const match = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(authorization);
  if (!match) return false;
  const [, , day, region, service, signedHeaders, signature] = match as unknown as string[];
  const hash = (data: string): string => createHash('sha256').update(data).digest('hex');
  const names = (signedHeaders as string).split(';');
  const canonicalHeaders = names.map((name) => `${name}:${String(request.headers[name]).trim().replace(/\s+/g, ' ')}\n`).join('');
  const canonicalRequest = [request.method, request.url, '', canonicalHeaders, signedHeaders, hash(request.body)].join('\n');
  const scope = `${day}/${region}/${service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', request.headers['x-amz-date'], scope, hash(canonicalRequest)].join('\n');
  let key: Buffer = createHmac('sha256', `AWS4${secretAccessKey}`).update(day as string).digest();
  for (const part of [region, service, 'aws4_request']) key = createHmac('sha256', key).update(part as string).digest();
  return createHmac('sha256', key).update(stringToSign).digest('hex') === signature;
}

/** The credential scope a request was signed for: `<key id>/<day>/<region>/<service>/aws4_request`. */
const signedScope = (request: Received): string | undefined => /Credential=([^,]+),/.exec(String(request.headers.authorization))?.[1];

/**
 * Ours and an SDK client's request for the same call: both validly signed, and the same on the wire (method,
 * path, protocol headers, JSON body, credential scope for `service`).
 */
export function expectSameRequest(ours: Received, sdk: Received, signer: { accessKeyId: string; secretAccessKey: string; region: string; service: string }): void {
  for (const request of [sdk, ours]) expect(sigV4Valid(request, signer.secretAccessKey)).toBe(true);
  expect({ method: ours.method, url: ours.url }).toEqual({ method: sdk.method, url: sdk.url });
  for (const header of ['content-type', 'x-amz-target', 'x-amzn-query-mode', 'x-amz-security-token', 'host']) expect([header, ours.headers[header]]).toEqual([header, sdk.headers[header]]);
  expect(JSON.parse(ours.body)).toEqual(JSON.parse(sdk.body));
  expect(signedScope(ours)).toEqual(signedScope(sdk));
  expect(signedScope(ours)).toMatch(new RegExp(`^${signer.accessKeyId}/\\d{8}/${signer.region}/${signer.service}/aws4_request$`));
}
