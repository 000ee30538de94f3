import { Inject, Injectable } from '@nestjs/common';
import { AolConfig } from '../config/aol-config';
import { SqlDatabase } from '../database/sql-database';
import { AolError, AolErrorCode } from '../errors/aol-error';
import { AolTopic, EVENT_BUS, EventBus } from '../events/event-bus';
import { EffectiveMode, ExecutionMode } from './execution-mode';

export interface ControlFlags {
  paused: boolean;
  killed: boolean;
  /** The operator's switch; REAL runs also need the deployment to allow them. */
  proofMode: boolean;
  reason: string | null;
  updatedBy: string | null;
  updatedAt: Date;
}

export interface ControlChange {
  reason: string;
  /** Who asked: an operator name, or the interface it came through. */
  actor: string;
}

type FlagName = 'paused' | 'killed' | 'proof_mode';

export const MAX_REASON_LENGTH = 500;

/** The switchboard: pause, kill and proof mode, one row read by every tick. */
@Injectable()
export class ControlService {
  private readonly proofModeOnly: boolean;

  constructor(
    private readonly db: SqlDatabase,
    @Inject(EVENT_BUS) private readonly events: EventBus,
    config: AolConfig,
  ) {
    this.proofModeOnly = config.proofModeOnly;
  }

  async flags(): Promise<ControlFlags> {
    const rows = await this.db.query('select paused, killed, proof_mode, reason, updated_by, updated_at from aol_control_flags where id = 1');
    if (rows.length === 0) throw new Error('The control flags row is missing: run the migrations');
    return this.toFlags(rows[0]);
  }

  /** Stops starting actions until resumed; a tick in progress finishes what it started. */
  async pause(change: ControlChange): Promise<ControlFlags> {
    return this.set('paused', true, change);
  }

  async resume(change: ControlChange): Promise<ControlFlags> {
    return this.set('paused', false, change);
  }

  /** Stops everything and gives up the lease; stays so, across restarts, until revived. */
  async kill(change: ControlChange): Promise<ControlFlags> {
    return this.set('killed', true, change);
  }

  async revive(change: ControlChange): Promise<ControlFlags> {
    return this.set('killed', false, change);
  }

  /** Turning proof mode off is refused where the deployment forces it (AOL_PROOF_MODE=1). */
  async setProofMode(enabled: boolean, change: ControlChange): Promise<ControlFlags> {
    if (!enabled && this.proofModeOnly) {
      throw new AolError(
        AolErrorCode.REAL_MODE_FORBIDDEN,
        'This deployment runs in PROOF mode only (AOL_PROOF_MODE=1); restart it with AOL_PROOF_MODE=0 to allow REAL runs',
      );
    }
    return this.set('proof_mode', enabled, change);
  }

  /** REAL only when the deployment allows it (AOL_PROOF_MODE=0) and the operator's switch is off. */
  effectiveMode(flags: ControlFlags): EffectiveMode {
    if (this.proofModeOnly) return { mode: ExecutionMode.PROOF, reason: 'AOL_PROOF_MODE=1: this deployment runs in PROOF mode only' };
    if (flags.proofMode) return { mode: ExecutionMode.PROOF, reason: "the operator's proof-mode switch is on" };
    return { mode: ExecutionMode.REAL, reason: "AOL_PROOF_MODE=0 and the operator's proof-mode switch is off" };
  }

  private async set(flag: FlagName, value: boolean, change: ControlChange): Promise<ControlFlags> {
    const reason = change.reason.trim();
    if (reason.length === 0 || reason.length > MAX_REASON_LENGTH) {
      throw new AolError(AolErrorCode.BAD_USER_INPUT, `reason must be 1 to ${MAX_REASON_LENGTH} characters`);
    }
    const { now, boolParam } = this.db.dialect;
    const rows = await this.db.query(
      `update aol_control_flags set ${flag} = ?, reason = ?, updated_by = ?, updated_at = ${now}
       where id = 1
       returning paused, killed, proof_mode, reason, updated_by, updated_at`,
      [boolParam(value), reason, change.actor],
    );
    const flags = this.toFlags(rows[0]);
    await this.events.publish(AolTopic.CONTROL_FLAGS_CHANGED, flags);
    return flags;
  }

  private toFlags(row: Record<string, unknown>): ControlFlags {
    return {
      paused: Boolean(row.paused),
      killed: Boolean(row.killed),
      proofMode: Boolean(row.proof_mode),
      reason: (row.reason as string | null) ?? null,
      updatedBy: (row.updated_by as string | null) ?? null,
      updatedAt: this.db.dialect.toDate(row.updated_at),
    };
  }
}
