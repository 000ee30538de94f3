import { Injectable } from '@nestjs/common';
import { SqlDatabase, SqlExecutor } from '../database/sql-database';
import { AolError, AolErrorCode } from '../errors/aol-error';
import { ControlEventKind } from '../control/control-event.entity';
import { ControlChange, ControlService } from '../control/control.service';
import type { ActionEntity } from '../queue/action.entity';
import { MAX_BATCH_SIZE, QueueService, Resolution, ReviewOutcome } from '../queue/queue.service';
import { ActionHandlerRegistry } from '../action-handlers/action-handler.registry';
import { ActionStatus } from '../actions/action-status';

/** One id's answer in a bulk change: the action as changed, or why it was not. */
export interface BulkOutcome {
  id: number;
  action: ActionEntity | null;
  error: { code: AolErrorCode; message: string } | null;
}

/** What reconcileAction found: the action (SUCCESS when its post was found), and what was searched. */
export interface Reconciliation {
  found: boolean;
  checked: string;
  action: ActionEntity;
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
    private readonly handlers: ActionHandlerRegistry,
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

  /**
   * Looks a NEEDS_REVIEW action's effect up where its handler can (Mastodon: its account's
   * recent statuses) and, when found, resolves it POSTED with what was found. Not found
   * changes nothing: the look-up cannot see everything, so concluding NOT_POSTED from it
   * could post twice; a person decides with resolveAction.
   */
  async reconcile(id: number, change: ControlChange): Promise<Reconciliation> {
    this.control.checkedReason(change.reason);
    const action = await this.queue.getAction(id);
    if (action.status !== ActionStatus.NEEDS_REVIEW) {
      throw new AolError(AolErrorCode.INVALID_STATE, `Action ${id} is ${action.status}; only NEEDS_REVIEW actions can be reconciled`, {
        status: action.status,
      });
    }
    const lookup = await this.handlers.findRemoteEffect({ ...action, attempt: action.attempts });
    if (!lookup) {
      throw new AolError(
        AolErrorCode.INVALID_STATE,
        `Action ${id} cannot be looked up: its publisher cannot search; check by hand and use resolveAction`,
        { status: action.status },
      );
    }
    if (!lookup.found) return { found: false, checked: lookup.checked, action };
    const resolution = { outcome: ReviewOutcome.POSTED, remoteId: lookup.found.remoteId, remoteUrl: lookup.found.remoteUrl };
    return { found: true, checked: lookup.checked, action: await this.resolve(id, resolution, change, 'reconcile') };
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
