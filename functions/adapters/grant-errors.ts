/**
 * AWS errors → the grant errors the state machine matches by name (functions/errors.ts). Both drivers
 * map by `err.name`, which is the wire code of the error (an AwsQueryError, aws-query-call.ts): EC2's
 * (InvalidPermission.Duplicate) and ElastiCache's, which differ from the names of the SDK's error classes
 * (AuthorizationAlreadyExists, not AuthorizationAlreadyExistsFault; docs/aws-facts.md, section 2.5).
 */
import { AlreadyAuthorized, CachegateError, GrantFailed, GrantThrottled, GroupNotFound, InvalidTarget, LimitExceeded, NotAuthorized } from '../errors.js';
import { AwsQueryError } from './aws-query-call.js';

type GrantErrorClass = new (message: string, options?: { cause?: unknown }) => CachegateError;

export type ErrorTable = Readonly<Record<string, GrantErrorClass>>;

/**
 * Throttling codes, once the call's own retries are spent. APICallRateForCustomerExceeded is ElastiCache's
 * own throttle, which the call does not retry (nor did the SDK); the state machine's back-off does.
 */
const THROTTLING: ErrorTable = {
  Throttling: GrantThrottled,
  ThrottlingException: GrantThrottled,
  RequestLimitExceeded: GrantThrottled,
  TooManyRequestsException: GrantThrottled,
  APICallRateForCustomerExceeded: GrantThrottled,
};

export const CLASSIC_ERRORS: ErrorTable = {
  ...THROTTLING,
  CacheSecurityGroupNotFound: GroupNotFound,
  AuthorizationAlreadyExists: AlreadyAuthorized,
  AuthorizationNotFound: NotAuthorized,
  InvalidCacheSecurityGroupState: InvalidTarget,
  InvalidParameterValue: InvalidTarget,
  InvalidParameterCombination: InvalidTarget,
  'QuotaExceeded.CacheSecurityGroup': LimitExceeded,
  TagQuotaPerResourceExceeded: LimitExceeded,
};

export const VPC_ERRORS: ErrorTable = {
  ...THROTTLING,
  // ElastiCache, while resolving the cluster (its code for a missing replication group ends in Fault).
  CacheClusterNotFound: GroupNotFound,
  ReplicationGroupNotFoundFault: GroupNotFound,
  // Both services.
  InvalidParameterValue: InvalidTarget,
  InvalidParameterCombination: InvalidTarget,
  // EC2.
  'InvalidGroup.NotFound': GroupNotFound,
  'InvalidPermission.Duplicate': AlreadyAuthorized,
  'InvalidPermission.NotFound': NotAuthorized,
  'InvalidSecurityGroupRuleId.NotFound': NotAuthorized,
  'InvalidGroupId.Malformed': InvalidTarget,
  'InvalidSecurityGroupRuleId.Malformed': InvalidTarget,
  RulesPerSecurityGroupLimitExceeded: LimitExceeded,
  TagLimitExceeded: LimitExceeded,
};

/** The AWS error's name (its code), when it has one. */
export function awsErrorName(err: unknown): string | undefined {
  return err instanceof Error ? err.name : undefined;
}

/** A grant error for `err`, keeping it as `cause`; `doing` says what was attempted, for the message. */
export function toGrantError(err: unknown, doing: string, table: ErrorTable): CachegateError {
  const name = awsErrorName(err);
  const reason = err instanceof Error ? err.message : String(err);
  const status = err instanceof AwsQueryError ? err.httpStatus : undefined;
  const Mapped = (name !== undefined && Object.hasOwn(table, name) ? table[name] : undefined) ?? GrantFailed;
  const detail = [name, status && `HTTP ${status}`].filter(Boolean).join(', ');
  return new Mapped(`${doing} failed${detail ? ` (${detail})` : ''}: ${reason}`, { cause: err });
}

/** Runs an AWS call and turns whatever it throws into a grant error. */
export async function mapAwsErrors<T>(doing: string, table: ErrorTable, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    // Our own errors (thrown by validation inside `call`) are already what the workflow expects.
    if (err instanceof CachegateError) throw err;
    throw toGrantError(err, doing, table);
  }
}
