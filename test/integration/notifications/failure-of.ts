import { DeliveryFailed } from '../../../functions/errors.js';

/** The DeliveryFailed a call rejects with (fails the test if it resolves or throws anything else). */
export async function failureOf(promise: Promise<unknown>): Promise<DeliveryFailed> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  if (!(error instanceof DeliveryFailed)) throw new Error(`Expected a DeliveryFailed, got ${String(error)}`);
  return error;
}
