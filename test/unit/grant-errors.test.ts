/**
 * ElastiCache's own throttle is GrantThrottled whichever name it arrives under: the modelled error's
 * (unbundled, and bundled since the name is in the table: scripts/esbuild-plugins.ts keeps errors the
 * functions name) or the wire code's (an unmodelled error arrives named by its code).
 */
import { CLASSIC_ERRORS, VPC_ERRORS, toGrantError } from '../../functions/adapters/grant-errors.js';

test.each([
  ['APICallRateForCustomerExceededFault', CLASSIC_ERRORS],
  ['APICallRateForCustomerExceeded', CLASSIC_ERRORS],
  ['APICallRateForCustomerExceededFault', VPC_ERRORS],
])('%s is GrantThrottled', (name, table) => {
  const error = toGrantError(Object.assign(new Error('Rate exceeded'), { name }), 'Authorizing', table);
  expect(error.name).toBe('GrantThrottled');
});
