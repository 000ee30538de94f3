import { Sql, sql } from '../../database/sql';
import type { SqlDialect } from '../../database/sql-dialect';
import { ORCHESTRATOR_LEASE } from './lease-fence';

/**
 * The renewal alone, for a statement that needs the lease anyway: the tick's renewal and claim
 * in one (orchestrator/sql/renew-gate-claim.ts), where it is a data-modifying CTE, so only on a
 * dialect with `writingCtes`. It yields a row (owner, epoch, expires_at, database_now) only
 * while `owner` still holds the lease at `epoch`.
 */
export function renewLease(d: SqlDialect, p: { owner: string; epoch: number; ttlSeconds: number }): Sql {
  return sql`update aol_lease set renewed_at = ${d.now}, expires_at = ${d.nowPlusSeconds(p.ttlSeconds)}
    where name = ${ORCHESTRATOR_LEASE} and owner = ${p.owner} and epoch = ${p.epoch} and expires_at > ${d.now}
    returning owner, epoch, expires_at, ${d.now} as database_now`;
}
