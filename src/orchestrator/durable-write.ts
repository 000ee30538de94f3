import { performance } from 'node:perf_hooks';
import type { Logger } from '@nestjs/common';

const FIRST_PAUSE_MS = 100;
const LONGEST_PAUSE_MS = 2000;

/**
 * Writes the record of something that already happened (an attempt's result), through a
 * database that may be briefly away. The write is retried until it answers or `deadline`
 * (a performance.now() time: the end of the lease's trust) passes; after that the caller
 * gives up and the next leader's rescue accounts for the action. The writes retried here are
 * all safe to repeat: fenced updates that match nothing the second time, and inserts that
 * conflict with themselves. `confirm` is asked when a repeat matched nothing, to tell "my
 * first try did commit" from "the lease moved on".
 */
export async function writeDurably<T>(
  what: string,
  logger: Logger,
  deadline: number,
  write: () => Promise<T | null>,
  confirm: () => Promise<T | null> = async () => null,
): Promise<T | null> {
  let pauseMs = FIRST_PAUSE_MS;
  let failedBefore = false;
  for (;;) {
    try {
      const written = await write();
      if (written !== null || !failedBefore) return written;
      return await confirm();
    } catch (error) {
      if (performance.now() + pauseMs > deadline) throw error;
      failedBefore = true;
      logger.warn(`${what}: ${error instanceof Error ? error.message : String(error)}; trying again in ${pauseMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
      pauseMs = Math.min(pauseMs * 2, LONGEST_PAUSE_MS);
    }
  }
}
