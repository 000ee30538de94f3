import { Sql, sql } from '../../database/sql';
import type { SqlDialect } from '../../database/sql-dialect';
import { TickOutcome } from '../tick-outcome';

/** The outcomes of a tick that ran nothing and can have no log row: what an idle service writes every interval. */
const IDLE_OUTCOMES = [TickOutcome.SUCCESS, TickOutcome.PAUSED, TickOutcome.KILLED];

export interface PruneIdleTicks {
  /** Rows older than this many days go. */
  olderThanDays: number;
  /** Only rows after this id: the caller's cursor, so rows kept for good are not read again. */
  afterId: number;
  limit: number;
}

/**
 * Deletes up to `limit` ledger rows of ticks that attempted nothing (attempted = 0 and an
 * outcome no failed tick has), started over `olderThanDays` ago, oldest first by id. A tick
 * that attempted something, an ERROR, a RUNNING row are never touched: those are the audit. The
 * id cursor keeps the scan short however many working ticks are kept (17,280 idle rows a day
 * at the default interval; a batch of 500 reads about 500 rows of the primary key), and the
 * batch's ids are selected once (SqlDialect.inSelect). It opens
 * with WITH because MikroORM's SQLite driver runs a statement that opens with DELETE without
 * returning its rows.
 */
export function pruneIdleTicks(d: SqlDialect, p: PruneIdleTicks): Sql {
  return sql`with idle as (
      select id from aol_tick_ledger
      where id > ${p.afterId} and attempted = 0 and ${d.inList(sql`outcome`, IDLE_OUTCOMES)}
        and finished_at is not null and started_at < ${d.nowPlusSeconds(-p.olderThanDays * 86_400)}
      order by id limit ${p.limit})
    delete from aol_tick_ledger where ${d.inSelect(sql`id`, sql`select id from idle`)}
    returning id`;
}
