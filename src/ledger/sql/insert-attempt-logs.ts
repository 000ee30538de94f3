import { raw, Sql, sql } from '../../database/sql';
import type { SqlDialect } from '../../database/sql-dialect';
import type { ExecutionLogEntity } from '../execution-log.entity';

/** One attempt's log row, before the database gives it an id. */
export type AttemptRecord = Omit<ExecutionLogEntity, 'id'>;

/** Every column of a log row: what the recording statement returns of those it inserts, for their audit entries. */
export const LOG_COLUMNS = raw(
  'id, action_id, tick_id, attempt, mode, outcome, started_at, duration_ms, artifact_ref, artifact_sha256, error_code, error',
);

/**
 * The log rows of a batch of attempts, in one multi-row insert from one JSON parameter, inside
 * the caller's transaction (with the actions' new states). One row per attempt at most:
 * (action_id, attempt) is unique, so writing a batch again after a commit whose answer was lost
 * inserts nothing twice. `onlyIf` keeps some of them (a condition on `attempt`, the batch's
 * row). Returns `returned` of the rows inserted. The table has no foreign keys: inserting 500 rows
 * took 8.7 ms with them, 5.3 ms of it their checks (BENCHMARKS.md); the writer guarantees what they
 * would check.
 */
export function insertAttemptLogs(
  d: SqlDialect,
  attempts: readonly AttemptRecord[],
  onlyIf: Sql = sql`true`,
  returned: Sql = raw('id, action_id'),
): Sql {
  const attempt = d.recordset(
    'attempt',
    [
      { name: 'action_id', type: 'bigint' },
      { name: 'tick_id', type: 'bigint' },
      { name: 'attempt', type: 'int' },
      { name: 'mode', type: 'text' },
      { name: 'outcome', type: 'text' },
      { name: 'started_at', type: 'timestamptz' },
      { name: 'duration_ms', type: 'int' },
      { name: 'artifact_ref', type: 'text' },
      { name: 'artifact_sha256', type: 'text' },
      { name: 'error_code', type: 'text' },
      { name: 'error', type: 'text' },
    ],
    attempts.map((row) => ({
      action_id: row.actionId,
      tick_id: row.tickId,
      attempt: row.attempt,
      mode: row.mode,
      outcome: row.outcome,
      started_at: d.dateParam(row.startedAt),
      duration_ms: row.durationMs,
      artifact_ref: row.artifactRef,
      artifact_sha256: row.artifactSha256,
      error_code: row.errorCode,
      error: row.error,
    })),
  );
  return sql`insert into aol_execution_logs (action_id, tick_id, attempt, mode, outcome, started_at, duration_ms, artifact_ref, artifact_sha256, error_code, error)
    select attempt.action_id, attempt.tick_id, attempt.attempt, attempt.mode, attempt.outcome, attempt.started_at, attempt.duration_ms,
           attempt.artifact_ref, attempt.artifact_sha256, attempt.error_code, attempt.error
    from ${attempt}
    where ${onlyIf} -- SQLite needs a WHERE before ON CONFLICT in INSERT … SELECT, to tell it from a join
    on conflict (action_id, attempt) do nothing
    returning ${returned}`;
}
