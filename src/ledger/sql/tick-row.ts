import { raw, Sql, sql } from '../../database/sql';
import type { SqlDialect } from '../../database/sql-dialect';
import { toNullableDate } from '../../database/sql-dialect';
import type { TickEntity } from '../tick.entity';
import type { TickOutcome } from '../tick-outcome';

const TICK_FIELDS = [
  'id',
  'owner',
  'epoch',
  'started_at',
  'finished_at',
  'duration_ms',
  'outcome',
  'attempted',
  'succeeded',
  'failed',
  'retried',
  'dead_lettered',
  'note',
];

/** The columns of aol_tick_ledger, as the statements here return them. */
export const TICK_COLUMNS = raw(TICK_FIELDS.join(', '));

/**
 * The newest row of the ledger, by its primary key, as one scalar expression (a JSON object,
 * null while the ledger is empty) that toTickRecord reads: a piece of autonomyStatus's statement.
 */
export function lastTickSnapshot(d: SqlDialect): Sql {
  return sql`(select ${d.jsonObject(Object.fromEntries(TICK_FIELDS.map((field) => [field, raw(field)])))} from aol_tick_ledger order by id desc limit 1)`;
}

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
