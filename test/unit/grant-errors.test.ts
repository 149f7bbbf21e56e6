/**
 * ElastiCache's own throttle is GrantThrottled, named as it arrives: by its wire code (an AwsQueryError,
 * functions/adapters/aws-query-call.ts), in both drivers' tables.
 */
import { CLASSIC_ERRORS, VPC_ERRORS, toGrantError } from '../../functions/adapters/grant-errors.js';

test.each([
  ['classic', CLASSIC_ERRORS],
  ['VPC', VPC_ERRORS],
])('APICallRateForCustomerExceeded is GrantThrottled (%s)', (_driver, table) => {
  const error = toGrantError(Object.assign(new Error('Rate exceeded'), { name: 'APICallRateForCustomerExceeded' }), 'Authorizing', table);
  expect(error.name).toBe('GrantThrottled');
});
