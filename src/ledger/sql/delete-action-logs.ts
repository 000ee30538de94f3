import { Sql, sql } from '../../database/sql';
import type { SqlDialect } from '../../database/sql-dialect';

/**
 * Deletes the log rows of the given actions (which are being deleted in the same
 * transaction), returning their artifact references so that the files can go too. Found
 * through the unique (action_id, attempt) index.
 */
export function deleteActionLogs(d: SqlDialect, actionIds: readonly number[]): Sql {
  // WITH first: MikroORM's SQLite driver runs a statement opening with DELETE without its rows.
  return sql`with doomed as (select id from aol_actions where ${d.inList(sql`id`, actionIds)})
    delete from aol_execution_logs where action_id in (select id from doomed) returning artifact_ref`;
}
