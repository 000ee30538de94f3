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
    values (${p.kind}, ${p.actor}, ${p.reason}, ${p.actionId}, ${p.details ? d.jsonParam(p.details) : null}, ${d.now})
    returning ${EVENT_COLUMNS}`;
}

/**
 * The details of a bulk change's event, brought up to date in the transaction of each of its
 * batches after the first: the one kind of change a control event ever gets.
 */
export function updateControlEventDetails(d: SqlDialect, id: number, details: Record<string, unknown>): Sql {
  return sql`update aol_control_events set details = ${d.jsonParam(details)} where id = ${id} returning ${EVENT_COLUMNS}`;
}
