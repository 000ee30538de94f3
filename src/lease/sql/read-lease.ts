import { Sql, sql } from '../../database/sql';
import type { SqlDialect } from '../../database/sql-dialect';
import { ORCHESTRATOR_LEASE } from './lease-fence';

/** The lease row with the time it has left by the database's clock (`remaining_ms`), for the operator's view. */
export function readLease(d: SqlDialect): Sql {
  return sql`select owner, epoch, leader_proof_mode_only, acquired_at, renewed_at, expires_at, ${d.epochMs(sql`expires_at`)} - ${d.epochMs(d.now)} as remaining_ms
    from aol_lease where name = ${ORCHESTRATOR_LEASE}`;
}
