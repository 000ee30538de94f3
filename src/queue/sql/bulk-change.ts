import { join, Sql, sql } from '../../database/sql';
import type { SqlDialect } from '../../database/sql-dialect';
import type { ActionStatus, ActionType } from '../../actions/action-status';
import { cancelAssignments } from './cancel-action';
import { requeueAssignments } from './requeue-action';

/** Which actions an operator's bulk change applies to: those of one parked status, narrowed further. */
export interface BulkFilter {
  status: ActionStatus.DLQ | ActionStatus.NEEDS_REVIEW;
  type?: ActionType | null;
  /** Their last error's code. */
  errorCode?: string | null;
  /** Created at or after. */
  createdAfter?: Date | null;
  /** Created before. */
  createdBefore?: Date | null;
}

export type BulkChange = 'retry' | 'cancel';

/**
 * The filter's rows past `afterId`. Spelling out "not SUCCESS" lets SQLite (which cannot infer
 * it) read the partial (status, id) index, in id order, which both databases then stop reading
 * at the batch's limit.
 */
function matching(d: SqlDialect, filter: BulkFilter, afterId: number): Sql {
  return join(
    [
      sql`status = ${filter.status}`,
      sql`status <> 'SUCCESS'`,
      sql`id > ${afterId}`,
      ...(filter.type ? [sql`type = ${filter.type}`] : []),
      ...(filter.errorCode ? [sql`last_error_code = ${filter.errorCode}`] : []),
      ...(filter.createdAfter ? [sql`created_at >= ${d.dateParam(filter.createdAfter)}`] : []),
      ...(filter.createdBefore ? [sql`created_at < ${d.dateParam(filter.createdBefore)}`] : []),
    ],
    ' and ',
  );
}

/**
 * One batch of an operator's bulk change: the next `limit` rows of the filter after `afterId`
 * (in id order) retried as retryAction does (queue/sql/requeue-action.ts) or cancelled, in one
 * statement: the batch's ids selected once, then each row reached by its primary key (the status
 * index holds every row of the filter, so reading it again per batch would make a large change
 * quadratic). Returns the ids it changed.
 */
export function bulkChange(d: SqlDialect, change: BulkChange, filter: BulkFilter, afterId: number, limit: number): Sql {
  const assignments = change === 'retry' ? requeueAssignments(d) : cancelAssignments(d);
  return sql`update aol_actions ${assignments}
    where ${d.inSelect(sql`id`, sql`select id from aol_actions where ${matching(d, filter, afterId)} order by id limit ${limit}`)} and ${d.unindexed(sql`status`)} = ${filter.status}
    returning id`;
}

/** How many rows the filter matches. */
export function countMatching(d: SqlDialect, filter: BulkFilter): Sql {
  return sql`select count(*) as count from aol_actions where ${matching(d, filter, 0)}`;
}
