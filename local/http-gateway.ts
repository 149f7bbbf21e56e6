/**
 * The local API Gateway: routes from serverless.yml (httpApi events) to the same handlers, with HTTP API
 * payload 2.0 events, and the JWT authorizer played by a local signing key (tokens from GET /dev/tokens).
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { generateKeyPair, jwtVerify, SignJWT } from 'jose';

export type HttpLambda = (event: unknown, context: object) => Promise<{ statusCode: number; headers?: Record<string, string | number | boolean>; body?: string }>;

export interface Route {
  method: string;
  path: string;
  /** Requires a bearer token (serverless.yml: authorizer on the event). */
  authorized: boolean;
  functionKey: string;
  handler: HttpLambda;
}

/** The issuer the gateway trusts (local/oidc/provider.ts): its key pair, its URL, the API's audience. */
export interface TrustedIssuer {
  issuer: string;
  audience: string;
  keys: { privateKey: Parameters<SignJWT['sign']>[0]; publicKey: Parameters<typeof jwtVerify>[1] };
}

/**
 * Claims as API Gateway's JWT authorizer delivers them to Lambda: every value a string; numbers as their
 * digits, booleans as "true"/"false", arrays as "[a b c]" (elements joined by spaces between brackets).
 * Objects (rare in access and ID tokens) as their JSON text.
 */
export function deliveredClaims(payload: Record<string, unknown>): Record<string, string> {
  const delivered: Record<string, string> = {};
  const asText = (value: unknown): string => (typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value));
  for (const [name, value] of Object.entries(payload)) {
    if (value === undefined || value === null) continue;
    delivered[name] = Array.isArray(value) ? `[${value.map(asText).join(' ')}]` : asText(value);
  }
  return delivered;
}

export interface TokenOptions {
  /** More claims, or claims to replace (e.g. `email_verified: false`, `groups: [...]`); undefined removes one. */
  claims?: Record<string, unknown>;
  /** Seconds from now; negative for a token that has already expired. */
  expiresInSeconds?: number;
  audience?: string;
}

/**
 * API Gateway's JWT authorizer, locally: the signature (RS256, the issuer's key), issuer, audience and
 * expiry. `issue` signs the same kind of token for /dev/tokens (curl) and tests, as the issuer would.
 */
export class LocalAuthorizer {
  constructor(private readonly trusted: TrustedIssuer) {}

  /** An authorizer with a key pair of its own (tests: a token signed with another key). */
  static async withNewKey(issuer: string, audience: string): Promise<LocalAuthorizer> {
    return new LocalAuthorizer({ issuer, audience, keys: await generateKeyPair('RS256') });
  }

  /** A token like the local issuer's access token: `email` and `email_verified: true`, signed with its key. */
  async issue(email: string, options: TokenOptions = {}): Promise<string> {
    const claims = Object.fromEntries(Object.entries({ email, email_verified: true, ...options.claims }).filter(([, value]) => value !== undefined));
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: 'local-1' })
      .setSubject(email)
      .setIssuer(this.trusted.issuer)
      .setAudience(options.audience ?? this.trusted.audience)
      .setIssuedAt(now)
      .setExpirationTime(now + (options.expiresInSeconds ?? 12 * 60 * 60))
      .sign(this.trusted.keys.privateKey);
  }

  /** The token's claims as delivered, or undefined (API Gateway answers 401 itself, the handler never runs). */
  async verify(header: string | undefined): Promise<Record<string, string> | undefined> {
    const match = /^Bearer (.+)$/i.exec(header ?? '');
    if (!match?.[1]) return undefined;
    try {
      const { payload } = await jwtVerify(match[1], this.trusted.keys.publicKey, { issuer: this.trusted.issuer, audience: this.trusted.audience, algorithms: ['RS256'] });
      return deliveredClaims(payload);
    } catch {
      return undefined;
    }
  }
}

/** The route's path parameters, decoded; undefined when the path is not this route's; null when a parameter's percent-encoding is malformed. */
function matchPath(pattern: string, path: string): Record<string, string> | undefined | null {
  const names: string[] = [];
  const regex = new RegExp(
    `^${pattern.replace(/\{([^}]+)\}/g, (_, name: string) => {
      names.push(name);
      return '([^/]+)';
    })}$`,
  );
  const match = regex.exec(path);
  if (!match) return undefined;
  try {
    return Object.fromEntries(names.map((name, index) => [name, decodeURIComponent(match[index + 1] ?? '')]));
  } catch {
    return null;
  }
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
    if (params === null) {
      // API Gateway refuses a path it cannot decode before any integration runs.
      res.writeHead(400, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ message: 'Bad Request' }));
      return true;
    }
    if (params) {
      found = { route, params };
      break;
    }
  }
  if (!found) return false;
  const { route, params } = found;

  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
  let claims: Record<string, string> | undefined;
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
