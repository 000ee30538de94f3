import { raw, Sql, sql } from '../../database/sql';
import type { SqlDialect } from '../../database/sql-dialect';
import { toNullableDate } from '../../database/sql-dialect';
import type { ControlFlags } from '../control-flags';

const SWITCHES = ['paused', 'killed', 'proof_mode'] as const;
const FLAG_FIELDS = [
  ...SWITCHES,
  'reason',
  'updated_by',
  'updated_at',
  ...SWITCHES.flatMap((flag) => [`${flag}_reason`, `${flag}_by`, `${flag}_at`]),
];

/** The switchboard's columns, as the statements here return them (toFlags reads them). */
export const FLAG_COLUMNS = raw(FLAG_FIELDS.join(', '));

/** The switchboard row as one JSON object, built in SQL: what a larger statement reads along the way. */
function flagsObject(d: SqlDialect): Sql {
  return d.jsonObject(Object.fromEntries(FLAG_FIELDS.map((field) => [field, raw(field)])));
}

/**
 * The switchboard as one scalar expression (a JSON object), for the lease statement to bring
 * back with the lease: the tick reads both in one round trip.
 */
export function switchboardSnapshot(d: SqlDialect): Sql {
  return sql`(select ${flagsObject(d)} from aol_control_flags where id = 1)`;
}

/** True while the operator's proof-mode switch is on. */
export const PROOF_MODE_ON = raw('exists (select 1 from aol_control_flags where id = 1 and proof_mode)');

/** True while not killed: the condition for taking a free lease (nobody leads while killed). */
export const NOT_KILLED = raw('not exists (select 1 from aol_control_flags where id = 1 and killed)');

/**
 * The switchboard for a statement that starts actions (the tick's renewal and claim), as a
 * query of one row: `flags` (the JSON object) and `open`, true when actions may start —
 * neither paused nor killed, and the proof switch still as `expectedProofMode`, so the mode the
 * claim is made in is the mode the switchboard asks for.
 */
export function claimGate(d: SqlDialect, expectedProofMode: boolean): Sql {
  return sql`select ${flagsObject(d)} as flags, not paused and not killed and proof_mode = ${d.boolParam(expectedProofMode)} as open
    from aol_control_flags where id = 1`;
}

/** The switchboard from a row of FLAG_COLUMNS, or from the JSON object (either driver). */
export function toFlags(row: Record<string, unknown>, d: SqlDialect): ControlFlags {
  const text = (column: string) => (row[column] as string | null | undefined) ?? null;
  return {
    paused: Boolean(row.paused),
    killed: Boolean(row.killed),
    proofMode: Boolean(row.proof_mode),
    reason: text('reason'),
    updatedBy: text('updated_by'),
    updatedAt: d.toDate(row.updated_at),
    pausedReason: text('paused_reason'),
    pausedBy: text('paused_by'),
    pausedAt: toNullableDate(d, row.paused_at),
    killedReason: text('killed_reason'),
    killedBy: text('killed_by'),
    killedAt: toNullableDate(d, row.killed_at),
    proofModeReason: text('proof_mode_reason'),
    proofModeBy: text('proof_mode_by'),
    proofModeAt: toNullableDate(d, row.proof_mode_at),
  };
}
