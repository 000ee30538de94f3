import { Sql, sql } from '../../database/sql';
import type { SqlDialect } from '../../database/sql-dialect';
import { ACTION_COLUMNS } from './action-row';

/** What an operator's cancel does to a row: CANCELLED, finished now. */
export function cancelAssignments(d: SqlDialect): Sql {
  return sql`set status = 'CANCELLED', updated_at = ${d.now}, finished_at = ${d.now}`;
}

/** An operator's cancel: PENDING/RETRY → CANCELLED, in one conditional statement; no row when the action was in another state. */
export function cancelAction(d: SqlDialect, id: number): Sql {
  return sql`update aol_actions ${cancelAssignments(d)}
    where id = ${id} and status in ('PENDING', 'RETRY')
    returning ${ACTION_COLUMNS}`;
}
