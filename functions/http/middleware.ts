/**
 * The one middleware stack every HTTP route uses: header normalization, security headers, structured
 * logs with the request id, and error mapping. Handlers throw typed errors (functions/errors.ts); the
 * mapping to a status and a body happens here and only here.
 *
 * middy runs `after` and `onError` middlewares in reverse order of registration, so the order below is
 * the way out read bottom-up: the route's own onError (log, error page) runs first, http-error-handler then
 * turns any error still without a response into JSON (a bare 500 for anything that is not an exposed 4xx),
 * and only then, on a response that now exists, the outermost two add `Cache-Control: no-store` and the
 * security headers. Registered the other way round, http-security-headers ran before any error had a
 * response and skipped every error page and JSON error.
 */
import middy from '@middy/core';
import httpErrorHandler from '@middy/http-error-handler';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import httpSecurityHeaders from '@middy/http-security-headers';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { isThrottlingError } from '@smithy/core/retry';
import { GrantThrottled, HttpError, ServiceUnavailableError } from '../errors.js';
import { logContext, logger } from '../logger.js';
import type { AnyMiddleware } from '../secrets-middleware.js';
import { withInvocationSecrets } from '../secrets.js';

/** API Gateway HTTP API (payload 2.0) event; `authorizer` is present on JWT-protected routes. */
export type HttpEvent = APIGatewayProxyEventV2 & {
  requestContext: APIGatewayProxyEventV2['requestContext'] & {
    /** Every claim a string, as API Gateway delivers them (jwt-claims.ts). */
    authorizer?: { jwt?: { claims?: Record<string, string>; scopes?: string[] | null } };
  };
};
export type HttpResult = APIGatewayProxyStructuredResultV2 & { statusCode: number };
export type HttpRoute = (event: HttpEvent, context: Context) => Promise<HttpResult>;

/** Retry-After on a 503 for AWS throttling: the SDK has already backed off for about a second. */
const THROTTLED_RETRY_AFTER_SECONDS = 5;

function isThrottled(error: unknown): boolean {
  return error instanceof GrantThrottled || (error instanceof Error && isThrottlingError(error as Parameters<typeof isThrottlingError>[0]));
}

const INTERNAL_ERROR_BODY = JSON.stringify({ error: 'InternalError', message: 'Something went wrong on our side; it has been logged.' });

export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): HttpResult {
  return { statusCode, headers: { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', ...headers }, body: JSON.stringify(body) };
}

export function html(statusCode: number, page: string): HttpResult {
  return {
    statusCode,
    headers: {
      'Content-Type': 'text/html; charset=utf-8',
      'Cache-Control': 'no-store',
      'Referrer-Policy': 'no-referrer',
      'X-Robots-Tag': 'noindex',
    },
    body: page,
  };
}

export interface RouteOptions {
  /** How errors are shown: a JSON body, or a page rendered by `errorPage`. */
  errorPage?: (error: HttpError, event: HttpEvent) => string | undefined;
  /** More middlewares, after the common ones (e.g. secretsMiddleware). */
  use?: readonly AnyMiddleware[];
}

/** Responses are per person and per moment (a request's status, a link's page): no cache keeps them. */
const noStore = {
  after: (request: { response?: HttpResult }) => {
    const headers = (request.response ??= { statusCode: 200 }).headers ?? {};
    if (!Object.keys(headers).some((name) => name.toLowerCase() === 'cache-control')) headers['Cache-Control'] = 'no-store';
    request.response.headers = headers;
  },
  onError: (request: { response?: HttpResult }) => {
    if (request.response !== undefined) noStore.after(request);
  },
};

export function httpRoute(route: HttpRoute, options: RouteOptions = {}) {
  const handler = middy<HttpEvent, HttpResult>()
    // middy's defaults forbid every form and sandbox the page; the approval page's one form posts back to
    // its own URL, and its one stylesheet is inline. Everything else stays as strict as the defaults
    // (less navigate-to, which no browser implements).
    .use(httpSecurityHeaders({ contentSecurityPolicy: { 'style-src': "'unsafe-inline'", 'form-action': "'self'", sandbox: 'allow-forms', 'navigate-to': '' } }))
    .use(noStore)
    .use(httpErrorHandler({ logger: false, fallbackMessage: INTERNAL_ERROR_BODY }))
    .use(logContext())
    .use({
      before: (request) => {
        logger.resetKeys();
        logger.appendKeys({ route: request.event.routeKey });
      },
      onError: (request) => {
        let error = request.error;
        if (!(error instanceof HttpError) && isThrottled(error)) {
          // AWS said "slow down" after the calls' own retries: neither our fault nor the caller's, and over soon.
          logger.warn('request throttled by AWS', { error });
          error = request.error = new ServiceUnavailableError('AWS is busy right now; try again in a few seconds', THROTTLED_RETRY_AFTER_SECONDS, { cause: error });
        }
        if (error instanceof HttpError) {
          logger.info('request refused', { status: error.statusCode, code: error.code, reason: error.message });
          const page = options.errorPage?.(error, request.event);
          if (page !== undefined) {
            const response = html(error.statusCode, page);
            if (error instanceof ServiceUnavailableError) Object.assign(response.headers ?? {}, error.headers);
            request.response = response;
            return;
          }
          // http-error-handler sends a JSON message as application/json.
          error.message = JSON.stringify({ error: error.code, message: error.message, details: error.details });
          return;
        }
        logger.error('request failed', { error });
      },
    })
    .use(httpHeaderNormalizer());
  for (const middleware of options.use ?? []) handler.use(middleware);
  // The secrets on the context also reach code far from the route (notifications): secrets.ts, ambientSecret.
  const invoke = handler.handler((event, context) => withInvocationSecrets(context, () => route(event, context)));
  return (event: HttpEvent, context: Context): Promise<HttpResult> => logger.scope(() => invoke(event, context));
}
