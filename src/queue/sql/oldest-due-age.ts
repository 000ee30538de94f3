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

/** oldestDueAge as one scalar expression: a piece of autonomyStatus's statement. */
export function oldestDueAgeSnapshot(d: SqlDialect): Sql {
  return sql`(${oldestDueAge(d)})`;
}

/** Seconds from oldestDueAge's `age_ms`; null when no action is due. */
export function dueAgeSeconds(ageMs: unknown): number | null {
  return ageMs === null || ageMs === undefined ? null : Math.max(0, Number(ageMs)) / 1000;
}
