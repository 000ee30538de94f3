import { Inject, Injectable } from '@nestjs/common';
import { AolConfig } from '../config/aol-config';
import { SqlDatabase, SqlExecutor } from '../database/sql-database';
import type { SqlFragment } from '../database/sql-dialect';
import { AolError, AolErrorCode } from '../errors/aol-error';
import { AolTopic, EVENT_BUS, EventBus } from '../events/event-bus';
import { fetchPage, Page, PageRequest } from '../graphql/pagination';
import type { ControlEventEntity } from './control-event.entity';
import { ControlEventKind } from './control-event.entity';
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
  /** Who asked: the principal's name (operator, viewer, anonymous, cli, with an optional label). */
  actor: string;
}

export interface ControlEventRecord {
  kind: ControlEventKind;
  change: ControlChange;
  actionId?: number | null;
  details?: Record<string, unknown> | null;
}

type FlagColumn = 'paused' | 'killed' | 'proof_mode';

export const MAX_REASON_LENGTH = 500;

const FLAG_COLUMNS = 'paused, killed, proof_mode, reason, updated_by, updated_at';
const EVENT_COLUMNS = 'id, kind, actor, reason, action_id, details, created_at';

/**
 * The switchboard (pause, kill, proof mode: one row read by every tick) and the append-only
 * record of every operator intervention, written in the same transaction as the change.
 */
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

  /**
   * The switchboard as one scalar SQL expression (a JSON object), for a statement that reads it
   * along the way (the tick reads it with the lease); `flagsFrom` turns the value back.
   */
  get flagsSnapshotSql(): string {
    return `(select ${this.flagsObjectSql} from aol_control_flags where id = 1)`;
  }

  /**
   * The switchboard for a statement that starts actions, as a query of one row: `flags` (read
   * back with `flagsFrom`) and `open`, true when actions may start — neither paused nor
   * killed, and the proof switch still as `expectedProofMode`, so the mode the caller claims
   * with is the mode the switchboard asks for.
   */
  claimGate(expectedProofMode: boolean): SqlFragment {
    return {
      sql: `select ${this.flagsObjectSql} as flags, not paused and not killed and proof_mode = ? as open from aol_control_flags where id = 1`,
      params: [this.db.dialect.boolParam(expectedProofMode)],
    };
  }

  private get flagsObjectSql(): string {
    const fields =
      "'paused', paused, 'killed', killed, 'proof_mode', proof_mode, 'reason', reason, 'updated_by', updated_by, 'updated_at', updated_at";
    return this.db.dialect.driver === 'postgresql' ? `json_build_object(${fields})` : `json_object(${fields})`;
  }

  /** True while not killed: a condition for taking a free lease. */
  get notKilledSql(): string {
    return 'not exists (select 1 from aol_control_flags where id = 1 and killed)';
  }

  flagsFrom(snapshot: unknown): ControlFlags {
    return this.toFlags(this.db.dialect.toJson<Record<string, unknown>>(snapshot));
  }

  async flags(): Promise<ControlFlags> {
    const rows = await this.db.query(`select ${FLAG_COLUMNS} from aol_control_flags where id = 1`);
    if (rows.length === 0) throw new Error('The control flags row is missing: run the migrations');
    return this.toFlags(rows[0]);
  }

  /** Stops starting actions until resumed; an action already running finishes. */
  async pause(change: ControlChange): Promise<ControlFlags> {
    return this.set(ControlEventKind.PAUSE, 'paused', true, change);
  }

  async resume(change: ControlChange): Promise<ControlFlags> {
    return this.set(ControlEventKind.RESUME, 'paused', false, change);
  }

  /** Stops everything and gives up the lease; stays so, across restarts, until revived. */
  async kill(change: ControlChange): Promise<ControlFlags> {
    return this.set(ControlEventKind.KILL, 'killed', true, change);
  }

  async revive(change: ControlChange): Promise<ControlFlags> {
    return this.set(ControlEventKind.REVIVE, 'killed', false, change);
  }

  /** Turning proof mode off is refused where the deployment forces it (AOL_PROOF_MODE=1). */
  async setProofMode(enabled: boolean, change: ControlChange): Promise<ControlFlags> {
    if (!enabled && this.proofModeOnly) {
      throw new AolError(
        AolErrorCode.REAL_MODE_FORBIDDEN,
        'This deployment runs in PROOF mode only (AOL_PROOF_MODE=1); restart it with AOL_PROOF_MODE=0 to allow REAL runs',
      );
    }
    return this.set(ControlEventKind.SET_PROOF_MODE, 'proof_mode', enabled, change);
  }

  /** REAL only when the deployment allows it (AOL_PROOF_MODE=0) and the operator's switch is off. */
  effectiveMode(flags: ControlFlags): EffectiveMode {
    if (this.proofModeOnly) return { mode: ExecutionMode.PROOF, reason: 'AOL_PROOF_MODE=1: this deployment runs in PROOF mode only' };
    if (flags.proofMode) return { mode: ExecutionMode.PROOF, reason: "the operator's proof-mode switch is on" };
    return { mode: ExecutionMode.REAL, reason: "AOL_PROOF_MODE=0 and the operator's proof-mode switch is off" };
  }

  /** Appends one control event, inside the caller's transaction when it passes one. */
  async recordEvent(event: ControlEventRecord, executor: SqlExecutor = this.db): Promise<void> {
    const reason = this.checkedReason(event.change.reason);
    const { now, jsonParam } = this.db.dialect;
    await executor.query(
      `insert into aol_control_events (kind, actor, reason, action_id, details, created_at) values (?, ?, ?, ?, ?, ${now})`,
      [event.kind, event.change.actor, reason, event.actionId ?? null, event.details ? jsonParam(event.details) : null],
    );
  }

  async listEvents(page: PageRequest): Promise<Page<ControlEventEntity>> {
    return fetchPage(page, async (limit) => {
      const rows = await this.db.query(
        `select ${EVENT_COLUMNS} from aol_control_events ${page.beforeId === null ? '' : 'where id < ?'} order by id desc limit ?`,
        page.beforeId === null ? [limit] : [page.beforeId, limit],
      );
      return rows.map((row) => this.toEvent(row));
    });
  }

  private async set(kind: ControlEventKind, column: FlagColumn, value: boolean, change: ControlChange): Promise<ControlFlags> {
    const reason = this.checkedReason(change.reason);
    const { now, boolParam } = this.db.dialect;
    const flags = await this.db.transaction(async (tx) => {
      const rows = await tx.query(
        `update aol_control_flags set ${column} = ?, reason = ?, updated_by = ?, updated_at = ${now}
         where id = 1
         returning ${FLAG_COLUMNS}`,
        [boolParam(value), reason, change.actor],
      );
      await this.recordEvent({ kind, change, details: { [column === 'proof_mode' ? 'proofMode' : column]: value } }, tx);
      return this.toFlags(rows[0]);
    });
    await this.events.publish(AolTopic.CONTROL_FLAGS_CHANGED, flags);
    return flags;
  }

  private checkedReason(reason: string): string {
    const trimmed = reason.trim();
    if (trimmed.length === 0 || trimmed.length > MAX_REASON_LENGTH) {
      throw new AolError(AolErrorCode.BAD_USER_INPUT, `reason must be 1 to ${MAX_REASON_LENGTH} characters`);
    }
    // PostgreSQL's text cannot hold a NUL; it is refused on SQLite as well, so both behave alike.
    if (trimmed.includes('\u0000'))
      throw new AolError(AolErrorCode.BAD_USER_INPUT, 'reason contains a NUL character (\\u0000), which cannot be stored');
    return trimmed;
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

  private toEvent(row: Record<string, unknown>): ControlEventEntity {
    return {
      id: Number(row.id),
      kind: row.kind as ControlEventKind,
      actor: row.actor as string,
      reason: row.reason as string,
      actionId: row.action_id === null || row.action_id === undefined ? null : Number(row.action_id),
      details: row.details === null || row.details === undefined ? null : this.db.dialect.toJson<Record<string, unknown>>(row.details),
      createdAt: this.db.dialect.toDate(row.created_at),
    };
  }
}
