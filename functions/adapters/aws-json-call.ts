/**
 * One AWS JSON operation as a signed HTTPS call: SigV4 from @smithy/signature-v4, the SDK's Node HTTP
 * handler, credentials from the environment. JSON-RPC (POST `/`, the operation in X-Amz-Target, AWS JSON
 * 1.0 or 1.1), or a REST-JSON operation that POSTs its whole input as the body (SES v2 SendEmail). For the
 * calls where a whole SDK client would cost more bundle than it gives: a client brings its service's
 * schemas, endpoint rules and protocol, and the SDK core's client machinery (dynamodb-call.ts: DynamoDB's
 * client and lib-dynamodb with the core parts only they pulled in, about 110 KB of every function;
 * parameter-store.ts: SSM's client registers ~200 errors, 67 KB; event-bus.ts: EventBridge's client,
 * measured in docs/events.md; notification-queue.ts and workflow.ts: SQS and Step Functions, 8-10 KB each;
 * email.ts: SES v2, about 25 KB with its REST protocol). What we own per operation is its JSON request and
 * reply, each checked against what the service's SDK client sends; the endpoint is
 * `<prefix>.<region>.amazonaws.com` (`.com.cn` in China), or the local one.
 */
import { fromEnv } from '@aws-sdk/credential-provider-env';
import { Sha256 } from '@smithy/core/checksum';
import { HttpRequest } from '@smithy/core/protocols';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { SignatureV4 } from '@smithy/signature-v4';
import { setTimeout as sleep } from 'node:timers/promises';
import { awsConfig, type AwsConfig } from '../config.js';
import { CachegateError } from '../errors.js';

/**
 * Retried like the SDK's standard mode: throttling, and the server's own failures. DynamoDB's throttling
 * codes are its own, HTTP 400: ProvisionedThroughputExceededException and RequestLimitExceeded ("Error
 * handling with DynamoDB", https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Programming.Errors.html).
 */
const RETRYABLE = /Throttl|TooManyUpdates|InternalServerError|InternalException|ServiceUnavailable|ProvisionedThroughputExceeded|RequestLimitExceeded/;

/** The service answered with an error: its name is the AWS error code (e.g. AccessDeniedException). */
export class AwsJsonError extends CachegateError {
  constructor(operation: string, code: string, message: string, readonly httpStatus: number) {
    super(`${operation}: ${code}: ${message}`);
    this.name = code;
  }

  /** Throttling or the service's own failure: worth another attempt. */
  get retryable(): boolean {
    return RETRYABLE.test(this.name) || this.httpStatus >= 500;
  }
}

async function readBody(body: AsyncIterable<Uint8Array> | undefined): Promise<string> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of body ?? []) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

export interface AwsJsonService {
  /** One call of `operation` (e.g. GetParameters), signed; an error reply becomes an AwsJsonError named by its code. */
  call<Reply>(operation: string, body: unknown): Promise<Reply>;
}

/** How a service differs from the AWS JSON 1.1 default. */
export interface AwsJsonProtocol {
  /** AWS JSON 1.0 (SQS, Step Functions) instead of 1.1. */
  jsonVersion?: '1.0' | '1.1';
  /** Headers of the service's own (SQS's query-compatibility mode). */
  headers?: Record<string, string>;
  /** The endpoint's first label when it is not the signing name (SES: `email`). */
  endpointPrefix?: string;
  /** REST-JSON: each operation's path, POSTed with the input as the body (no X-Amz-Target). */
  paths?: Record<string, string>;
}

/** A signed POST's answer: the status, the headers (lower-case names) and the body as text. */
export interface SignedReply {
  status: number;
  headers: Record<string, string | undefined>;
  text: string;
}

/**
 * Signed POSTs to `service` (its signing name): a SigV4 signer, the SDK's Node HTTP handler and the endpoint,
 * made on first use (credentials from the environment, the endpoint configured under `endpoint` or
 * `<endpointPrefix>.<region>.amazonaws.com`). Shared with the Query calls (aws-query-call.ts).
 */
