import { raw, Sql, sql } from '../../database/sql';
import type { SqlDialect } from '../../database/sql-dialect';
import type { ControlEventKind } from '../control-event.entity';

export const EVENT_COLUMNS = raw('id, kind, actor, reason, action_id, details, created_at');

/** One operator intervention, appended at the database's time in the transaction of the change it records. */
export function insertControlEvent(
  d: SqlDialect,
  p: { kind: ControlEventKind; actor: string; reason: string; actionId: number | null; details: Record<string, unknown> | null },
): Sql {
  return sql`insert into aol_control_events (kind, actor, reason, action_id, details, created_at)
    values (${p.kind}, ${p.actor}, ${p.reason}, ${p.actionId}, ${p.details ? d.jsonParam(p.details) : null}, ${d.now})`;
}
