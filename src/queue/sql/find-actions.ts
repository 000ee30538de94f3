import { Sql, sql } from '../../database/sql';
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
