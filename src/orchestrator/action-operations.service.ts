import { Injectable } from '@nestjs/common';
import { SqlDatabase, SqlExecutor } from '../database/sql-database';
import { AolError, AolErrorCode } from '../errors/aol-error';
import { ControlEventKind } from '../control/control-event.entity';
import { ControlChange, ControlService } from '../control/control.service';
import type { ActionEntity } from '../queue/action.entity';
import { MAX_BATCH_SIZE, QueueService, Resolution } from '../queue/queue.service';

/** One id's answer in a bulk change: the action as changed, or why it was not. */
export interface BulkOutcome {
  id: number;
  action: ActionEntity | null;
  error: { code: AolErrorCode; message: string } | null;
}

/**
 * An operator's changes to single actions: the change and its control event are written in
 * one transaction, so the audit trail never misses or invents one.
 */
@Injectable()
export class ActionOperationsService {
  constructor(
    private readonly db: SqlDatabase,
    private readonly queue: QueueService,
    private readonly control: ControlService,
  ) {}

  async cancel(id: number, change: ControlChange): Promise<ActionEntity> {
    return this.audited(ControlEventKind.CANCEL_ACTION, id, change, (tx) => this.queue.cancel(id, tx));
  }

  async retry(id: number, change: ControlChange): Promise<ActionEntity> {
    return this.audited(ControlEventKind.RETRY_ACTION, id, change, (tx) => this.queue.retry(id, tx));
  }

  /** AWAITING_APPROVAL → PENDING, the approval bound to the payload's hash now (QueueService.approve). */
  async approve(id: number, change: ControlChange): Promise<ActionEntity> {
    return this.audited(
      ControlEventKind.APPROVE_ACTION,
      id,
      change,
      (tx) => this.queue.approve(id, change.actor, change.reason.trim(), tx),
      (action) => ({
        payloadSha256: action.approvedPayloadSha256,
      }),
    );
  }

  async reject(id: number, change: ControlChange): Promise<ActionEntity> {
    return this.audited(ControlEventKind.REJECT_ACTION, id, change, (tx) => this.queue.reject(id, change.actor, change.reason.trim(), tx));
  }

  /** Settles a NEEDS_REVIEW action without a new attempt (QueueService.resolve). */
  async resolve(id: number, resolution: Resolution, change: ControlChange, via?: string): Promise<ActionEntity> {
    return this.audited(
      ControlEventKind.RESOLVE_ACTION,
      id,
      change,
      (tx) => this.queue.resolve(id, resolution, tx),
      () => ({
        outcome: resolution.outcome,
        remoteUrl: resolution.remoteUrl ?? null,
        ...(via ? { via } : {}),
      }),
    );
  }

  async approveMany(ids: readonly number[], change: ControlChange): Promise<BulkOutcome[]> {
    return this.each(ids, (id) => this.approve(id, change));
  }

  async rejectMany(ids: readonly number[], change: ControlChange): Promise<BulkOutcome[]> {
    return this.each(ids, (id) => this.reject(id, change));
  }

  /**
   * A bulk change, one id at a time, each in its own transaction with its own control event, so
   * one refusal (not found, another state) is that id's answer and the others still change.
   */
  private async each(ids: readonly number[], change: (id: number) => Promise<ActionEntity>): Promise<BulkOutcome[]> {
    if (ids.length === 0 || ids.length > MAX_BATCH_SIZE) {
      throw new AolError(AolErrorCode.BAD_USER_INPUT, `ids must hold 1 to ${MAX_BATCH_SIZE} ids (got ${ids.length})`);
    }
    const outcomes: BulkOutcome[] = [];
    for (const id of ids) {
      try {
        outcomes.push({ id, action: await change(id), error: null });
      } catch (error) {
        if (!(error instanceof AolError) || error.code === AolErrorCode.BAD_USER_INPUT) throw error;
        outcomes.push({ id, action: null, error: { code: error.code, message: error.message } });
      }
    }
    return outcomes;
  }

  private async audited(
    kind: ControlEventKind,
    id: number,
    change: ControlChange,
    apply: (tx: SqlExecutor) => Promise<ActionEntity>,
    details: (action: ActionEntity) => Record<string, unknown> = () => ({}),
  ): Promise<ActionEntity> {
    this.control.checkedReason(change.reason);
    const action = await this.db.transaction(async (tx) => {
      const changed = await apply(tx);
      await this.control.recordEvent({ kind, change, actionId: id, details: { status: changed.status, ...details(changed) } }, tx);
      return changed;
    });
    await this.queue.announce(action);
    return action;
  }
}
