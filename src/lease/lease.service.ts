import { Injectable } from '@nestjs/common';
import { AolConfig } from '../config/aol-config';
import type { Sql } from '../database/sql';
import { SqlDatabase } from '../database/sql-database';
import { SqlDialect, toNullableDate } from '../database/sql-dialect';
import { acquireOrRenewLease } from './sql/acquire-or-renew-lease';
import { LeaseFence, leaseFence, ORCHESTRATOR_LEASE } from './sql/lease-fence';
import { readLease } from './sql/read-lease';
import { releaseLease } from './sql/release-lease';

/**
 * What a caller may add to the lease statement, so a tick needs one round trip for both:
 * `read`, a scalar SQL expression returned as `readAlong` (say, the switchboard), and
 * `takeOverOnlyIf`, a condition a free lease must meet to be taken (not while killed, say).
 */
export interface AlongTheLease {
  read?: Sql;
  takeOverOnlyIf?: Sql;
}

export interface LeaseGrant {
  owner: string;
  epoch: number;
  /** True when this call took the lease over (a new epoch) rather than renewing it. */
  acquired: boolean;
  /** The database's clock when the statement ran, and the expiry it set. */
  databaseNow: Date;
  expiresAt: Date;
  /** The value of `along.read`, as the driver returned it. */
  readAlong?: unknown;
}

export interface LeaseState {
  owner: string | null;
  epoch: number;
  acquiredAt: Date | null;
  renewedAt: Date | null;
  expiresAt: Date;
  /** Seconds until expiry by the database's clock; 0 once expired or released. */
  expiresInSeconds: number;
  /** The deployment gate (AOL_PROOF_MODE) of the last instance to take or renew the lease; null before any did. */
  leaderProofModeOnly: boolean | null;
}

/**
 * Leadership through one row of aol_lease. Every change is a single conditional UPDATE
 * timed by the database's clock, so two instances can never both believe they hold it at
 * the same epoch, whatever their own clocks say.
 */
@Injectable()
export class LeaseService {
  private readonly ttlSeconds: number;
  private readonly proofModeOnly: boolean;

  constructor(
    private readonly db: SqlDatabase,
    config: AolConfig,
  ) {
    this.ttlSeconds = config.leaseTtlSeconds;
    this.proofModeOnly = config.proofModeOnly;
  }

  /**
   * Renews the lease for `owner` if it holds it at `heldEpoch` and it has not expired, or
   * takes it over (epoch + 1) if it is free or expired. Returns null when someone else holds
   * it. A renewal that finds the lease lost returns null too: the caller steps down at once.
   */
  async acquireOrRenew(owner: string, heldEpoch: number | null, along: AlongTheLease = {}): Promise<LeaseGrant | null> {
    const rows = await this.db.query(
      acquireOrRenewLease(this.db.dialect, { owner, heldEpoch, ttlSeconds: this.ttlSeconds, proofModeOnly: this.proofModeOnly, ...along }),
    );
    return rows.length === 0 ? null : this.toGrant(rows[0], heldEpoch);
  }

  /** The grant from a row of the renewal (lease/sql/renew-lease.ts); null (the lease is lost) when it yielded none. */
  renewedGrant(row: Record<string, unknown> | null, heldEpoch: number): LeaseGrant | null {
    return row === null || row.epoch === null || row.epoch === undefined ? null : this.toGrant(row, heldEpoch);
  }

  private toGrant(row: Record<string, unknown>, heldEpoch: number | null): LeaseGrant {
    const epoch = Number(row.epoch);
    return {
      owner: row.owner as string,
      epoch,
      acquired: epoch !== heldEpoch,
      databaseNow: this.db.dialect.toDate(row.database_now),
      expiresAt: this.db.dialect.toDate(row.expires_at),
      readAlong: row.read_along,
    };
  }

  /** Gives the lease up so another instance can lead at once. The epoch stays: it only grows. */
  async release(owner: string, epoch: number): Promise<boolean> {
    return (await this.db.query(releaseLease(this.db.dialect, { owner, epoch }))).length > 0;
  }

  async current(): Promise<LeaseState> {
    const [row] = await this.db.query(readLease(this.db.dialect));
    return toLeaseState(row, this.db.dialect);
  }

  /** The condition that fences a leader's writes to actions: still this owner, this epoch, unexpired. */
  fence(owner: string, epoch: number): LeaseFence {
    return leaseFence(this.db.dialect, owner, epoch);
  }
}

/** The lease from readLease's row, or from leaseSnapshot's JSON object (either driver). */
export function toLeaseState(row: Record<string, unknown> | null | undefined, d: SqlDialect): LeaseState {
  if (!row) throw new Error(`The ${ORCHESTRATOR_LEASE} lease row is missing: run the migrations`);
  const held = row.owner !== null && Number(row.remaining_ms) > 0;
  return {
    owner: held ? (row.owner as string) : null,
    epoch: Number(row.epoch),
    acquiredAt: toNullableDate(d, row.acquired_at),
    renewedAt: toNullableDate(d, row.renewed_at),
    expiresAt: d.toDate(row.expires_at),
    expiresInSeconds: held ? Math.round(Number(row.remaining_ms)) / 1000 : 0,
    leaderProofModeOnly: row.leader_proof_mode_only === null ? null : Boolean(row.leader_proof_mode_only),
  };
}
