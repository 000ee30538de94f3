import { Sql, sql } from '../../database/sql';
import type { SqlDialect } from '../../database/sql-dialect';
import { ACTION_COLUMNS } from './action-row';

/** What an operator's retry does to a row: PENDING, due now, its retry budget starting again from here. */
export function requeueAssignments(d: SqlDialect): Sql {
  return sql`set status = 'PENDING', attempt_floor = attempts, deferrals = 0, run_after = ${d.now}, updated_at = ${d.now}, finished_at = null`;
}

/**
 * An operator's retry: DLQ/NEEDS_REVIEW → PENDING, due now, with a fresh retry budget. Attempts
 * keep counting (the log rows stay numbered in order); the budget starts again from here.
 * No row when the action was in another state.
 */
export function requeueAction(d: SqlDialect, id: number): Sql {
  return sql`update aol_actions ${requeueAssignments(d)}
    where id = ${id} and status in ('DLQ', 'NEEDS_REVIEW')
    returning ${ACTION_COLUMNS}`;
}
