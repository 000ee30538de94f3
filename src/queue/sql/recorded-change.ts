import { raw, Sql, sql } from '../../database/sql';
import type { SqlDialect } from '../../database/sql-dialect';
import { toNullableDate } from '../../database/sql-dialect';
import { ActionStatus } from '../../actions/action-status';
import type { LeaseFence } from '../../lease/sql/lease-fence';

/** What recording an attempt changed that its writer did not choose: the database's times. */
export interface RecordedChange {
  id: number;
  status: ActionStatus;
  runAfter: Date;
  updatedAt: Date;
  finishedAt: Date | null;
}

export const RECORDED_CHANGE_COLUMNS = raw('id, status, run_after, updated_at, finished_at');

/** The fence's expected status and epoch, carried by every row of a batch (see fencedByBatch). */
export function expectedClaim(fence: LeaseFence): { expected_status: ActionStatus; expected_epoch: number } {
  return { expected_status: ActionStatus.RUNNING, expected_epoch: fence.epoch };
}

/**
 * A batch's rows touch an action only while it is RUNNING under the caller's claim epoch and
 * the caller still holds the lease. The status and epoch come with each row of the batch: as
 * join conditions they leave PostgreSQL's planner no reason to think few rows of the table
 * match. As filters on the table (guessed 1 row of 20,000 without statistics) they made it scan
 * the table and rescan the whole batch for each row it found: 1,000 completions took 100–240 ms
 * that way, 11–14 ms probing the primary key once per batch row (test/query-plans.e2e-spec.ts
 * keeps the shape).
 */
export function fencedByBatch(batch: string, fence: LeaseFence): Sql {
  return sql`aol_actions.status = ${raw(batch)}.expected_status and aol_actions.claim_epoch = ${raw(batch)}.expected_epoch and ${fence.condition}`;
}

export function toRecordedChange(row: Record<string, unknown>, d: SqlDialect): RecordedChange {
  return {
    id: Number(row.id),
    status: row.status as ActionStatus,
    runAfter: d.toDate(row.run_after),
    updatedAt: d.toDate(row.updated_at),
    finishedAt: toNullableDate(d, row.finished_at),
  };
}
