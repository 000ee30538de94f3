import { Injectable } from '@nestjs/common';
import { AolConfig } from '../config/aol-config';
import type { ControlFlags } from '../control/control-flags';
import { ControlService } from '../control/control.service';
import type { EffectiveMode } from '../actions/execution-mode';
import { SqlDatabase } from '../database/sql-database';
import { toFlags } from '../control/sql/switchboard';
import { LeaseState, toLeaseState } from '../lease/lease.service';
import { toTickRecord } from '../ledger/sql/tick-row';
import type { TickEntity } from '../ledger/tick.entity';
import { QueueCounts, toQueueCounts } from '../queue/queue.service';
import { dueAgeSeconds } from '../queue/sql/oldest-due-age';
import { autonomyStatusRow } from './sql/autonomy-status';
import { TickService } from './tick.service';

export interface AutonomyStatus {
  lease: LeaseState;
  flags: ControlFlags;
  lastTick: TickEntity | null;
  queue: QueueCounts;
  oldestDueAgeSeconds: number | null;
  /**
   * The mode the next action runs in: the switchboard under the leader's deployment gate (the
   * last leader's while nobody leads; this instance's before any instance led).
   */
  mode: EffectiveMode;
  /** The instance holding the lease; null while nobody does. */
  leaderInstanceId: string | null;
  /** The mode the current leader runs actions in; null while nobody leads. */
  leaderMode: EffectiveMode | null;
  /** This instance (the one answering). */
  instanceId: string;
  /** Whether this instance holds the lease. */
  leader: boolean;
}

@Injectable()
export class AutonomyStatusService {
  constructor(
    private readonly config: AolConfig,
    private readonly control: ControlService,
    private readonly db: SqlDatabase,
    private readonly ticks: TickService,
  ) {}

  /** One statement (sql/autonomy-status.ts), mapped by each piece's own module. */
  async status(): Promise<AutonomyStatus> {
    const d = this.db.dialect;
    const [row] = await this.db.query(autonomyStatusRow(d));
    const lease = toLeaseState(d.toJson<Record<string, unknown> | null>(row.lease), d);
    const flagsRow = d.toJson<Record<string, unknown> | null>(row.flags);
    if (!flagsRow) throw new Error('The control flags row is missing: run the migrations');
    const flags = toFlags(flagsRow, d);
    const tickRow = d.toJson<Record<string, unknown> | null>(row.last_tick);
    const lastTick = tickRow ? toTickRecord(tickRow, d) : null;
    const counts = d.toJson<Record<string, unknown> | null>(row.counts) ?? {};
    const queue = toQueueCounts(new Map(Object.entries(counts).map(([status, count]) => [status, Number(count)])));
    const oldestDueAgeSeconds = dueAgeSeconds(row.age_ms);
    const mode = this.modeUnderTheLeader(flags, lease);
    return {
      lease,
      flags,
      lastTick,
      queue,
      oldestDueAgeSeconds,
      mode,
      leaderInstanceId: lease.owner,
      leaderMode: lease.owner === null ? null : mode,
      instanceId: this.config.instanceId,
      leader: this.ticks.isLeader && lease.owner === this.config.instanceId,
    };
  }

  /** The switchboard under the gate the lease row carries: the leader's, else the last leader's, else this instance's. */
  private modeUnderTheLeader(flags: ControlFlags, lease: LeaseState): EffectiveMode {
    if (lease.leaderProofModeOnly === null) return this.control.effectiveMode(flags);
    const mode = this.control.effectiveMode(flags, lease.leaderProofModeOnly);
    const whose = lease.owner === null ? 'the last leader' : `the leader ${lease.owner}`;
    return { mode: mode.mode, reason: `${mode.reason} (the gate of ${whose})` };
  }
}
