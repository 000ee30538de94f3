import { Sql, sql } from '../../database/sql';
import type { SqlDialect } from '../../database/sql-dialect';

/**
 * Milliseconds the longest-waiting due action has been due, by the database's clock (`age_ms`,
 * null when none is): the first row of aol_actions_due_idx's PENDING/RETRY ranges.
 */
export function oldestDueAge(d: SqlDialect): Sql {
  return sql`select ${d.epochMs(d.now)} - ${d.epochMs(sql`min(run_after)`)} as age_ms
    from aol_actions where status in ('PENDING', 'RETRY') and run_after <= ${d.now}`;
}
