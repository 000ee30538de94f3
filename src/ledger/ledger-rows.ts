import type { SqlDialect } from '../database/sql-dialect';
import { toNullableDate } from '../database/sql-dialect';
import type { ExecutionLogEntity } from './execution-log.entity';
import type { TickEntity } from './tick.entity';
import type { AttemptOutcome, TickOutcome } from './tick-outcome';
import type { ExecutionMode } from '../control/execution-mode';

export const TICK_COLUMNS =
  'id, owner, epoch, started_at, finished_at, duration_ms, outcome, attempted, succeeded, failed, retried, dead_lettered, note';

export const EXECUTION_LOG_COLUMNS =
  'id, action_id, tick_id, attempt, mode, outcome, started_at, duration_ms, artifact_ref, artifact_sha256, error_code, error';

function nullableNumber(value: unknown): number | null {
  return value === null || value === undefined ? null : Number(value);
}

export function toTickRecord(row: Record<string, unknown>, dialect: SqlDialect): TickEntity {
  return {
    id: Number(row.id),
    owner: row.owner as string,
    epoch: Number(row.epoch),
    startedAt: dialect.toDate(row.started_at),
    finishedAt: toNullableDate(dialect, row.finished_at),
    durationMs: nullableNumber(row.duration_ms),
    outcome: row.outcome as TickOutcome,
    attempted: Number(row.attempted),
    succeeded: Number(row.succeeded),
    failed: Number(row.failed),
    retried: Number(row.retried),
    deadLettered: Number(row.dead_lettered),
    note: (row.note as string | null) ?? null,
  };
}

export function toExecutionLogRecord(row: Record<string, unknown>, dialect: SqlDialect): ExecutionLogEntity {
  return {
    id: Number(row.id),
    actionId: Number(row.action_id),
    tickId: nullableNumber(row.tick_id),
    attempt: Number(row.attempt),
    mode: row.mode as ExecutionMode,
    outcome: row.outcome as AttemptOutcome,
    startedAt: dialect.toDate(row.started_at),
    durationMs: Number(row.duration_ms),
    artifactRef: (row.artifact_ref as string | null) ?? null,
    artifactSha256: (row.artifact_sha256 as string | null) ?? null,
    errorCode: (row.error_code as string | null) ?? null,
    error: (row.error as string | null) ?? null,
  };
}
