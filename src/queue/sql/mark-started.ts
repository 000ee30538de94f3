import { Sql, sql } from '../../database/sql';
import type { SqlDialect } from '../../database/sql-dialect';
import type { LeaseFence } from '../../lease/sql/lease-fence';

/**
 * The write-ahead mark of a group of claimed REAL attempts, committed before any of them is
 * called: from here a rescue treats them as started (their outcome may be unknown), before it
 * as only claimed (given back unchanged). Rows by id, the status unindexed (see
 * SqlDialect.unindexed); fenced like every leader write. Returns the ids it marked: an id
 * missing was fenced off and must not start.
 */
export function markStarted(d: SqlDialect, ids: readonly number[], fence: LeaseFence): Sql {
  return sql`update aol_actions set started_at = ${d.now}
    where ${d.inList(sql`id`, ids)} and ${d.unindexed(sql`status`)} = 'RUNNING' and claim_epoch = ${fence.epoch} and ${fence.condition}
    returning id`;
}
