import { Sql, sql } from '../../database/sql';
import type { SqlDialect } from '../../database/sql-dialect';
import type { TickStart, TickSummary } from '../tick-record';
import { TICK_COLUMNS } from './tick-row';

/**
 * The row of a tick that ran no action (idle, paused, killed), written whole in one statement,
 * finished now by the database's clock: with the lease statement, an idle tick is two
 * statements and two commits (W5 in BENCHMARKS.md).
 */
export function recordTick(d: SqlDialect, start: TickStart, summary: TickSummary): Sql {
  return sql`insert into aol_tick_ledger (owner, epoch, started_at, finished_at, duration_ms, outcome, attempted, succeeded, failed, retried, dead_lettered, note)
    values (${start.owner}, ${start.epoch}, ${d.dateParam(start.startedAt)}, ${d.now}, ${summary.durationMs},
            ${summary.outcome}, ${summary.attempted}, ${summary.succeeded}, ${summary.failed}, ${summary.retried}, ${summary.deadLettered}, ${summary.note})
    returning ${TICK_COLUMNS}`;
}
