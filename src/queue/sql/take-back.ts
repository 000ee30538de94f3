import { Sql, sql } from '../../database/sql';
import type { SqlDialect } from '../../database/sql-dialect';
import { ActionStatus } from '../../actions/action-status';
import type { LeaseFence } from '../../lease/sql/lease-fence';
import { ACTION_COLUMNS } from './action-row';

export interface RescueWrite {
  status: ActionStatus.RETRY | ActionStatus.NEEDS_REVIEW;
  errorCode: string;
  error: string;
}

/**
 * Takes back actions a dead leader left RUNNING after marking them started
 * (orchestrator/rescue.service.ts): due again now (RETRY), or parked as NEEDS_REVIEW, with the reason kept as their last error and one more
 * rescue counted. Rows by id, the status unindexed (see SqlDialect.unindexed); fenced like
 * every leader write, so a leader that lost the lease meanwhile takes nothing.
 */
export function takeBack(d: SqlDialect, ids: readonly number[], fence: LeaseFence, outcome: RescueWrite): Sql {
  return sql`update aol_actions
    set status = ${outcome.status}, rescues = rescues + 1, run_after = ${outcome.status === ActionStatus.RETRY ? d.now : sql`run_after`},
        last_error_code = ${outcome.errorCode}, last_error = ${outcome.error}, updated_at = ${d.now}
    where ${d.inList(sql`id`, ids)} and ${d.unindexed(sql`status`)} = 'RUNNING' and started_at is not null and ${fence.condition}
    returning ${ACTION_COLUMNS}`;
}
