/**
 * The local API Gateway: routes from serverless.yml (httpApi events) to the same handlers, with HTTP API
 * payload 2.0 events, and the JWT authorizer played by a local signing key (tokens from GET /dev/tokens).
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { jwtVerify, SignJWT } from 'jose';

export type HttpLambda = (event: unknown, context: object) => Promise<{ statusCode: number; headers?: Record<string, string | number | boolean>; body?: string }>;

export interface Route {
  method: string;
  path: string;
  /** Requires a bearer token (serverless.yml: authorizer on the event). */
  authorized: boolean;
  functionKey: string;
  handler: HttpLambda;
}

const ISSUER = 'cachegate-local';
const AUDIENCE = 'cachegate';

export class LocalAuthorizer {
  private readonly key = new TextEncoder().encode(randomUUID() + randomUUID());

  async issue(email: string): Promise<string> {
    return new SignJWT({ email })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(email)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime('12h')
      .sign(this.key);
  }

  /** The token's claims, or undefined (API Gateway answers 401 itself, the handler never runs). */
  async verify(header: string | undefined): Promise<Record<string, string | number> | undefined> {
    const match = /^Bearer (.+)$/i.exec(header ?? '');
    if (!match?.[1]) return undefined;
    try {
      const { payload } = await jwtVerify(match[1], this.key, { issuer: ISSUER, audience: AUDIENCE });
      return Object.fromEntries(Object.entries(payload).filter(([, v]) => typeof v === 'string' || typeof v === 'number')) as Record<string, string | number>;
    } catch {
      return undefined;
    }
  }
}

function matchPath(pattern: string, path: string): Record<string, string> | undefined {
  const names: string[] = [];
  const regex = new RegExp(
    `^${pattern.replace(/\{([^}]+)\}/g, (_, name: string) => {
      names.push(name);
      return '([^/]+)';
    })}$`,
  );
  const match = regex.exec(path);
  if (!match) return undefined;
  return Object.fromEntries(names.map((name, index) => [name, decodeURIComponent(match[index + 1] ?? '')]));
}

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Serves one request if a route matches; false otherwise. */
export async function serveRoute(routes: Route[], authorizer: LocalAuthorizer, req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<boolean> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const method = req.method ?? 'GET';
  let found: { route: Route; params: Record<string, string> } | undefined;
  for (const route of routes) {
    if (route.method !== method) continue;
    const params = matchPath(route.path, url.pathname);
    if (params) {
      found = { route, params };
      break;
    }
  }
  if (!found) return false;
  const { route, params } = found;

  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
  let claims: Record<string, string | number> | undefined;
  if (route.authorized) {
    claims = await authorizer.verify(headers.authorization);
    if (!claims) {
      res.writeHead(401, { 'Content-Type': 'application/json', 'www-authenticate': 'Bearer' });
      res.end(JSON.stringify({ message: 'Unauthorized' }));
      return true;
    }
  }
  const query: Record<string, string> = {};
  for (const [key, value] of url.searchParams) query[key] = query[key] === undefined ? value : `${query[key]},${value}`;
  const now = new Date();
  const event = {
    version: '2.0',
    routeKey: `${route.method} ${route.path}`,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers,
    ...(Object.keys(query).length > 0 ? { queryStringParameters: query } : {}),
    ...(Object.keys(params).length > 0 ? { pathParameters: params } : {}),
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: 'local',
      http: { method, path: url.pathname, protocol: 'HTTP/1.1', sourceIp: req.socket.remoteAddress ?? '127.0.0.1', userAgent: headers['user-agent'] ?? '' },
      requestId: randomUUID(),
      routeKey: `${route.method} ${route.path}`,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
      ...(claims ? { authorizer: { jwt: { claims, scopes: null } } } : {}),
    },
    ...(body.length > 0 ? { body: body.toString('utf8') } : {}),
    isBase64Encoded: false,
  };
  const context = { functionName: route.functionKey, awsRequestId: randomUUID(), getRemainingTimeInMillis: () => 10_000, callbackWaitsForEmptyEventLoop: false };
  const result = await route.handler(event, context);
  const responseHeaders: Record<string, string> = {};
  // Like API Gateway, drop headers a middleware set to nothing (http-security-headers unsets some that way).
  for (const [name, value] of Object.entries(result.headers ?? {})) if (value !== undefined && value !== null && value !== '') responseHeaders[name] = String(value);
  res.writeHead(result.statusCode, responseHeaders);
  res.end(result.body ?? '');
  return true;
}
