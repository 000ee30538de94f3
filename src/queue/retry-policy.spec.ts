import { ActionStatus } from '../actions/action-status';
import { decideAfterFailure } from './retry-policy';

const policy = { maxRetries: 3, baseSeconds: 10, maxSeconds: 3600 };

describe('decideAfterFailure', () => {
  it('retries with doubling delays, then dead-letters after maxRetries retries (4 attempts)', () => {
    expect([1, 2, 3, 4].map((attempts) => decideAfterFailure(attempts, true, policy))).toEqual([
      { status: ActionStatus.RETRY, delaySeconds: 10 },
      { status: ActionStatus.RETRY, delaySeconds: 20 },
      { status: ActionStatus.RETRY, delaySeconds: 40 },
      { status: ActionStatus.DLQ, delaySeconds: 0 },
    ]);
  });

  it('dead-letters a non-retryable failure at once', () => {
    expect(decideAfterFailure(1, false, policy)).toEqual({ status: ActionStatus.DLQ, delaySeconds: 0 });
  });

  it('caps the delay', () => {
    expect(decideAfterFailure(40, true, { maxRetries: 100, baseSeconds: 10, maxSeconds: 3600 }).delaySeconds).toBe(3600);
  });
});
