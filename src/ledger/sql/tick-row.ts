import { raw } from '../../database/sql';
import type { SqlDialect } from '../../database/sql-dialect';
import { toNullableDate } from '../../database/sql-dialect';
import type { TickEntity } from '../tick.entity';
import type { TickOutcome } from '../tick-outcome';

/** The columns of aol_tick_ledger, as the statements here return them. */
export const TICK_COLUMNS = raw(
  'id, owner, epoch, started_at, finished_at, duration_ms, outcome, attempted, succeeded, failed, retried, dead_lettered, note',
);

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
