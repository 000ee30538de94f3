import { Injectable } from '@nestjs/common';
import { AolConfig } from '../config/aol-config';
import { SqlDatabase } from '../database/sql-database';
import { SqlFragment, toNullableDate } from '../database/sql-dialect';
import type { LeaseFence } from './lease-fence';

/** The lease row the orchestrator's leader holds (created by the first migration). */
export const ORCHESTRATOR_LEASE = 'orchestrator';

/**
 * What a caller may add to the lease statement, so a tick needs one round trip for both:
 * `read`, a scalar SQL expression returned as `readAlong` (say, the switchboard), and
 * `takeOverOnlyIf`, a condition a free lease must meet to be taken (not while killed, say).
 * Both are constant SQL text, never values.
 */
export interface AlongTheLease {
  read?: string;
  takeOverOnlyIf?: string;
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
}

/**
 * Leadership through one row of aol_lease. Every change is a single conditional UPDATE
 * timed by the database's clock, so two instances can never both believe they hold it at
 * the same epoch, whatever their own clocks say.
 */
@Injectable()
export class LeaseService {
  private readonly ttlSeconds: number;

  constructor(
    private readonly db: SqlDatabase,
    config: AolConfig,
  ) {
    this.ttlSeconds = config.leaseTtlSeconds;
  }

  /**
   * Renews the lease for `owner` if it holds it at `heldEpoch` and it has not expired, or
   * takes it over (epoch + 1) if it is free or expired. Returns null when someone else holds
   * it. A renewal that finds the lease lost returns null too: the caller steps down at once.
   */
  async acquireOrRenew(owner: string, heldEpoch: number | null, along: AlongTheLease = {}): Promise<LeaseGrant | null> {
    const { now, nowPlusSeconds } = this.db.dialect;
    const stillMine = `(owner = ? and epoch = ? and expires_at > ${now})`;
    const mayTakeOver = `(owner is null or expires_at <= ${now})${along.takeOverOnlyIf ? ` and ${along.takeOverOnlyIf}` : ''}`;
    const rows = await this.db.query<Record<string, unknown>>(
      `update aol_lease
       set owner = ?,
           epoch = case when ${stillMine} then epoch else epoch + 1 end,
           acquired_at = case when ${stillMine} then acquired_at else ${now} end,
           renewed_at = ${now},
           expires_at = ${nowPlusSeconds('?')}
       where name = ? and (${stillMine} or (${mayTakeOver}))
       returning owner, epoch, expires_at, ${now} as database_now${along.read ? `, ${along.read} as read_along` : ''}`,
      [owner, owner, heldEpoch, owner, heldEpoch, this.ttlSeconds, ORCHESTRATOR_LEASE, owner, heldEpoch],
    );
    return rows.length === 0 ? null : this.toGrant(rows[0], heldEpoch);
  }

  /**
   * The renewal alone, as a data-modifying CTE for a statement that needs the lease anyway
   * (the tick's claim), so both take one round trip and one commit. It yields a row only
   * while `owner` still holds the lease at `epoch`; `renewedGrant` reads it back. Null on
   * SQLite, whose CTEs cannot write.
   */
  renewalCte(owner: string, epoch: number): SqlFragment | null {
    if (this.db.dialect.driver !== 'postgresql') return null;
    const { now, nowPlusSeconds } = this.db.dialect;
    return {
      sql: `update aol_lease set renewed_at = ${now}, expires_at = ${nowPlusSeconds('?')}
            where name = ? and owner = ? and epoch = ? and expires_at > ${now}
            returning owner, epoch, expires_at, ${now} as database_now`,
      params: [this.ttlSeconds, ORCHESTRATOR_LEASE, owner, epoch],
    };
  }

  /** The grant from a row of `renewalCte`; null (the lease is lost) when it yielded none. */
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
    const { now } = this.db.dialect;
    const rows = await this.db.query(
      `update aol_lease set owner = null, expires_at = ${now}
       where name = ? and owner = ? and epoch = ?
       returning epoch`,
      [ORCHESTRATOR_LEASE, owner, epoch],
    );
    return rows.length > 0;
  }

  async current(): Promise<LeaseState> {
    const { now, epochMs, toDate } = this.db.dialect;
    const rows = await this.db.query<Record<string, unknown>>(
      `select owner, epoch, acquired_at, renewed_at, expires_at, ${epochMs('expires_at')} - ${epochMs(now)} as remaining_ms
       from aol_lease where name = ?`,
      [ORCHESTRATOR_LEASE],
    );
    if (rows.length === 0) throw new Error(`The ${ORCHESTRATOR_LEASE} lease row is missing: run the migrations`);
    const row = rows[0];
    const held = row.owner !== null && Number(row.remaining_ms) > 0;
    return {
      owner: held ? (row.owner as string) : null,
      epoch: Number(row.epoch),
      acquiredAt: toNullableDate(this.db.dialect, row.acquired_at),
      renewedAt: toNullableDate(this.db.dialect, row.renewed_at),
      expiresAt: toDate(row.expires_at),
      expiresInSeconds: held ? Math.round(Number(row.remaining_ms)) / 1000 : 0,
    };
  }

  /** The condition that fences a leader's writes to actions: still this owner, this epoch, unexpired. */
  fence(owner: string, epoch: number): LeaseFence {
    return {
      owner,
      epoch,
      sql: `exists (select 1 from aol_lease where aol_lease.name = ? and aol_lease.owner = ? and aol_lease.epoch = ? and aol_lease.expires_at > ${this.db.dialect.now})`,
      params: [ORCHESTRATOR_LEASE, owner, epoch],
    };
  }
}
