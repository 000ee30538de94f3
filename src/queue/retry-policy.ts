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
  /** The attempt does not count against the retry budget (the remote side said when to come back). */
  spareBudget: boolean;
}

/** A remote side's "come back at" is followed this many times in a row, and only this far ahead. */
export const MAX_DEFERRALS = 3;
export const MAX_DEFERRAL_SECONDS = 24 * 3600;
/** Every backoff is spread by ±20 %, so actions that failed together do not come back together. */
const JITTER = 0.2;
/** A deferral to a remote reset time waits up to this much past it, never less. */
const DEFERRAL_JITTER_SECONDS = 1;

export interface FailureFacts {
  /** Attempts of the current budget, this one included. */
  attempts: number;
  retryable: boolean;
  /** Seconds until the remote side said to come back (a 429's reset), or null. */
  retryInSeconds?: number | null;
  /** Deferrals to a remote reset already made in a row. */
  deferrals?: number;
}

/**
 * After attempt number `attempts` of the current budget failed: when the remote side said when
 * to come back (within MAX_DEFERRAL_SECONDS, at most MAX_DEFERRALS times in a row), retry then,
 * sparing the budget; otherwise retry with exponential backoff (base, 2×base, 4×base … capped
 * at maxSeconds, each ±20 %) while the budget lasts and the failure is retryable; otherwise
 * the dead-letter queue. `random` gives numbers in [0, 1).
 */
export function decideAfterFailure(facts: FailureFacts, policy: RetryPolicy, random: () => number = Math.random): FailureDecision {
  const { attempts, retryable, retryInSeconds = null, deferrals = 0 } = facts;
  if (retryable && retryInSeconds !== null && retryInSeconds <= MAX_DEFERRAL_SECONDS && deferrals < MAX_DEFERRALS) {
    return {
      status: ActionStatus.RETRY,
      delaySeconds: Math.max(0, retryInSeconds) + random() * DEFERRAL_JITTER_SECONDS,
      spareBudget: true,
    };
  }
  if (!retryable || attempts > policy.maxRetries) return { status: ActionStatus.DLQ, delaySeconds: 0, spareBudget: false };
  const exponent = Math.min(Math.max(attempts - 1, 0), 30);
  const backoff = Math.min(policy.baseSeconds * 2 ** exponent, policy.maxSeconds);
  return { status: ActionStatus.RETRY, delaySeconds: backoff * (1 - JITTER + 2 * JITTER * random()), spareBudget: false };
}
