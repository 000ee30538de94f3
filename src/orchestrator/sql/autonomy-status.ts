import { Sql, sql } from '../../database/sql';
import type { SqlDialect } from '../../database/sql-dialect';
import { switchboardSnapshot } from '../../control/sql/switchboard';
import { leaseSnapshot } from '../../lease/sql/read-lease';
import { lastTickSnapshot } from '../../ledger/sql/tick-row';
import { countsByStatusSnapshot } from '../../queue/sql/count-by-status';
import { oldestDueAgeSnapshot } from '../../queue/sql/oldest-due-age';

/**
 * Everything autonomyStatus reads, in one statement of one row: the lease, the switchboard and
 * the newest ledger row as JSON objects (`lease`, `flags`, `last_tick`), the trigger-kept counts
 * as one object of status: count (`counts`), and the oldest due action's age (`age_ms`). Each
 * piece is one indexed read (a primary key, aol_queue_counts, the first entry of
 * aol_actions_due_idx), so the status costs the same at 1,000,000 actions as at ten; one round
 * trip instead of five statements side by side, each borrowing a connection of the pool (W6 in
 * BENCHMARKS.md).
 */
export function autonomyStatusRow(d: SqlDialect): Sql {
  return sql`select ${leaseSnapshot(d)} as lease, ${switchboardSnapshot(d)} as flags, ${lastTickSnapshot(d)} as last_tick,
    ${countsByStatusSnapshot(d)} as counts, ${oldestDueAgeSnapshot(d)} as age_ms`;
}
