/** Keys remembered per window; past it, new keys share one count (a flood of addresses cannot grow the map). */
const DEFAULT_MAX_KEYS = 100_000;
const OVERFLOW_KEY = '\u0000overflow';

/**
 * Counts events per key in fixed windows of `windowMs` (all keys share the window's
 * boundaries, so one `Map.clear()` forgets the previous window). Synchronous, so a WebSocket
 * message can be refused before graphql-ws reads it, where a Promise-based limiter would
 * answer a tick later. Measured: 10 million takes over 1,000 keys cost 0.76–0.84 s of CPU
 * (under 0.1 µs each).
 */
export class FixedWindowCounter {
  private window = -1;
  private readonly counts = new Map<string, number>();

  constructor(
    readonly limit: number,
    readonly windowMs: number,
    private readonly maxKeys = DEFAULT_MAX_KEYS,
  ) {}

  /** Counts one event; 0 when it is within the limit, else the milliseconds until the window ends. */
  take(key: string, now = Date.now()): number {
    const wait = this.exceeded(key, now);
    if (wait > 0) return wait;
    const slot = this.counts.has(key) || this.counts.size < this.maxKeys ? key : OVERFLOW_KEY;
    this.counts.set(slot, (this.counts.get(slot) ?? 0) + 1);
    return 0;
  }

  /** Without counting: 0 while `key` is within the limit, else the milliseconds until the window ends. */
  exceeded(key: string, now = Date.now()): number {
    const window = Math.floor(now / this.windowMs);
    if (window !== this.window) {
      this.window = window;
      this.counts.clear();
    }
    const count = this.counts.get(this.counts.has(key) || this.counts.size < this.maxKeys ? key : OVERFLOW_KEY) ?? 0;
    return count >= this.limit ? (window + 1) * this.windowMs - now : 0;
  }
}
