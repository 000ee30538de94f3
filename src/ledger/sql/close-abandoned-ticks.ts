import { Sql, sql } from '../../database/sql';
import type { SqlDialect } from '../../database/sql-dialect';
import { TickOutcome } from '../tick-outcome';

/**
 * Closes the rows of ticks whose leader died mid-tick (left RUNNING) as ERROR, with a note.
 * A new leader runs it before its own tick opens a row, so none of these is its own.
 */
export function closeAbandonedTicks(d: SqlDialect, note: string): Sql {
  return sql`update aol_tick_ledger set outcome = ${TickOutcome.ERROR}, finished_at = ${d.now}, note = ${note}
    where outcome = ${TickOutcome.RUNNING}
    returning id`;
}
