import { ActionStatus } from '../actions/action-status';
import { decideAfterFailure, MAX_DEFERRALS } from './retry-policy';

const policy = { maxRetries: 3, baseSeconds: 10, maxSeconds: 3600 };
const middle = () => 0.5;

describe('decideAfterFailure', () => {
  it('retries with doubling delays, then dead-letters after maxRetries retries (4 attempts)', () => {
    expect([1, 2, 3, 4].map((attempts) => decideAfterFailure({ attempts, retryable: true }, policy, middle))).toEqual([
      { status: ActionStatus.RETRY, delaySeconds: 10, spareBudget: false },
      { status: ActionStatus.RETRY, delaySeconds: 20, spareBudget: false },
      { status: ActionStatus.RETRY, delaySeconds: 40, spareBudget: false },
      { status: ActionStatus.DLQ, delaySeconds: 0, spareBudget: false },
    ]);
  });

  it('spreads every backoff by ±20 %', () => {
    expect(decideAfterFailure({ attempts: 2, retryable: true }, policy, () => 0).delaySeconds).toBeCloseTo(16);
    expect(decideAfterFailure({ attempts: 2, retryable: true }, policy, () => 0.999999).delaySeconds).toBeCloseTo(24);
  });

  it('dead-letters a non-retryable failure at once', () => {
    expect(decideAfterFailure({ attempts: 1, retryable: false }, policy)).toEqual({
      status: ActionStatus.DLQ,
      delaySeconds: 0,
      spareBudget: false,
    });
  });

  it('caps the delay', () => {
    expect(
      decideAfterFailure({ attempts: 40, retryable: true }, { maxRetries: 100, baseSeconds: 10, maxSeconds: 3600 }, middle).delaySeconds,
    ).toBe(3600);
  });

  it("comes back at the remote side's reset time, sparing the budget, a bounded number of times and distance", () => {
    expect(decideAfterFailure({ attempts: 4, retryable: true, retryInSeconds: 3, deferrals: 0 }, policy, () => 0)).toEqual({
      status: ActionStatus.RETRY,
      delaySeconds: 3,
      spareBudget: true,
    });
    expect(decideAfterFailure({ attempts: 1, retryable: true, retryInSeconds: 3, deferrals: MAX_DEFERRALS }, policy, middle)).toEqual({
      status: ActionStatus.RETRY,
      delaySeconds: 10,
      spareBudget: false,
    });
    expect(decideAfterFailure({ attempts: 1, retryable: true, retryInSeconds: 25 * 3600 }, policy, middle).spareBudget).toBe(false);
  });
});
