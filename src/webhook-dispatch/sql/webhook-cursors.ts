import { Sql, sql } from '../../database/sql';
import type { SqlDialect } from '../../database/sql-dialect';

/** The lowest cursor of every instance (null: none yet), and the database's time now. */
export function cursorFloor(d: SqlDialect): Sql {
  return sql`select min(dispatched_through) as since, ${d.now} as now from aol_webhook_cursors`;
}

/** This instance's cursor, at `through` (a time, or SQL for one) but not below `atLeast`. */
export function saveCursor(d: SqlDialect, instanceId: string, through: Date | Sql, atLeast: Date | null): Sql {
  let bounded: Sql;
  if (through instanceof Date) bounded = sql`${d.dateParam(atLeast && atLeast > through ? atLeast : through)}`;
  else bounded = atLeast ? sql`case when ${through} < ${d.dateParam(atLeast)} then ${d.dateParam(atLeast)} else ${through} end` : through;
  return sql`insert into aol_webhook_cursors (instance_id, dispatched_through, updated_at) values (${instanceId}, ${bounded}, ${d.now})
    on conflict (instance_id) do update set dispatched_through = excluded.dispatched_through, updated_at = excluded.updated_at`;
}

/**
 * After a catch-up has enqueued the events of every change up to `through`: every cursor
 * behind it moves up to it (what another instance had not enqueued is enqueued now), and the
 * cursors of instances that wrote none since `forgetBefore` go (instance ids are per process,
 * so a restarted instance never writes its old one again).
 */
export function coverCursors(d: SqlDialect, through: Date, forgetBefore: Date): Sql[] {
  return [
    sql`update aol_webhook_cursors set dispatched_through = ${d.dateParam(through)} where dispatched_through < ${d.dateParam(through)}`,
    sql`delete from aol_webhook_cursors where updated_at < ${d.dateParam(forgetBefore)}`,
  ];
}
