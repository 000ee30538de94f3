import { Sql, sql } from '../../database/sql';
import type { SqlDialect } from '../../database/sql-dialect';
import { ActionStatus } from '../../actions/action-status';

/** Done for good: nothing will run them again. DLQ and NEEDS_REVIEW wait for an operator, so they stay. */
export const FINISHED_STATUSES = [ActionStatus.SUCCESS, ActionStatus.CANCELLED];

export interface FinishedActions {
  /** Actions whose last change is older than this many days. */
  olderThanDays: number;
  /** Only actions after this id: the caller's cursor. */
  afterId: number;
  limit: number;
}

function isPrunable(d: SqlDialect, olderThanDays: number): Sql {
  // An action a control event names (an operator retried or cancelled it) stays with its event.
  return sql`${d.inList(sql`status`, FINISHED_STATUSES)} and updated_at < ${d.nowPlusSeconds(-olderThanDays * 86_400)}
    and not exists (select 1 from aol_control_events where aol_control_events.action_id = aol_actions.id)`;
}

/**
 * Up to `limit` finished actions to prune, by id after the cursor, locked on PostgreSQL until
 * the transaction deletes them (an operator's retry cannot slip in between). Walks the primary
 * key from the cursor: no index serves finished rows (they were left out of the status index
 * to spare the hot path its writes).
 */
export function selectFinishedActions(d: SqlDialect, p: FinishedActions): Sql {
  return sql`select id from aol_actions
    where id > ${p.afterId} and ${isPrunable(d, p.olderThanDays)}
    order by id limit ${p.limit} ${d.skipLocked}`;
}

/** Deletes the selected actions, checking again that each is still prunable; the count triggers keep aol_queue_counts. */
export function deleteFinishedActions(d: SqlDialect, ids: readonly number[], olderThanDays: number): Sql {
  // WITH first: MikroORM's SQLite driver runs a statement opening with DELETE without its rows.
  return sql`with doomed as (select id from aol_actions where ${d.inList(sql`id`, ids)} and ${isPrunable(d, olderThanDays)})
    delete from aol_actions where id in (select id from doomed)
    returning id, artifact_ref`;
}
