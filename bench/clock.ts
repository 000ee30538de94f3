import { performance } from 'node:perf_hooks';

/**
 * Wall-clock milliseconds with sub-millisecond resolution. Comparable between the processes
 * of one run on one machine (each process anchors its monotonic clock to the same wall
 * clock), which is how a child's "first job started" meets the parent's "all done".
 */
export function epochMs(): number {
  return performance.timeOrigin + performance.now();
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
