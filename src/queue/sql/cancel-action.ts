import { raw, Sql, sql } from '../../database/sql';
import type { SqlDialect } from '../../database/sql-dialect';
import { ACTION_COLUMNS } from './action-row';

/** The statuses an operator may cancel from: everything not running and not finished (constant text, as the partial indexes want it). */
const CANCELLABLE = raw("status in ('PENDING', 'RETRY', 'AWAITING_APPROVAL', 'NEEDS_REVIEW', 'DLQ')");

/** What an operator's cancel does to a row: CANCELLED, finished now. */
export function cancelAssignments(d: SqlDialect): Sql {
  return sql`set status = 'CANCELLED', updated_at = ${d.now}, finished_at = ${d.now}`;
}

/** An operator's cancel: PENDING, RETRY, AWAITING_APPROVAL, NEEDS_REVIEW or DLQ → CANCELLED, in one conditional statement; no row when the action was in another state. */
export function cancelAction(d: SqlDialect, id: number): Sql {
  return sql`update aol_actions ${cancelAssignments(d)}
    where id = ${id} and ${CANCELLABLE}
    returning ${ACTION_COLUMNS}`;
}
