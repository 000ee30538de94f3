import { Injectable, Logger } from '@nestjs/common';
import { SqlDatabase, SqlExecutor } from '../database/sql-database';
import { ControlEventKind } from '../control/control-event.entity';
import { ControlChange, ControlService } from '../control/control.service';
import type { ActionEntity } from '../queue/action.entity';
import { QueueService } from '../queue/queue.service';

/**
 * An operator's changes to single actions: the change and its control event are written in
 * one transaction, so the audit trail never misses or invents one.
 */
@Injectable()
export class ActionOperationsService {
  private readonly logger = new Logger(ActionOperationsService.name);

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

  private async audited(
    kind: ControlEventKind,
    id: number,
    change: ControlChange,
    apply: (tx: SqlExecutor) => Promise<ActionEntity>,
  ): Promise<ActionEntity> {
    const action = await this.db.transaction(async (tx) => {
      const changed = await apply(tx);
      await this.control.recordEvent({ kind, change, actionId: id, details: { status: changed.status } }, tx);
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
