import { Sql, sql } from '../../database/sql';
import type { SqlDialect } from '../../database/sql-dialect';
import type { TickSummary } from '../tick-record';
import { TickOutcome } from '../tick-outcome';
import { TICK_COLUMNS } from './tick-row';

/**
 * Completes a tick's row, finished now by the database's clock, once: only while it is still RUNNING. A leader that was frozen past
 * its lease finds its row already closed by its successor (closeAbandonedTicks) and changes
 * nothing. 0.07 ms of PostgreSQL's execution per tick in W2 (BENCHMARKS.md).
 */
export function closeTick(d: SqlDialect, tickId: number, summary: TickSummary): Sql {
  return sql`update aol_tick_ledger
    set finished_at = ${d.now}, duration_ms = ${summary.durationMs}, outcome = ${summary.outcome},
        attempted = ${summary.attempted}, succeeded = ${summary.succeeded}, failed = ${summary.failed}, retried = ${summary.retried},
        dead_lettered = ${summary.deadLettered}, note = ${summary.note}
    where id = ${tickId} and outcome = ${TickOutcome.RUNNING}
    returning ${TICK_COLUMNS}`;
}