export function signedTransport(
  service: string,
  endpoint: keyof AwsConfig['endpoints'],
  timeouts: { connectionMs: number; requestMs: number },
  endpointPrefix = service,
): (path: string, headers: Record<string, string>, body: string) => Promise<SignedReply> {
  let shared: { signer: SignatureV4; http: NodeHttpHandler; url: URL } | undefined;
  return async (path, headers, body) => {
    if (!shared) {
      const { region, endpoints } = awsConfig();
      shared = {
        signer: new SignatureV4({ service, region, credentials: fromEnv(), sha256: Sha256 }),
        // requestTimeout only logs a warning unless throwOnRequestTimeout is set (@smithy/node-http-handler).
        http: new NodeHttpHandler({ connectionTimeout: timeouts.connectionMs, requestTimeout: timeouts.requestMs, throwOnRequestTimeout: true }),
        url: new URL(endpoints[endpoint] ?? `https://${endpointPrefix}.${region}.${region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com'}`),
      };
    }
    const { signer, http, url } = shared;
    const request = new HttpRequest({
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      port: url.port ? Number(url.port) : undefined,
      path,
      headers: { host: url.host, ...headers },
      body,
    });
    const { response } = await http.handle((await signer.sign(request)) as HttpRequest);
    return { status: response.statusCode, headers: response.headers, text: await readBody(response.body as AsyncIterable<Uint8Array> | undefined) };
  };
}

/**
 * A service spoken to in AWS JSON: `service` is its signing name and endpoint prefix (ssm, events),
 * `targetPrefix` its X-Amz-Target prefix (AmazonSSM, AWSEvents), `label` its name in error messages (SSM,
 * EventBridge), `endpoint` the local endpoint's key; `protocol` what differs from AWS JSON 1.1.
 */
export function awsJsonService(
  service: string,
  targetPrefix: string,
  label: string,
  endpoint: keyof AwsConfig['endpoints'],
  timeouts = { connectionMs: 3000, requestMs: 5000 },
  protocol: AwsJsonProtocol = {},
): AwsJsonService {
  const post = signedTransport(service, endpoint, timeouts, protocol.endpointPrefix);
  return {
    async call<Reply>(operation: string, body: unknown): Promise<Reply> {
      const path = protocol.paths?.[operation];
      const protocolHeaders: Record<string, string> =
        path === undefined
          ? { 'content-type': `application/x-amz-json-${protocol.jsonVersion ?? '1.1'}`, 'x-amz-target': `${targetPrefix}.${operation}` }
          : { 'content-type': 'application/json' };
      const response = await post(path ?? '/', { ...protocolHeaders, ...protocol.headers }, JSON.stringify(body));
      const text = response.text;
      // Some operations answer 200 with no body at all (SQS ChangeMessageVisibility).
      if (response.status === 200) return (text === '' ? {} : JSON.parse(text)) as Reply;
      let reply: { __type?: string; message?: string; Message?: string } = {};
      try {
        reply = JSON.parse(text) as typeof reply;
      } catch {
        // Not JSON (a proxy, a load balancer): the status says enough.
      }
      // `__type` may carry a namespace (com.amazonaws.ssm#ParameterNotFound) or a suffix after a colon.
      const code = (reply.__type ?? response.headers['x-amzn-errortype'] ?? `HTTP${response.status}`).split('#').pop()?.split(':')[0] ?? 'Unknown';
      throw new AwsJsonError(`${label} ${operation}`, code, reply.message ?? reply.Message ?? `HTTP ${response.status}`, response.status);
    },
  };
}

/** Whether a failed call is worth another attempt: an AwsJsonError when it says so, anything else (the network) always. */
const retryableJson = (error: unknown): boolean => (error instanceof AwsJsonError ? error.retryable : true);

/** `call` with up to `attempts` tries, while `retryable` says so (AWS JSON's rule unless given); full jitter on 100 ms, 200 ms… */
export async function withRetries<T>(call: () => Promise<T>, attempts = 3, retryable = retryableJson): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (!retryable(error) || attempt >= attempts) throw error;
      await sleep(Math.random() * 100 * 2 ** (attempt - 1));
    }
  }
}
