import { EMPTY, Sql, sql } from '../../database/sql';
import type { SqlDialect } from '../../database/sql-dialect';
import { ORCHESTRATOR_LEASE } from './lease-fence';

export interface AcquireOrRenewLease {
  owner: string;
  /** The epoch the caller believes it holds; null when it holds none. */
  heldEpoch: number | null;
  ttlSeconds: number;
  /** The owner's deployment gate (AOL_PROOF_MODE), stored for every instance to read. */
  proofModeOnly: boolean;
  /** A scalar expression returned as `read_along` (the tick reads the switchboard with it). */
  read?: Sql;
  /** A condition a free or expired lease must also meet to be taken (not while killed). */
  takeOverOnlyIf?: Sql;
}

/**
 * The tick's first statement whenever it cannot renew and claim in one (SQLite; a new leader;
 * a tick after a failure): renews the lease for `owner` if it holds it at `heldEpoch` and it has
 * not expired, or takes it over (epoch + 1) if it is free or expired, and returns no row when
 * someone else holds it. One conditional UPDATE timed by the database's clock, so two
 * instances can never both believe they hold it at the same epoch, whatever their own clocks
 * say; with `read` it also brings back the switchboard: an idle tick is this statement and its
 * ledger row, two statements (W5 in BENCHMARKS.md: 4 per idle tick before this, 2 since).
 * It also writes the owner's deployment gate, so that the mode the leader runs actions in can
 * be read by every instance; the renewal inside the tick's combined statement leaves it, as
 * only this statement changes the owner.
 */
export function acquireOrRenewLease(d: SqlDialect, p: AcquireOrRenewLease): Sql {
  const stillMine = sql`(owner = ${p.owner} and epoch = ${p.heldEpoch} and expires_at > ${d.now})`;
  const mayTakeOver = sql`(owner is null or expires_at <= ${d.now})${p.takeOverOnlyIf ? sql` and ${p.takeOverOnlyIf}` : EMPTY}`;
  return sql`update aol_lease
    set owner = ${p.owner},
        epoch = case when ${stillMine} then epoch else epoch + 1 end,
        acquired_at = case when ${stillMine} then acquired_at else ${d.now} end,
        renewed_at = ${d.now},
        expires_at = ${d.nowPlusSeconds(p.ttlSeconds)},
        leader_proof_mode_only = ${d.boolParam(p.proofModeOnly)}
    where name = ${ORCHESTRATOR_LEASE} and (${stillMine} or (${mayTakeOver}))
    returning owner, epoch, expires_at, ${d.now} as database_now${p.read ? sql`, ${p.read} as read_along` : EMPTY}`;
}
