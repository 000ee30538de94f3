import { EMPTY, join, Sql, sql } from '../../database/sql';
import type { SqlDialect } from '../../database/sql-dialect';
import { ActionStatus, ActionType } from '../../actions/action-status';
import { ACTION_COLUMNS } from './action-row';

/** What the listing of actions filters on; every field optional. */
export interface ActionFilter {
  status?: ActionStatus | null;
  type?: ActionType | null;
  createdAfter?: Date | null;
  createdBefore?: Date | null;
  idempotencyKey?: string | null;
  /** The last attempt's error code (last_error_code; a success clears it). */
  errorCode?: string | null;
}

/**
 * A page of actions, newest first, keyset-paginated on id (rows below `beforeId`). With a
 * status it reads the partial (status, id) index of rows that are not SUCCESS, with an error
 * code the (last_error_code, id) index of failed rows, with a key the unique key: spelling
 * "not SUCCESS" and "an error code" out as constant text lets SQLite (which cannot infer them)
 * use the partial indexes. Written by hand rather than through MikroORM's query builder and
 * hydration: at 1,000,000 rows `actions(filter: {status: DLQ}, first: 20)` took 9.7 ms through
 * them against 3.5 ms as one statement mapped by hand (W6 in BENCHMARKS.md).
 */
export function listActions(d: SqlDialect, filter: ActionFilter, beforeId: number | null, limit: number): Sql {
  const conditions = filterConditions(d, filter);
  if (beforeId !== null) conditions.push(sql`id < ${beforeId}`);
  return sql`select ${ACTION_COLUMNS} from aol_actions ${where(conditions)} order by id desc limit ${limit}`;
}

/** How many actions the filter keeps, in one COUNT over the same indexes as listActions. */
export function countActions(d: SqlDialect, filter: ActionFilter): Sql {
  return sql`select count(*) as count from aol_actions ${where(filterConditions(d, filter))}`;
}

function filterConditions(d: SqlDialect, filter: ActionFilter): Sql[] {
  const conditions: Sql[] = [];
  if (filter.status) {
    conditions.push(sql`status = ${filter.status}`);
    if (filter.status !== ActionStatus.SUCCESS) conditions.push(sql`status <> 'SUCCESS'`);
  }
  if (filter.type) conditions.push(sql`type = ${filter.type}`);
  if (filter.createdAfter) conditions.push(sql`created_at >= ${d.dateParam(filter.createdAfter)}`);
  if (filter.createdBefore) conditions.push(sql`created_at < ${d.dateParam(filter.createdBefore)}`);
  if (filter.idempotencyKey) conditions.push(sql`idempotency_key = ${filter.idempotencyKey}`);
  if (filter.errorCode) conditions.push(sql`last_error_code = ${filter.errorCode}`, sql`last_error_code is not null`);
  return conditions;
}

function where(conditions: readonly Sql[]): Sql {
  return conditions.length === 0 ? EMPTY : sql`where ${join(conditions, ' and ')}`;
}
