import { Sql, sql } from '../../database/sql';
import type { SqlDialect } from '../../database/sql-dialect';
import type { LeaseFence } from '../../lease/sql/lease-fence';
import { ACTION_COLUMNS } from './action-row';

/**
 * Gives claimed actions that were never started (the tick's budget, its lease's trust or the
 * switchboard stopped it) back to the queue as they were: attempt count restored, PENDING if
 * they had never been tried, RETRY otherwise, run_after unchanged. Rows by id, the status
 * unindexed (see SqlDialect.unindexed); fenced like every leader write.
 */
export function releaseUnstarted(d: SqlDialect, ids: readonly number[], fence: LeaseFence): Sql {
  return sql`update aol_actions
    set status = case when attempts - 1 <= attempt_floor then 'PENDING' else 'RETRY' end, attempts = attempts - 1,
        claimed_by = null, claim_epoch = null, updated_at = ${d.now}
    where ${d.inList(sql`id`, ids)} and ${d.unindexed(sql`status`)} = 'RUNNING' and claim_epoch = ${fence.epoch} and ${fence.condition}
    returning ${ACTION_COLUMNS}`;
}
