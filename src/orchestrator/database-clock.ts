/**
 * The database's clock, as this process can know it between statements: the time a lease
 * statement read (its statement_timestamp), carried forward by this process's monotonic clock.
 * What the orchestrator stores as a time (a tick's start, an attempt's start) comes from here,
 * never from the process's wall clock, which may be set minutes off the database's: every
 * stored time is then on one clock, whichever instance wrote it. Off by at most the time the
 * lease statement took to reach the database.
 */
export class DatabaseClock {
  private reading: { databaseMs: number; monotonicMs: number } | null = null;

  /** `databaseNow` was read by a statement sent at `monotonicMs` (performance.now()). */
  set(databaseNow: Date, monotonicMs: number): void {
    this.reading = { databaseMs: databaseNow.getTime(), monotonicMs };
  }

  /** The database's time at `monotonicMs` (performance.now()). */
  at(monotonicMs: number): Date {
    if (!this.reading) throw new Error('The database clock has not been read yet');
    return new Date(this.reading.databaseMs + (monotonicMs - this.reading.monotonicMs));
  }
}
