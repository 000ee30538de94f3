import { Sql, sql } from '../../database/sql';
import type { SqlDialect } from '../../database/sql-dialect';
import type { TickStart } from '../tick-record';
import { TickOutcome } from '../tick-outcome';

/**
 * The row of a tick that is about to run actions, RUNNING until closed: attempts can point at
 * it, and a leader that dies mid-tick leaves a visible trace. It is written while the first
 * actions already start, since only their recording needs its id.
 */
export function openTick(d: SqlDialect, start: TickStart): Sql {
  return sql`insert into aol_tick_ledger (owner, epoch, started_at, outcome)
    values (${start.owner}, ${start.epoch}, ${d.dateParam(start.startedAt)}, ${TickOutcome.RUNNING})
    returning id`;
}
