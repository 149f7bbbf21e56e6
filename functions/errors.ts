/**
 * The typed error family. Every class sets `name` explicitly (bundles are minified, so constructor
 * names cannot be trusted): Step Functions `Retry`/`Catch` match task errors by that name, and the HTTP
 * middleware maps `statusCode` to a response.
 */

export class CachegateError extends Error {
  override name = 'CachegateError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A field-level complaint about input, shown to the caller as-is. */
export interface FieldProblem {
  field: string;
  message: string;
}

/** An error the HTTP layer turns into a 4xx reply: `code` is the stable `error` value of the JSON body. */
export class HttpError extends CachegateError {
  override name = 'HttpError';
  readonly expose = true;
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly details: FieldProblem[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export class ValidationError extends HttpError {
  override name = 'ValidationError';
  constructor(details: FieldProblem[], message = 'The request is not valid') {
    super(400, 'ValidationError', message, details);
  }
}

export class ForbiddenError extends HttpError {
  override name = 'ForbiddenError';
  constructor(message: string) {
    super(403, 'Forbidden', message);
  }
}

export class NotFoundError extends HttpError {
  override name = 'NotFoundError';
  constructor(message: string, details: FieldProblem[] = []) {
    super(404, 'NotFound', message, details);
  }
}

export class ConflictError extends HttpError {
  override name = 'ConflictError';
  constructor(message: string, readonly existingId?: string) {
    super(409, 'Conflict', message);
  }
}

export class UnprocessableError extends HttpError {
  override name = 'UnprocessableError';
  constructor(message: string, details: FieldProblem[] = []) {
    super(422, 'Unprocessable', message, details);
  }
}

/** AWS is throttling us right now: the caller may try again after `retryAfterSeconds` (Retry-After). */
export class ServiceUnavailableError extends HttpError {
  override name = 'ServiceUnavailableError';
  /** Sent with the response (http-error-handler copies an error's headers). */
  readonly headers: Record<string, string>;
  constructor(message: string, retryAfterSeconds: number, options?: { cause?: unknown }) {
    super(503, 'ServiceUnavailable', message, [], options);
    this.headers = { 'Retry-After': String(retryAfterSeconds) };
  }
}

// Grant errors: thrown by both grant drivers (classic ElastiCache and VPC/EC2) with the same names,
// matched by name in statemachines/access-request.asl.yaml.

/** The cache security group, cluster or security group named by the request does not exist. */
export class GroupNotFound extends CachegateError {
  override name = 'GroupNotFound';
}

/** The grant is already in place (or on its way); the workflow verifies its status instead of failing. */
export class AlreadyAuthorized extends CachegateError {
  override name = 'AlreadyAuthorized';
}

/** Revoking a grant that is not there. */
export class NotAuthorized extends CachegateError {
  override name = 'NotAuthorized';
}

/** The target cannot take this grant (bad parameters, wrong state, no managed group). */
export class InvalidTarget extends CachegateError {
  override name = 'InvalidTarget';
}

/** A quota stops the grant (rules per security group, groups per account). */
export class LimitExceeded extends CachegateError {
  override name = 'LimitExceeded';
}

/** AWS kept throttling after the call's own retries; the state machine retries it with back-off. */
export class GrantThrottled extends CachegateError {
  override name = 'GrantThrottled';
}

/** Any other failure from the grant API: not retried by the state machine, reported with its reason. */
export class GrantFailed extends CachegateError {
  override name = 'GrantFailed';
}

/** The approval link is malformed, tampered with, expired, used, or not this approver's. */
export class ApprovalLinkError extends HttpError {
  override name = 'ApprovalLinkError';
  constructor(statusCode: 403 | 404 | 409 | 410, code: string, message: string) {
    super(statusCode, code, message);
  }
}

/** Configuration is missing or malformed; the message names the variable. */
export class ConfigError extends CachegateError {
  override name = 'ConfigError';
}

/**
 * A notification (email, Slack message, event) was not delivered this time. `retryable`: the sink said
 * "not now" (throttled, refused the connection, 5xx) and a later attempt may succeed, after
 * `retryAfterSeconds` when the sink named it (Slack's Retry-After). Not retryable: it can never succeed
 * as it is (a bad address, a channel the bot is not in); the durable path records it as given up.
 */
export class DeliveryFailed extends CachegateError {
  override name = 'DeliveryFailed';
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly retryAfterSeconds?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * A retryable DeliveryFailed after which the message may have arrived all the same: the attempt timed out,
 * the connection broke after the request was sent, or the sink answered 5xx. Same `name`, so the durable
 * path treats it as any retryable DeliveryFailed; the Slack service looks for the earlier post before
 * posting again (message metadata), while an email retried after it may arrive twice.
 */
export class DeliveryUncertain extends DeliveryFailed {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, true, undefined, options);
  }
}
