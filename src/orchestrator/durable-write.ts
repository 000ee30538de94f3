import { performance } from 'node:perf_hooks';
import type { Logger } from '@nestjs/common';

const FIRST_PAUSE_MS = 100;
const LONGEST_PAUSE_MS = 2000;

/**
 * Runs a database write that records something that already happened (attempts' results),
 * again and again through a database that is briefly away, until it answers or `deadline`
 * (a performance.now() time: the end of the lease's trust) passes; then it throws and the
 * next leader's rescue accounts for what stayed unrecorded. Only for writes that are safe to
 * repeat: fenced updates that match nothing the second time, inserts that conflict with
 * themselves. `retrying` tells the caller a repeat happened (its first try may have committed).
 */
export async function retryUntil<T>(
  what: string,
  logger: Logger,
  deadline: number,
  write: () => Promise<T>,
  retrying?: () => void,
): Promise<T> {
  let pauseMs = FIRST_PAUSE_MS;
  for (;;) {
    try {
      return await write();
    } catch (error) {
      if (performance.now() + pauseMs > deadline) throw error;
      logger.warn(`${what}: ${error instanceof Error ? error.message : String(error)}; trying again in ${pauseMs} ms`);
      retrying?.();
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
      pauseMs = Math.min(pauseMs * 2, LONGEST_PAUSE_MS);
    }
  }
}
