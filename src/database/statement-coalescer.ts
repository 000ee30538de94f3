interface Waiter<T, R> {
  item: T;
  resolve: (result: R) => void;
  reject: (error: unknown) => void;
}

export interface StatementCoalescerOptions<T, R> {
  /** Statements running at once; a call made while this many run waits for the next one. */
  maxInFlight: number;
  /** Items one statement carries at most. */
  maxBatch: number;
  /** Items with the same key never share a statement (each sees what the one before it did). */
  keyOf: (item: T) => string;
  /** One statement for the items; its results in the items' order. */
  run: (items: readonly T[]) => Promise<R[]>;
}

/**
 * Lets concurrent callers share one statement, the way a database shares one WAL flush
 * between concurrent commits. A call made while fewer than `maxInFlight` statements run goes
 * out at once, alone: a lone caller waits for nothing. Calls made while that many run queue
 * up, and the next statement carries all of them: under load one round trip and one commit
 * serve many callers. If a shared statement fails, each of its items is tried again alone, so
 * an item the database refuses fails only its own caller.
 */
export class StatementCoalescer<T, R> {
  private readonly waiting: Waiter<T, R>[] = [];
  private inFlight = 0;

  constructor(private readonly options: StatementCoalescerOptions<T, R>) {}

  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      this.startStatements();
    });
  }

  private startStatements(): void {
    while (this.inFlight < this.options.maxInFlight && this.waiting.length > 0) {
      const batch = this.takeBatch();
      this.inFlight += 1;
      void this.runBatch(batch).finally(() => {
        this.inFlight -= 1;
        this.startStatements();
      });
    }
  }

  /** The waiting items in arrival order, one per key, up to maxBatch; the rest keep waiting. */
  private takeBatch(): Waiter<T, R>[] {
    const keys = new Set<string>();
    const batch: Waiter<T, R>[] = [];
    const rest: Waiter<T, R>[] = [];
    for (const waiter of this.waiting) {
      const key = this.options.keyOf(waiter.item);
      if (batch.length < this.options.maxBatch && !keys.has(key)) {
        keys.add(key);
        batch.push(waiter);
      } else {
        rest.push(waiter);
      }
    }
    this.waiting.splice(0, this.waiting.length, ...rest);
    return batch;
  }

  private async runBatch(batch: readonly Waiter<T, R>[]): Promise<void> {
    let results: R[];
    try {
      results = await this.options.run(batch.map((waiter) => waiter.item));
    } catch (error) {
      if (batch.length === 1) batch[0].reject(error);
      else await Promise.all(batch.map((waiter) => this.runAlone(waiter)));
      return;
    }
    batch.forEach((waiter, index) => waiter.resolve(results[index]));
  }

  private async runAlone(waiter: Waiter<T, R>): Promise<void> {
    try {
      const [result] = await this.options.run([waiter.item]);
      waiter.resolve(result);
    } catch (error) {
      waiter.reject(error);
    }
  }
}
