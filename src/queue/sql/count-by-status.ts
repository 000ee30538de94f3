import { Sql, sql } from '../../database/sql';
import type { SqlDialect } from '../../database/sql-dialect';

/**
 * The number of actions in each status, from aol_queue_counts, which statement-level triggers
 * on aol_actions keep (one upsert per statement, into the session's own shard): no scan of the
 * queue. autonomyStatus over 1,000,000 actions took 49 ms when it counted the table and about
 * 2 ms since (W6 in BENCHMARKS.md); the trigger is 0.019–0.031 ms of a single insert's execution.
 */
export function countByStatus(): Sql {
  return sql`select status, sum(n) as count from aol_queue_counts group by status`;
}

/** countByStatus as one scalar expression, a JSON object of status: count: a piece of autonomyStatus's statement. */
export function countsByStatusSnapshot(d: SqlDialect): Sql {
  return sql`(select ${d.jsonObjectAgg(sql`status`, sql`count`)} from (${countByStatus()}) as counts)`;
}
