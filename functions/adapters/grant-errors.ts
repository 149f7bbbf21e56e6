/**
 * AWS errors → the grant errors the state machine matches by name (functions/errors.ts). Both drivers
 * map by `err.name`: the JS SDK names modelled ElastiCache errors by shape (AuthorizationAlreadyExistsFault)
 * and everything else, including every EC2 error, by wire code (InvalidPermission.Duplicate).
 */
import { AlreadyAuthorized, CachegateError, GrantFailed, GrantThrottled, GroupNotFound, InvalidTarget, LimitExceeded, NotAuthorized } from '../errors.js';

type GrantErrorClass = new (message: string, options?: { cause?: unknown }) => CachegateError;

export type ErrorTable = Readonly<Record<string, GrantErrorClass>>;

/**
 * Throttling codes, as the SDK reports them once its own retries are spent. APICallRateForCustomerExceeded
 * is ElastiCache's own throttle, which the SDK does not retry; the state machine's back-off does.
 */
const THROTTLING: ErrorTable = {
  Throttling: GrantThrottled,
  ThrottlingException: GrantThrottled,
  RequestLimitExceeded: GrantThrottled,
  TooManyRequestsException: GrantThrottled,
  APICallRateForCustomerExceeded: GrantThrottled,
  // The same, as the SDK names the modelled error (by its shape); named here, the bundle keeps it modelled.
  APICallRateForCustomerExceededFault: GrantThrottled,
};

export const CLASSIC_ERRORS: ErrorTable = {
  ...THROTTLING,
  CacheSecurityGroupNotFoundFault: GroupNotFound,
  AuthorizationAlreadyExistsFault: AlreadyAuthorized,
  AuthorizationNotFoundFault: NotAuthorized,
  InvalidCacheSecurityGroupStateFault: InvalidTarget,
  InvalidParameterValueException: InvalidTarget,
  InvalidParameterCombinationException: InvalidTarget,
  CacheSecurityGroupQuotaExceededFault: LimitExceeded,
  TagQuotaPerResourceExceeded: LimitExceeded,
};

export const VPC_ERRORS: ErrorTable = {
  ...THROTTLING,
  // ElastiCache, while resolving the cluster.
  CacheClusterNotFoundFault: GroupNotFound,
  ReplicationGroupNotFoundFault: GroupNotFound,
  InvalidParameterValueException: InvalidTarget,
  InvalidParameterCombinationException: InvalidTarget,
  // EC2.
  'InvalidGroup.NotFound': GroupNotFound,
  'InvalidPermission.Duplicate': AlreadyAuthorized,
  'InvalidPermission.NotFound': NotAuthorized,
  'InvalidSecurityGroupRuleId.NotFound': NotAuthorized,
  'InvalidGroupId.Malformed': InvalidTarget,
  'InvalidSecurityGroupRuleId.Malformed': InvalidTarget,
  InvalidParameterValue: InvalidTarget,
  InvalidParameterCombination: InvalidTarget,
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
  const status = (err as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
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
