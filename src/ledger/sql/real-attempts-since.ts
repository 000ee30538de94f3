import { Sql, sql } from '../../database/sql';
import type { SqlDialect } from '../../database/sql-dialect';

/**
 * REAL attempts started in the last `milliseconds` (by the database's clock), each with its
 * action's platform (the payload's, else null) and type: what platform pacing counts. Reads
 * the partial index of REAL log rows by start time.
 */
export function realAttemptsSince(d: SqlDialect, milliseconds: number): Sql {
  return sql`select ${d.jsonText(sql`aol_actions.payload`, 'platform')} as platform, aol_actions.type as type, aol_execution_logs.started_at as started_at
    from aol_execution_logs join aol_actions on aol_actions.id = aol_execution_logs.action_id
    where aol_execution_logs.mode = 'REAL' and aol_execution_logs.started_at >= ${d.nowMinusMs(milliseconds)}`;
}
