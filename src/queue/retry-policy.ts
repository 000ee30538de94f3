import { ActionStatus } from '../actions/action-status';

export interface RetryPolicy {
  /** Retries after the first attempt: maxRetries 3 means at most 4 attempts. */
  maxRetries: number;
  baseSeconds: number;
  maxSeconds: number;
}

export interface FailureDecision {
  status: ActionStatus.RETRY | ActionStatus.DLQ;
  /** Delay before the retry is due, from the database's clock; 0 for DLQ. */
  delaySeconds: number;
}

/**
 * After attempt number `attempts` of the current budget failed: retry with exponential backoff (base, 2×base,
 * 4×base … capped at maxSeconds) while the budget lasts and the failure is retryable;
 * otherwise the dead-letter queue.
 */
export function decideAfterFailure(attempts: number, retryable: boolean, policy: RetryPolicy): FailureDecision {
  if (!retryable || attempts > policy.maxRetries) return { status: ActionStatus.DLQ, delaySeconds: 0 };
  const exponent = Math.min(Math.max(attempts - 1, 0), 30);
  return { status: ActionStatus.RETRY, delaySeconds: Math.min(policy.baseSeconds * 2 ** exponent, policy.maxSeconds) };
}
