import { Sql, sql } from '../../database/sql';
import { TICK_COLUMNS } from './tick-row';

/**
 * The newest row of the ledger, by its primary key, for autonomyStatus. A statement mapped by
 * hand, not an EntityManager's find: with the rest of autonomyStatus at 1,000,000 actions the
 * status took 6.3 ms through MikroORM against 3.9 ms so (W6 in BENCHMARKS.md).
 */
export function lastTick(): Sql {
  return sql`select ${TICK_COLUMNS} from aol_tick_ledger order by id desc limit 1`;
}
