import { Sql, sql } from '../../database/sql';
import type { SqlDialect } from '../../database/sql-dialect';
import type { StatementParts } from '../../audit/sql/append-entries';
import type { LeaseFence } from '../../lease/sql/lease-fence';
import { AttemptRecord, insertAttemptLogs, LOG_COLUMNS } from '../../ledger/sql/insert-attempt-logs';
import type { OutcomePlan } from '../../queue/queue.service';
import { recordFailures } from '../../queue/sql/record-failures';
import { recordSuccesses } from '../../queue/sql/record-successes';

/**
 * A group of finished attempts recorded in one statement (PostgreSQL only: it needs a dialect
 * with `writingCtes`), one round trip instead of three:
 *
 * - `done` and `failed`, data-modifying CTEs, write the actions' new states as
 *   queue/sql/record-successes.ts and record-failures.ts do, fenced on the lease epoch;
 * - `logged` inserts the log rows (ledger/sql/insert-attempt-logs.ts) of the attempts whose
 *   action one of them changed, so a result the fence refused leaves no log row either.
 *
 * One row per action changed: its recorded change, and its log row's id (null when the log row
 * was there already). The audit entries of the log rows follow in the same transaction, or in
 * the same statement (recordingParts).
 */
export function recordAttempts(d: SqlDialect, fence: LeaseFence, plan: OutcomePlan, logs: readonly AttemptRecord[]): Sql {
  const { prelude, result } = recordingParts(d, fence, plan, logs);
  return sql`with ${prelude} ${result}`;
}

/**
 * recordAttempts as parts, for the log rows' audit entries to join it in the same statement
 * (audit/sql/append-entries.ts, appendAttemptsInSql): its CTEs, the last of them `logged`, every
 * column of each log row inserted, and its final select. No transaction is needed around it.
 */
export function recordingParts(d: SqlDialect, fence: LeaseFence, plan: OutcomePlan, logs: readonly AttemptRecord[]): StatementParts {
  return {
    prelude: sql`done as (${recordSuccesses(d, fence, plan.successes)}),
    failed as (${recordFailures(d, fence, plan.failures)}),
    changed as (select * from done union all select * from failed),
    logged as (${insertAttemptLogs(d, logs, sql`attempt.action_id in (select id from changed)`, LOG_COLUMNS)})`,
    result: sql`select changed.*, logged.id as log_id
    from changed left join logged on logged.action_id = changed.id`,
  };
}
