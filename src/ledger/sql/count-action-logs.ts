import { Sql, sql } from '../../database/sql';
import type { SqlDialect } from '../../database/sql-dialect';

/** How many log rows the given actions have: what retention's checkpoint names before they go. */
export function countActionLogs(d: SqlDialect, actionIds: readonly number[]): Sql {
  return sql`select count(*) as n from aol_execution_logs where ${d.inList(sql`action_id`, actionIds)}`;
}
