import { EMPTY, Sql, sql } from '../../database/sql';
import type { SqlDialect } from '../../database/sql-dialect';
import type { LeaseFence } from '../../lease/sql/lease-fence';
import { ACTION_COLUMNS } from './action-row';

/**
 * Whose claimed actions go back: this leader's (the tick's budget, its lease's trust or the
 * switchboard stopped it; it knows which it never started, marked or not), or those a stopped
 * leader claimed and never marked started (a rescue; a marked one may have taken effect).
 */
export type UnstartedClaim = { claimEpoch: number } | 'never-marked';

/** Why claimed actions go back held until a later time (platform pacing), instead of as they were. */
export interface Hold {
  runAfter: Date;
  errorCode: string;
  error: string;
}

/**
 * Gives claimed actions that were never started back to the queue as they were: attempt count
 * restored, PENDING if they had never been tried, RETRY otherwise, the rescue count unchanged,
 * no log row; run_after unchanged too, unless a `hold` moves it and says why as the last
 * error. Rows by id, the status unindexed (see SqlDialect.unindexed); fenced like every leader
 * write.
 */
export function releaseUnstarted(d: SqlDialect, ids: readonly number[], fence: LeaseFence, which: UnstartedClaim, hold?: Hold): Sql {
  const claim = which === 'never-marked' ? sql`started_at is null` : sql`claim_epoch = ${which.claimEpoch}`;
  const held = hold
    ? sql`, run_after = ${d.dateParam(hold.runAfter)}, last_error_code = ${hold.errorCode}, last_error = ${hold.error}`
    : EMPTY;
  return sql`update aol_actions
    set status = case when attempts - 1 <= attempt_floor then 'PENDING' else 'RETRY' end, attempts = attempts - 1,
        claimed_by = null, claim_epoch = null, started_at = null, updated_at = ${d.now}${held}
    where ${d.inList(sql`id`, ids)} and ${d.unindexed(sql`status`)} = 'RUNNING' and ${claim} and ${fence.condition}
    returning ${ACTION_COLUMNS}`;
}
