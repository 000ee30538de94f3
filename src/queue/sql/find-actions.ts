import { Sql, sql } from '../../database/sql';
import type { ActionStatus } from '../../actions/action-status';
import type { SqlDialect } from '../../database/sql-dialect';
import { ACTION_COLUMNS } from './action-row';

/** Actions by id (inside a transaction: what a statement there just did or refused). */
export function actionsByIds(d: SqlDialect, ids: readonly number[]): Sql {
  return sql`select ${ACTION_COLUMNS} from aol_actions where ${d.inList(sql`id`, ids)}`;
}

/** Actions by idempotency key, through its unique index: the rows an enqueue found existing. */
export function actionsByKeys(d: SqlDialect, keys: readonly string[]): Sql {
  return sql`select ${ACTION_COLUMNS} from aol_actions where ${d.inList(sql`idempotency_key`, keys)}`;
}

/**
 * Every RUNNING action, for a new leader's rescue. Spelling out "not SUCCESS" lets SQLite
 * (which cannot infer it) read the partial (status, id) index of rows that are not SUCCESS.
 */
export function runningActions(): Sql {
  return sql`select ${ACTION_COLUMNS} from aol_actions where status = 'RUNNING' and status <> 'SUCCESS' order by id`;
}

/**
 * Up to `limit` actions now in one of `statuses` whose last change is later than `since`,
 * WEBHOOK actions left out, after id `afterId` in id order: the changes whose webhook events a
 * catch-up enqueues again (webhook-dispatch). No index holds updated_at (each would cost every
 * claim and record one more entry), so the pages walk the primary key once between them.
 */
export function actionsChangedSince(d: SqlDialect, since: Date, statuses: readonly ActionStatus[], afterId: number, limit: number): Sql {
  return sql`select ${ACTION_COLUMNS} from aol_actions
    where id > ${afterId} and updated_at > ${d.dateParam(since)} and ${d.inList(sql`status`, statuses)} and type <> 'WEBHOOK'
    order by id limit ${limit}`;
}
