import { setImmediate as nextTurn } from 'node:timers/promises';
import { Injectable, Logger } from '@nestjs/common';
import { ActionHandlerRegistry } from '../action-handlers/action-handler.registry';
import { SqlDatabase, SqlExecutor } from '../database/sql-database';
import { ActionStatus } from '../actions/action-status';
import { ControlEventKind } from '../control/control-event.entity';
import { ControlChange, ControlService } from '../control/control.service';
import { AolError, AolErrorCode } from '../errors/aol-error';
import type { ActionEntity } from '../queue/action.entity';
import { MAX_BATCH_SIZE, QueueService, Resolution, ReviewOutcome } from '../queue/queue.service';
import type { BulkChange, BulkFilter } from '../queue/sql/bulk-change';

/** The most actions one bulk call changes; what is left is for the next call. */
export const MAX_BULK_ACTIONS = 10_000;
/**
 * Rows per statement of a bulk change, each statement its own short transaction: between them
 * the tick's statements get their turn (SQLite has one writer), so a bulk change never holds
 * it up for more than one batch.
 */
const BULK_BATCH_SIZE = 500;
const MAX_ERROR_CODE_LENGTH = 60;

export interface BulkRequest {
  filter: {
    status: ActionStatus;
    type?: BulkFilter['type'];
    errorCode?: string | null;
    createdAfter?: Date | null;
    createdBefore?: Date | null;
  };
  /** At most this many (1 to MAX_BULK_ACTIONS). */
  limit: number;
}

export interface BulkChangeOutcome {
  /** Actions this call changed. */
  changed: number;
  /** Actions the filter still matches afterwards (past the limit, or arrived meanwhile). */
  remaining: number;
  /** The control event that records the change. */
  eventId: number;
}

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
 * An operator's changes to actions: each change and its control event are written in one
 * transaction, so the audit trail never misses or invents one.
 */
@Injectable()
export class ActionOperationsService {
  private readonly logger = new Logger(ActionOperationsService.name);

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

  /** Sends the DLQ or NEEDS_REVIEW actions a filter matches back to the queue, as retry does for one. */
  async retryMatching(request: BulkRequest, change: ControlChange): Promise<BulkChangeOutcome> {
    return this.bulk('retry', ControlEventKind.RETRY_ACTION, request, change);
  }

  /** Cancels the DLQ or NEEDS_REVIEW actions a filter matches. */
  async cancelMatching(request: BulkRequest, change: ControlChange): Promise<BulkChangeOutcome> {
    return this.bulk('cancel', ControlEventKind.CANCEL_ACTION, request, change);
  }

  /**
   * A bulk change in batches (BULK_BATCH_SIZE rows per statement, in id order, each batch its
   * own transaction, the event loop let go between them), recorded by one control event of
   * `kind` without an action, its details the filter, the limit and the count: written with the
   * first batch and brought up to date with each later one, so it always counts what committed.
   */
  private async bulk(change: BulkChange, kind: ControlEventKind, request: BulkRequest, who: ControlChange): Promise<BulkChangeOutcome> {
    const filter = this.checkedFilter(request.filter);
    const limit = request.limit;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_BULK_ACTIONS) {
      throw new AolError(AolErrorCode.BAD_USER_INPUT, `limit must be an integer from 1 to ${MAX_BULK_ACTIONS}`);
    }
    const details = (changed: number) => ({ bulk: change, filter: describeFilter(filter), limit, changed });
    let changed = 0;
    let afterId = 0;
    let eventId: number | null = null;
    for (;;) {
      const size = Math.min(BULK_BATCH_SIZE, limit - changed);
      const ids = await this.db.transaction(async (tx) => {
        const batch = await this.queue.changeMatching(change, filter, afterId, size, tx);
        if (eventId === null) eventId = await this.control.recordEvent({ kind, change: who, details: details(batch.length) }, tx);
        else if (batch.length > 0) await this.control.updateEventDetails(eventId, details(changed + batch.length), tx);
        return batch;
      });
      changed += ids.length;
      afterId = Math.max(afterId, ...ids);
      if (ids.length < size || changed >= limit) break;
      await nextTurn();
    }
    return { changed, remaining: await this.queue.countMatching(filter), eventId: eventId! };
  }

  private checkedFilter(filter: BulkRequest['filter']): BulkFilter {
    const refuse = (problem: string): never => {
      throw new AolError(AolErrorCode.BAD_USER_INPUT, problem);
    };
    if (filter.status !== ActionStatus.DLQ && filter.status !== ActionStatus.NEEDS_REVIEW) {
      refuse(`filter.status must be DLQ or NEEDS_REVIEW (got ${filter.status})`);
    }
    if (
      filter.errorCode !== undefined &&
      filter.errorCode !== null &&
      (filter.errorCode.length < 1 || filter.errorCode.length > MAX_ERROR_CODE_LENGTH)
    ) {
      refuse(`filter.errorCode must be 1 to ${MAX_ERROR_CODE_LENGTH} characters`);
    }
    for (const [name, time] of [
      ['createdAfter', filter.createdAfter],
      ['createdBefore', filter.createdBefore],
    ] as const) {
      if (time && Number.isNaN(time.getTime())) refuse(`filter.${name} must be a valid time`);
    }
    return { ...filter, status: filter.status as BulkFilter['status'] };
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
    this.logger.log({
      msg: `Control change: ${kind} of action ${id} by ${change.actor}: ${change.reason.trim()}`,
      kind,
      actor: change.actor,
      reason: change.reason.trim(),
      actionId: id,
      status: action.status,
    });
    return action;
  }
}

/** The filter as the control event keeps it: only what was given. */
function describeFilter(filter: BulkFilter): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(filter)
      .filter(([, value]) => value !== undefined && value !== null)
      .map(([name, value]) => [name, value instanceof Date ? value.toISOString() : value]),
  );
}
