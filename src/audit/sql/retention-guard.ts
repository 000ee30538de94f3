import { raw, Sql } from '../../database/sql';
import type { SqlDialect } from '../../database/sql-dialect';

/**
 * Lets the caller's transaction delete rows of the append-only fact tables (their triggers check
 * it): on PostgreSQL a setting local to the transaction, on SQLite the one-row guard, written
 * inside the transaction. Only AuditService.removeUnderCheckpoint opens it.
 */
export function openRetentionGuard(d: SqlDialect): Sql {
  return d.pick({
    postgresql: () => raw(`select set_config('aol.retention', 'on', true)`),
    sqlite: () => raw('update aol_retention_guard set open = 1 where id = 1'),
  });
}

/** Closes the guard again before the transaction goes on (on SQLite, before it commits: no one else ever sees it open). */
export function closeRetentionGuard(d: SqlDialect): Sql {
  return d.pick({
    postgresql: () => raw(`select set_config('aol.retention', 'off', true)`),
    sqlite: () => raw('update aol_retention_guard set open = 0 where id = 1'),
  });
}
