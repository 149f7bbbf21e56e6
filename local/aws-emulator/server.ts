/**
 * The emulator's HTTP face: one loopback server that answers both the ElastiCache and the EC2 Query
 * APIs (told apart by `Version`, since one endpoint URL serves both clients), applies the injected
 * faults, writes each service's envelopes, and serves `GET /_emulator/state` for people and tests.
 * Signatures are not checked.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import type { Clock } from './clock.js';
import { EC2_NAMESPACE, EC2_VERSION, ec2MissingParameter, ec2Operations } from './ec2-ops.js';
import { ELASTICACHE_NAMESPACE, ELASTICACHE_VERSION, elastiCacheMissingParameter, elastiCacheOperations } from './elasticache-ops.js';
import type { Faults } from './faults.js';
import { FaultController } from './faults.js';
import { AwsApiError, QueryParams } from './query.js';
import type { AwsEmulatorSeed } from './seed.js';
import { loadSeedFile, validateSeed } from './seed.js';
import type { EmulatorSettings, EmulatorSnapshot } from './state.js';
import { AwsEmulatorState } from './state.js';
import type { XmlChild } from './xml.js';
import { el, renderXml } from './xml.js';

export interface AwsEmulatorOptions extends Partial<EmulatorSettings> {
  /** Loopback by default; this is test and local-dev infrastructure. */
  host?: string;
  /** 0 (the default) picks a free port, so parallel tests do not collide. */
  port?: number;
  /** The starting state, or the path of a JSON seed file. */
  seed?: AwsEmulatorSeed | string;
  /** The system clock unless given (ManualClock for tests, ScaledClock for demos). */
  clock?: Clock;
  faults?: Faults;
  /** Called with one line per request, for local logs. */
  log?: (line: string) => void;
  /** Called after each Query API answer, with what was asked and when (emulator time): for benches. */
  onCall?: (call: EmulatorCall) => void;
  /** The caller's IAM check (local/iam): an AccessDenied-style error to answer, or undefined to go on. */
  authorize?: (call: { service: Service; action: string; params: QueryParams; headers: IncomingMessage['headers'] }) => Promise<AwsApiError | undefined>;
}

export interface EmulatorCall {
  service: 'elasticache' | 'ec2';
  action: string;
  /** The request's parameters as sent (flattened, e.g. `Filter.1.Value.1`). */
  params: Record<string, string>;
  /** The emulator clock when the answer was made (ms). */
  at: number;
  status: number;
  /** The error code, when the answer was an error. */
  code?: string;
}

