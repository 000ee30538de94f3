import { performance } from 'node:perf_hooks';
import type { Logger } from '@nestjs/common';

const FIRST_PAUSE_MS = 100;
const LONGEST_PAUSE_MS = 2000;

export interface RetryOptions {
  /** Told each time the write is about to be repeated (its first try may have committed). */
  retrying?: () => void;
  /** Whether a failure may pass with time (by default any may); one that cannot is thrown at once. */
  worthRetrying?: (error: unknown) => boolean;
}

/**
 * Runs a database write that records something that already happened (attempts' results, an
 * event's webhook deliveries), again and again through a database that is briefly away, until
 * it answers or `deadline()` (a performance.now() time, read before each pause: for attempts,
 * the end of the lease's trust, after which the next leader's rescue accounts for what stayed
 * unrecorded) passes; then it throws. Only for writes that are safe to repeat: fenced updates
 * that match nothing the second time, inserts that conflict with themselves.
 */
export async function retryUntil<T>(
  what: string,
  logger: Logger,
  deadline: () => number,
  write: () => Promise<T>,
  options: RetryOptions = {},
): Promise<T> {
  let pauseMs = FIRST_PAUSE_MS;
  for (;;) {
    try {
      return await write();
    } catch (error) {
      if (performance.now() + pauseMs > deadline() || options.worthRetrying?.(error) === false) throw error;
      logger.warn(`${what}: ${error instanceof Error ? error.message : String(error)}; trying again in ${pauseMs} ms`);
      options.retrying?.();
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
      pauseMs = Math.min(pauseMs * 2, LONGEST_PAUSE_MS);
    }
  }
}
