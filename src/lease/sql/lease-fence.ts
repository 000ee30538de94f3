import { Sql, sql } from '../../database/sql';
import type { SqlDialect } from '../../database/sql-dialect';

/** The lease row the orchestrator's leader holds (created by the first migration). */
export const ORCHESTRATOR_LEASE = 'orchestrator';

/**
 * A SQL condition that holds only while a given owner still holds the lease at a given
 * epoch, on the database's clock. The leader adds it to every write it makes to an action,
 * so a leader that was paused or cut off past its lease changes nothing when it wakes up.
 */
export interface LeaseFence {
  readonly owner: string;
  readonly epoch: number;
  readonly condition: Sql;
}

export function leaseFence(d: SqlDialect, owner: string, epoch: number): LeaseFence {
  return {
    owner,
    epoch,
    condition: sql`exists (select 1 from aol_lease
      where aol_lease.name = ${ORCHESTRATOR_LEASE} and aol_lease.owner = ${owner} and aol_lease.epoch = ${epoch} and aol_lease.expires_at > ${d.now})`,
  };
}
