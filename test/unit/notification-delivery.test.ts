import {
  deliveryKey,
  MAX_DELIVERY_ATTEMPTS,
  nextDeliveryAttempt,
  scheduledRetrySeconds,
} from '../../functions/domain/notification-delivery.js';

describe('the notification retry schedule', () => {
  it('keeps trying for over an hour before the last attempt, then gives up', () => {
    expect(scheduledRetrySeconds(MAX_DELIVERY_ATTEMPTS - 1)).toBeGreaterThan(3600);
    expect(nextDeliveryAttempt(MAX_DELIVERY_ATTEMPTS, undefined)).toEqual({ giveUp: true });
  });

  it('backs off 15 s, 30 s, 60 s … capped at 15 minutes; jitter only lengthens a wait', () => {
    expect(nextDeliveryAttempt(1, undefined, () => 0)).toEqual({ retryInSeconds: 15 });
    expect(nextDeliveryAttempt(3, undefined, () => 0)).toEqual({ retryInSeconds: 60 });
    expect(nextDeliveryAttempt(9, undefined, () => 0)).toEqual({ retryInSeconds: 900 });
    expect(nextDeliveryAttempt(1, undefined, () => 1)).toEqual({ retryInSeconds: 18 });
  });

  it('never retries sooner than the sink’s Retry-After', () => {
    expect(nextDeliveryAttempt(1, 120, () => 0)).toEqual({ retryInSeconds: 120 });
    expect(nextDeliveryAttempt(5, 1, () => 0)).toEqual({ retryInSeconds: 240 });
  });

  it('one delivery per event, round, channel and recipient', () => {
    const job = { requestId: 'r1', event: 'granted', channel: 'email', recipient: 'a@example.com' } as const;
    expect(deliveryKey(job)).toBe(deliveryKey({ ...job }));
    expect(deliveryKey(job)).not.toBe(deliveryKey({ ...job, recipient: 'b@example.com' }));
    expect(deliveryKey({ ...job, event: 'expiry-warning', round: 'x' })).not.toBe(deliveryKey({ ...job, event: 'expiry-warning', round: 'y' }));
  });
});
