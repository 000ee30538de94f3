import { Sql, sql } from '../../database/sql';
import type { SqlDialect } from '../../database/sql-dialect';
import { ORCHESTRATOR_LEASE } from './lease-fence';

/**
 * Gives the lease up so another instance can lead at once (a kill, a shutdown): expired now,
 * no owner. The epoch stays, since it only grows. A row back means this owner still held it.
 */
export function releaseLease(d: SqlDialect, p: { owner: string; epoch: number }): Sql {
  return sql`update aol_lease set owner = null, expires_at = ${d.now}
    where name = ${ORCHESTRATOR_LEASE} and owner = ${p.owner} and epoch = ${p.epoch}
    returning epoch`;
}
