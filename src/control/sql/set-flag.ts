import { raw, Sql, sql } from '../../database/sql';
import type { SqlDialect } from '../../database/sql-dialect';
import { FLAG_COLUMNS } from './switchboard';

export type FlagColumn = 'paused' | 'killed' | 'proof_mode';

/**
 * An operator's change of one switch, at the database's time: its value and its own last change
 * (why, by whom, when), which no other switch's change touches, and the switchboard's last
 * change. Returns the whole switchboard.
 */
export function setFlag(d: SqlDialect, p: { column: FlagColumn; value: boolean; reason: string; actor: string }): Sql {
  const column = (suffix: string) => raw(`${p.column}${suffix}`);
  return sql`update aol_control_flags
    set ${column('')} = ${d.boolParam(p.value)}, ${column('_reason')} = ${p.reason}, ${column('_by')} = ${p.actor}, ${column('_at')} = ${d.now},
        reason = ${p.reason}, updated_by = ${p.actor}, updated_at = ${d.now}
    where id = 1
    returning ${FLAG_COLUMNS}`;
}
