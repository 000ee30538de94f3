import type { TickOutcome } from './tick-outcome';

export interface TickCounts {
  attempted: number;
  succeeded: number;
  failed: number;
  retried: number;
  deadLettered: number;
}

export const NO_ATTEMPTS: TickCounts = { attempted: 0, succeeded: 0, failed: 0, retried: 0, deadLettered: 0 };

/** Who ran a tick, under which epoch, from when (by the database's clock). */
export interface TickStart {
  owner: string;
  epoch: number;
  startedAt: Date;
}

/** How a tick ended; it finished when its row is written, by the database's clock. */
export interface TickSummary extends TickCounts {
  outcome: TickOutcome;
  durationMs: number;
  note: string | null;
}
