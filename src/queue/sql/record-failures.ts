import { Sql, sql } from '../../database/sql';
import type { SqlDialect } from '../../database/sql-dialect';
import type { ActionStatus } from '../../actions/action-status';
import type { LeaseFence } from '../../lease/sql/lease-fence';
import { expectedClaim, fencedByBatch, RECORDED_CHANGE_COLUMNS } from './recorded-change';

export interface FailureWrite {
  id: number;
  status: ActionStatus.RETRY | ActionStatus.DLQ;
  /** Seconds until a RETRY is due, from the database's clock (retry-policy.ts). */
  delaySeconds: number;
  errorCode: string;
  error: string;
  /** Not counted against the retry budget: deferred to the time the remote side gave. */
  spareBudget: boolean;
}

/**
 * RUNNING → RETRY (due after its delay, by the database's clock) or DLQ (keeping the error) for
 * a batch of failed attempts, in one statement inside the recording transaction. Fenced (see
 * fencedByBatch); returns the rows it changed.
 */
export function recordFailures(d: SqlDialect, fence: LeaseFence, failures: readonly FailureWrite[]): Sql {
  const failed = d.recordset(
    'failed',
    [
      { name: 'action_id', type: 'bigint' },
      { name: 'expected_status', type: 'text' },
      { name: 'expected_epoch', type: 'bigint' },
      { name: 'new_status', type: 'text' },
      { name: 'delay_seconds', type: 'double precision' },
      { name: 'new_error_code', type: 'text' },
      { name: 'new_error', type: 'text' },
      { name: 'spare', type: 'int' },
    ],
    failures.map((write) => ({
      action_id: write.id,
      ...expectedClaim(fence),
      new_status: write.status,
      delay_seconds: write.delaySeconds,
      new_error_code: write.errorCode,
      new_error: write.error,
      spare: write.spareBudget ? 1 : 0,
    })),
  );
  return sql`update aol_actions
    set status = failed.new_status,
        run_after = case when failed.new_status = 'RETRY' then ${d.nowPlusSeconds(sql`failed.delay_seconds`)} else aol_actions.run_after end,
        last_error_code = failed.new_error_code, last_error = failed.new_error, updated_at = ${d.now},
        attempt_floor = aol_actions.attempt_floor + failed.spare,
        deferrals = case when failed.spare = 1 then aol_actions.deferrals + 1 else 0 end,
        finished_at = case when failed.new_status = 'RETRY' then null else ${d.now} end
    from ${failed}
    where aol_actions.id = failed.action_id and ${fencedByBatch('failed', fence)}
    returning ${RECORDED_CHANGE_COLUMNS}`;
}
