import { Injectable } from '@nestjs/common';
import { AolConfig } from '../config/aol-config';
import type { ControlFlags } from '../control/control-flags';
import { ControlService } from '../control/control.service';
import type { EffectiveMode } from '../actions/execution-mode';
import { LeaseService, LeaseState } from '../lease/lease.service';
import { LedgerService } from '../ledger/ledger.service';
import type { TickEntity } from '../ledger/tick.entity';
import { QueueCounts, QueueService } from '../queue/queue.service';
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
    private readonly lease: LeaseService,
    private readonly control: ControlService,
    private readonly ledger: LedgerService,
    private readonly queue: QueueService,
    private readonly ticks: TickService,
  ) {}

  async status(): Promise<AutonomyStatus> {
    const [lease, flags, lastTick, queue, oldestDueAgeSeconds] = await Promise.all([
      this.lease.current(),
      this.control.flags(),
      this.ledger.lastTick(),
      this.queue.counts(),
      this.queue.oldestDueAgeSeconds(),
    ]);
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
