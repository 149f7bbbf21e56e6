/**
 * SSM Parameter Store GetParameters (SecureStrings, decrypted), as one signed HTTPS call.
 *
 * Why not @aws-sdk/client-ssm: its client registers every one of SSM's ~200 modelled errors whatever the
 * commands used, 67 KB of each function that reads a secret (with @middy/ssm), for one read at cold start.
 * This call is the SDK's own parts without that: SigV4 from @smithy/signature-v4, the SDK's Node HTTP
 * handler, credentials from the environment. What we own is the AWS JSON 1.1 request and reply of one
 * operation (test/integration/secrets checks it against what client-ssm sends), a short retry, and the
 * endpoint: `ssm.<region>.amazonaws.com` (`.com.cn` in China), or SSM_ENDPOINT.
 */
import { fromEnv } from '@aws-sdk/credential-provider-env';
import { Sha256 } from '@smithy/core/checksum';
import { HttpRequest } from '@smithy/core/protocols';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { SignatureV4 } from '@smithy/signature-v4';
import { setTimeout as sleep } from 'node:timers/promises';
import { awsConfig } from '../config.js';
import { CachegateError, ConfigError } from '../errors.js';

/** GetParameters takes at most 10 names. */
const NAMES_PER_CALL = 10;
const ATTEMPTS = 3;
/** Retried like the SDK's standard mode: throttling, and the server's own failures. */
const RETRYABLE = /Throttl|TooManyUpdates|InternalServerError|ServiceUnavailable/;

/** SSM answered with an error: its name is the AWS error code (e.g. AccessDeniedException). */
export class ParameterStoreError extends CachegateError {
  constructor(code: string, message: string, readonly httpStatus: number) {
    super(`SSM GetParameters: ${code}: ${message}`);
    this.name = code;
  }
}

interface GetParametersReply {
  Parameters?: { Name?: string; Value?: string }[];
  InvalidParameters?: string[];
}

let shared: { signer: SignatureV4; http: NodeHttpHandler; url: URL } | undefined;

function transport(): NonNullable<typeof shared> {
  if (!shared) {
    const { region, endpoints } = awsConfig();
    const url = new URL(endpoints.ssm ?? `https://ssm.${region}.${region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com'}`);
    shared = {
      signer: new SignatureV4({ service: 'ssm', region, credentials: fromEnv(), sha256: Sha256 }),
      http: new NodeHttpHandler({ connectionTimeout: 3000, requestTimeout: 5000 }),
      url,
    };
  }
  return shared;
}

async function readBody(body: AsyncIterable<Uint8Array> | undefined): Promise<string> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of body ?? []) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/** One GetParameters call, signed; an SSM error becomes a ParameterStoreError named by its code. */
async function getParameters(names: string[]): Promise<GetParametersReply> {
  const { signer, http, url } = transport();
  const request = new HttpRequest({
    method: 'POST',
    protocol: url.protocol,
    hostname: url.hostname,
    port: url.port ? Number(url.port) : undefined,
    path: '/',
    headers: { host: url.host, 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AmazonSSM.GetParameters' },
    body: JSON.stringify({ Names: names, WithDecryption: true }),
  });
  const { response } = await http.handle((await signer.sign(request)) as HttpRequest);
  const text = await readBody(response.body as AsyncIterable<Uint8Array> | undefined);
  if (response.statusCode === 200) return JSON.parse(text) as GetParametersReply;
  let reply: { __type?: string; message?: string; Message?: string } = {};
  try {
    reply = JSON.parse(text) as typeof reply;
  } catch {
    // Not JSON (a proxy, a load balancer): the status says enough.
  }
  // `__type` may carry a namespace (com.amazonaws.ssm#ParameterNotFound) or a suffix after a colon.
  const code = (reply.__type ?? response.headers['x-amzn-errortype'] ?? `HTTP${response.statusCode}`).split('#').pop()?.split(':')[0] ?? 'Unknown';
  throw new ParameterStoreError(code, reply.message ?? reply.Message ?? `HTTP ${response.statusCode}`, response.statusCode);
}

async function withRetries<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      const retryable = error instanceof ParameterStoreError ? RETRYABLE.test(error.name) || error.httpStatus >= 500 : true;
      if (!retryable || attempt >= ATTEMPTS) throw error;
      // Full jitter on 100 ms, 200 ms, as the SDK backs off.
      await sleep(Math.random() * 100 * 2 ** (attempt - 1));
    }
  }
}

/**
 * The decrypted values of the named parameters, by name. A name SSM does not know is a ConfigError that
 * names it (the stack's parameter is missing or misspelled).
 */
export async function getSecureParameters(names: readonly string[]): Promise<Record<string, string>> {
  const values: Record<string, string> = {};
  for (let start = 0; start < names.length; start += NAMES_PER_CALL) {
    const batch = names.slice(start, start + NAMES_PER_CALL);
    const reply = await withRetries(() => getParameters(batch));
    if (reply.InvalidParameters?.length) {
      throw new ConfigError(`SSM parameter ${reply.InvalidParameters.join(', ')} does not exist`);
    }
    for (const parameter of reply.Parameters ?? []) {
      if (parameter.Name !== undefined && parameter.Value !== undefined) values[parameter.Name] = parameter.Value;
    }
  }
  return values;
}