export interface AwsEmulator {
  /** e.g. http://127.0.0.1:53012 — the `endpoint` for both ElastiCacheClient and EC2Client. */
  url: string;
  port: number;
  clock: Clock;
  faults: FaultController;
  state: AwsEmulatorState;
  /** A JSON snapshot of everything (also at GET /_emulator/state). */
  inspect(): EmulatorSnapshot;
  /** Requests received for `action` (all actions when omitted), including throttled and failed ones. */
  callCount(action?: string): number;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 1024 * 1024;

export type Service = 'elasticache' | 'ec2';

function send(res: ServerResponse, status: number, body: string, requestId: string, contentType = 'text/xml'): void {
  res.writeHead(status, {
    'Content-Type': contentType,
    'Content-Length': Buffer.byteLength(body),
    // The SDK takes $metadata.requestId from this header, not from the body.
    'x-amzn-RequestId': requestId,
  });
  res.end(body);
}

function errorXml(service: Service, error: AwsApiError, requestId: string): string {
  if (service === 'ec2') {
    return renderXml(
      el('Response', [el('Errors', [el('Error', [el('Code', error.code), el('Message', error.message)])]), el('RequestID', requestId)]),
    );
  }
  return renderXml(
    el(
      'ErrorResponse',
      [
        el('Error', [el('Type', error.status >= 500 ? 'Receiver' : 'Sender'), el('Code', error.code), el('Message', error.message)]),
        el('RequestId', requestId),
      ],
      { xmlns: ELASTICACHE_NAMESPACE },
    ),
  );
}

function successXml(service: Service, action: string, result: XmlChild[] | null, requestId: string): string {
  if (service === 'ec2') {
    return renderXml(el(`${action}Response`, [el('requestId', requestId), ...result ?? []], { xmlns: EC2_NAMESPACE }));
  }
  return renderXml(
    el(
      `${action}Response`,
      [result && el(`${action}Result`, result), el('ResponseMetadata', [el('RequestId', requestId)])],
      { xmlns: ELASTICACHE_NAMESPACE },
    ),
  );
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) throw new AwsApiError('RequestEntityTooLarge', `The request body is larger than ${MAX_BODY_BYTES} bytes.`, 413);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Answers one Query API request: routing, faults, the operation, the envelope. */
async function handleQuery(
  state: AwsEmulatorState,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  requestId: string,
  observe: Pick<AwsEmulatorOptions, 'log' | 'onCall' | 'authorize'>,
): Promise<void> {
  const { log, onCall, authorize } = observe;
  let service: Service = 'elasticache';
  let action = '(none)';
  // Older AWS docs send the parameters as a query string; the SDKs POST a form body. Accept both.
  const form = new URLSearchParams(url.search);
  const answered = (status: number, code?: string): void => {
    log?.(`aws-emulator ${service} ${action} ${status}${code ? ` ${code}` : ''}`);
    onCall?.({ service, action, params: Object.fromEntries(form), at: state.now(), status, ...(code ? { code } : {}) });
  };
  try {
    for (const [key, value] of new URLSearchParams(await readBody(req))) form.set(key, value);
    const raw = new QueryParams(form);
    const version = raw.version;
    service = version === EC2_VERSION ? 'ec2' : 'elasticache';
    const params = raw.withMissingParameterError(service === 'ec2' ? ec2MissingParameter : elastiCacheMissingParameter);
    action = raw.action || '(none)';
    state.recordCall(action);

    if (state.faults.latencyMs > 0) await delay(state.faults.latencyMs);
    if (!raw.action) throw new AwsApiError('MissingAction', 'The request must contain the parameter Action.');
    if (!version) throw new AwsApiError('MissingParameter', 'The request must contain the parameter Version.');
    if (version !== EC2_VERSION && version !== ELASTICACHE_VERSION) {
      throw new AwsApiError('NoSuchVersion', `Version ${version} is not supported; the emulator speaks ElastiCache ${ELASTICACHE_VERSION} and EC2 ${EC2_VERSION}.`);
    }
    if (state.faults.shouldThrottle(`${service}:${action}`, state.now())) {
      // Each service's own throttle: EC2 answers 503 RequestLimitExceeded ("Request limit exceeded.", as
      // reported from real accounts, e.g. jclouds/legacy-jclouds issue 1214), ElastiCache 400 Throttling.
      throw service === 'ec2' ? new AwsApiError('RequestLimitExceeded', 'Request limit exceeded.', 503) : new AwsApiError('Throttling', 'Rate exceeded');
    }
    const operation = service === 'ec2' ? ec2Operations[action] : elastiCacheOperations[action];
    if (!operation) throw new AwsApiError('InvalidAction', `The action ${action} is not valid for this web service.`);
    const denied = await authorize?.({ service, action, params, headers: req.headers });
    if (denied) throw denied;
    const failure = state.faults.failureFor(action);
    if (failure) throw new AwsApiError(failure.code, failure.message ?? `Injected failure for ${action}`, failure.status ?? 400);

    const result = operation(state, params);
    send(res, 200, successXml(service, action, result, requestId), requestId);
    answered(200);
  } catch (err) {
    const error =
      err instanceof AwsApiError
        ? err
        : new AwsApiError(service === 'ec2' ? 'InternalError' : 'InternalFailure', `The emulator failed: ${err instanceof Error ? err.message : String(err)}`, 500);
    send(res, error.status, errorXml(service, error, requestId), requestId);
    answered(error.status, error.code);
  }
}

export async function startAwsEmulator(options: AwsEmulatorOptions = {}): Promise<AwsEmulator> {
  const seed = typeof options.seed === 'string' ? loadSeedFile(options.seed) : options.seed === undefined ? {} : validateSeed(options.seed);
  const faults = new FaultController(options.faults);
  const settings: Partial<EmulatorSettings> = {
    propagationDelayMs: options.propagationDelayMs,
    ec2PropagationDelayMs: options.ec2PropagationDelayMs,
    rulesPerGroupLimit: options.rulesPerGroupLimit,
    cacheSecurityGroupQuota: options.cacheSecurityGroupQuota,
  };
  const state = new AwsEmulatorState(seed, {
    clock: options.clock,
    faults,
    settings: Object.fromEntries(Object.entries(settings).filter(([, value]) => value !== undefined)),
  });

  const server = createServer((req, res) => {
    const requestId = randomUUID();
    const url = new URL(req.url ?? '/', 'http://emulator.local');
    if (req.method === 'GET' && url.pathname === '/_emulator/state') {
      send(res, 200, JSON.stringify(state.snapshot(), null, 2), requestId, 'application/json');
      return;
    }
    if ((req.method === 'POST' || req.method === 'GET') && url.pathname === '/') {
      void handleQuery(state, req, res, url, requestId, options);
      return;
    }
    send(res, 404, JSON.stringify({ error: 'NotFound', message: 'POST / for the Query APIs, GET /_emulator/state for the state.' }), requestId, 'application/json');
  });

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://${host}:${port}`,
    port,
    clock: state.clock,
    faults,
    state,
    inspect: () => state.snapshot(),
    callCount: (action) => state.callCount(action),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // The SDK keeps connections alive; without this, close() waits for them to time out.
        server.closeAllConnections();
      }),
  };
}
