import { Inject, Injectable, Logger } from '@nestjs/common';
import { AuditKind, factOfRow } from '../audit/audit-fact';
import { AuditService } from '../audit/audit.service';
import { AolConfig } from '../config/aol-config';
import { fetchPage, Page, PageRequest } from '../database/pagination';
import { sql } from '../database/sql';
import { SqlDatabase, SqlExecutor } from '../database/sql-database';
import { AolError, AolErrorCode } from '../errors/aol-error';
import { AolTopic, EVENT_BUS, EventBus } from '../events/event-bus';
import { EffectiveMode, ExecutionMode } from '../actions/execution-mode';
import { ControlEventEntity, ControlEventKind } from './control-event.entity';
import type { ControlFlags } from './control-flags';
import { insertControlEvent, updateControlEventDetails } from './sql/control-events';
import { FlagColumn, setFlag } from './sql/set-flag';
import { FLAG_COLUMNS, toFlags } from './sql/switchboard';

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

export const MAX_REASON_LENGTH = 500;

/**
 * The switchboard (pause, kill, proof mode: one row read by every tick) and the append-only
 * record of every operator intervention, written in the same transaction as the change.
 */
@Injectable()
export class ControlService {
  private readonly logger = new Logger(ControlService.name);
  private readonly proofModeOnly: boolean;

  constructor(
    private readonly db: SqlDatabase,
    @Inject(EVENT_BUS) private readonly events: EventBus,
    private readonly audit: AuditService,
    config: AolConfig,
  ) {
    this.proofModeOnly = config.proofModeOnly;
  }

  /** The switchboard from its JSON object (control/sql/switchboard.ts), as a larger statement brought it back. */
  flagsFrom(snapshot: unknown): ControlFlags {
    return toFlags(this.db.dialect.toJson<Record<string, unknown>>(snapshot), this.db.dialect);
  }

  async flags(): Promise<ControlFlags> {
    const [row] = await this.db.query(sql`select ${FLAG_COLUMNS} from aol_control_flags where id = 1`);
    if (!row) throw new Error('The control flags row is missing: run the migrations');
    return toFlags(row, this.db.dialect);
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

  /**
   * REAL only when the deployment allows it (AOL_PROOF_MODE=0) and the operator's switch is off.
   * `proofModeOnly` is this instance's gate unless another's is given (the leader's, which is
   * what actions run under).
   */
  effectiveMode(flags: ControlFlags, proofModeOnly = this.proofModeOnly): EffectiveMode {
    if (proofModeOnly) return { mode: ExecutionMode.PROOF, reason: 'AOL_PROOF_MODE=1: this deployment runs in PROOF mode only' };
    if (flags.proofMode) return { mode: ExecutionMode.PROOF, reason: "the operator's proof-mode switch is on" };
    return { mode: ExecutionMode.REAL, reason: "AOL_PROOF_MODE=0 and the operator's proof-mode switch is off" };
  }

  /** Appends one control event, and its audit entry, inside the caller's transaction; returns its id. */
  async recordEvent(event: ControlEventRecord, tx: SqlExecutor): Promise<number> {
    const reason = this.checkedReason(event.change.reason);
    const [row] = await tx.query(
      insertControlEvent(this.db.dialect, {
        kind: event.kind,
        actor: event.change.actor,
        reason,
        actionId: event.actionId ?? null,
        details: event.details ?? null,
      }),
    );
    await this.audit.append(tx, [factOfRow(this.db.dialect, AuditKind.CONTROL, row)]);
    return Number(row.id);
  }

  /** Replaces the details of a bulk change's event as its batches commit (see updateControlEventDetails). */
  async updateEventDetails(id: number, details: Record<string, unknown>, tx: SqlExecutor): Promise<void> {
    const [row] = await tx.query(updateControlEventDetails(this.db.dialect, id, details));
    await this.audit.append(tx, [factOfRow(this.db.dialect, AuditKind.CONTROL_UPDATE, row)]);
  }

  /** Operator interventions, newest first. */
  async listEvents(page: PageRequest): Promise<Page<ControlEventEntity>> {
    return fetchPage(page, (limit) =>
      this.db
        .entityManager()
        .find(ControlEventEntity, page.beforeId === null ? {} : { id: { $lt: page.beforeId } }, { orderBy: { id: 'desc' }, limit }),
    );
  }

  async countEvents(): Promise<number> {
    return this.db.entityManager().count(ControlEventEntity, {});
  }

  private async set(kind: ControlEventKind, column: FlagColumn, value: boolean, change: ControlChange): Promise<ControlFlags> {
    const reason = this.checkedReason(change.reason);
    const flags = await this.db.transaction(async (tx) => {
      const rows = await tx.query(setFlag(this.db.dialect, { column, value, reason, actor: change.actor }));
      await this.recordEvent({ kind, change, details: { [column === 'proof_mode' ? 'proofMode' : column]: value } }, tx);
      return toFlags(rows[0], this.db.dialect);
    });
    await this.events.publish(AolTopic.CONTROL_FLAGS_CHANGED, flags);
    this.logger.log({ msg: `Control change: ${kind} by ${change.actor}: ${reason}`, kind, actor: change.actor, reason, [column]: value });
    return flags;
  }

  /** The reason trimmed, or BAD_USER_INPUT when it is empty, too long or holds a NUL: checked before anything changes. */
  checkedReason(reason: string): string {
    const trimmed = reason.trim();
    if (trimmed.length === 0 || trimmed.length > MAX_REASON_LENGTH) {
      throw new AolError(AolErrorCode.BAD_USER_INPUT, `reason must be 1 to ${MAX_REASON_LENGTH} characters`);
    }
    // PostgreSQL's text cannot hold a NUL; it is refused on SQLite as well, so both behave alike.
    if (trimmed.includes('\u0000'))
      throw new AolError(AolErrorCode.BAD_USER_INPUT, 'reason contains a NUL character (\\u0000), which cannot be stored');
    return trimmed;
  }
}
