/**
 * SUCCESS: the tick ran and every attempt succeeded (or there was nothing to do).
 * PARTIAL: the tick ran and at least one attempt failed. PAUSED / KILLED: the switchboard
 * stopped it before anything ran. ERROR: the tick itself failed (database, bug).
 * RUNNING only while a busy tick is in progress, or left behind by a leader that died.
 */
export enum TickOutcome {
  RUNNING = 'RUNNING',
  SUCCESS = 'SUCCESS',
  PARTIAL = 'PARTIAL',
  PAUSED = 'PAUSED',
  KILLED = 'KILLED',
  ERROR = 'ERROR',
}

/** How one attempt ended. ABANDONED: its leader stopped before recording a result. */
export enum AttemptOutcome {
  SUCCESS = 'SUCCESS',
  FAILED = 'FAILED',
  TIMED_OUT = 'TIMED_OUT',
  ABANDONED = 'ABANDONED',
}
