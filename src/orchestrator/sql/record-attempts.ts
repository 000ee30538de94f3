import { Sql, sql } from '../../database/sql';
import type { SqlDialect } from '../../database/sql-dialect';
import type { StatementParts } from '../../audit/sql/append-entries';
import type { LeaseFence } from '../../lease/sql/lease-fence';
import { AttemptRecord, insertAttemptLogs } from '../../ledger/sql/insert-attempt-logs';
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
 * the same statement (recordAttemptsAndChain).
 */
export function recordAttempts(d: SqlDialect, fence: LeaseFence, plan: OutcomePlan, logs: readonly AttemptRecord[]): Sql {
  const { ctes, result } = recordingParts(d, fence, plan, logs);
  return sql`with ${ctes} ${result}`;
}

/**
 * recordAttempts with the log rows' audit entries in the same statement (audit/sql/append-entries.ts,
 * appendAttemptsInSql): its CTEs and `attempted`, each log row inserted with its entry's text around
 * its id (`contents[i]` for `logs[i]`, see audit-fact.ts, attemptContentAround), and its final
 * select. No transaction is needed around it.
 */
export function recordAttemptsAndChain(
  d: SqlDialect,
  fence: LeaseFence,
  plan: OutcomePlan,
  logs: readonly AttemptRecord[],
  contents: ReadonlyArray<{ head: string; tail: string }>,
): StatementParts {
  const { ctes, result } = recordingParts(d, fence, plan, logs);
  const piece = d.recordset(
    'piece',
    [
      { name: 'action_id', type: 'bigint' },
      { name: 'head', type: 'text' },
      { name: 'tail', type: 'text' },
    ],
    logs.map((log, index) => ({ action_id: log.actionId, head: contents[index].head, tail: contents[index].tail })),
  );
  return {
    prelude: sql`${ctes},
      attempted as (select logged.id as log_id, logged.action_id, piece.head, piece.tail from logged join ${piece} on piece.action_id = logged.action_id)`,
    result,
  };
}

function recordingParts(d: SqlDialect, fence: LeaseFence, plan: OutcomePlan, logs: readonly AttemptRecord[]): { ctes: Sql; result: Sql } {
  return {
    ctes: sql`done as (${recordSuccesses(d, fence, plan.successes)}),
    failed as (${recordFailures(d, fence, plan.failures)}),
    changed as (select * from done union all select * from failed),
    logged as (${insertAttemptLogs(d, logs, sql`attempt.action_id in (select id from changed)`)})`,
    result: sql`select changed.*, logged.id as log_id
    from changed left join logged on logged.action_id = changed.id`,
  };
}
