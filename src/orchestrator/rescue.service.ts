import { Injectable, Logger } from '@nestjs/common';
import { ActionHandlerRegistry } from '../action-handlers/action-handler.registry';
import { SqlDatabase } from '../database/sql-database';
import { ExecutionMode } from '../actions/execution-mode';
import type { LeaseFence } from '../lease/sql/lease-fence';
import { LedgerService } from '../ledger/ledger.service';
import { AolMetrics } from '../metrics/aol-metrics';
import { AttemptOutcome } from '../ledger/tick-outcome';
import type { ActionEntity } from '../queue/action.entity';
import { ActionStatus } from '../actions/action-status';
import { QueueService } from '../queue/queue.service';

/** An action taken back more often than this is parked for an operator: something keeps killing its runs. */
export const MAX_RESCUES = 3;

export interface RescueReport {
  requeued: number;
  parked: number;
  /** Claimed by the stopped leader but never started: back in the queue unchanged. */
  released: number;
}

/**
 * What a new leader does about actions it finds RUNNING: at the start of its tick nothing of
 * its own runs, so each of them belongs to a leader that died or lost its lease mid-batch
 * (whose late writes the fence now refuses). Those it claimed but never marked started
 * (queue/sql/mark-started.ts) go back unchanged: no attempt counted, no log row. Of the
 * started ones, attempts whose effect is idempotent — PROOF
 * mode, or an adapter that passes the idempotency key on — run again; the others may or may
 * not have happened, so they wait as NEEDS_REVIEW (OUTCOME_UNKNOWN) and are never retried
 * automatically. Each abandoned attempt gets its log row, closed as ABANDONED.
 */
@Injectable()
export class RescueService {
  private readonly logger = new Logger(RescueService.name);

  constructor(
    private readonly queue: QueueService,
    private readonly ledger: LedgerService,
    private readonly handlers: ActionHandlerRegistry,
    private readonly db: SqlDatabase,
    private readonly metrics: AolMetrics,
  ) {}

  async rescue(fence: LeaseFence): Promise<RescueReport> {
    await this.ledger.closeAbandonedTicks(`abandoned: its leader stopped before finishing; taken over at epoch ${fence.epoch}`);
    const running = await this.queue.findRunning();
    // Claimed but never marked started: nothing of them happened, so they go back as they were.
    const unstarted = running.filter((action) => action.startedAt === null);
    const released = await this.queue.releaseUnstarted(
      unstarted.map((action) => action.id),
      fence,
      'never-marked',
    );
    this.metrics.rescued('NOT_STARTED', released.length);
    if (released.length > 0) this.logger.warn(`Gave back ${released.length} action(s) a stopped leader had claimed but not started`);
    const orphans = running.filter((action) => action.startedAt !== null);
    if (orphans.length === 0) return { requeued: 0, parked: 0, released: released.length };

    const rerun = orphans.filter((action) => this.mayRunAgain(action));
    const rerunIds = new Set(rerun.map((action) => action.id));
    const unknown = orphans.filter((action) => !rerunIds.has(action.id));
    const byId = new Map(orphans.map((orphan) => [orphan.id, orphan]));
    // Taking an action back and closing its abandoned attempt's log row commit together.
    const { requeued, parked, logs } = await this.db.transaction(async (tx) => {
      const requeuedRows = await this.queue.takeBack(
        rerun.map((action) => action.id),
        fence,
        {
          status: ActionStatus.RETRY,
          errorCode: 'ABANDONED',
          error: `Its leader stopped mid-attempt; run again by epoch ${fence.epoch} (idempotent)`,
        },
        tx,
      );
      const parkedRows = [
        ...(await this.queue.takeBack(
          unknown.filter((action) => action.rescues < MAX_RESCUES).map((action) => action.id),
          fence,
          {
            status: ActionStatus.NEEDS_REVIEW,
            errorCode: 'OUTCOME_UNKNOWN',
            error: 'Its leader stopped mid-attempt and running it again could repeat its effect: check, then retryAction or cancelAction',
          },
          tx,
        )),
        ...(await this.queue.takeBack(
          unknown.filter((action) => action.rescues >= MAX_RESCUES).map((action) => action.id),
          fence,
          {
            status: ActionStatus.NEEDS_REVIEW,
            errorCode: 'RESCUED_TOO_OFTEN',
            error: `Taken back from a dead leader ${MAX_RESCUES} times already: something keeps stopping its runs`,
          },
          tx,
        )),
      ];
      const logRows = await this.ledger.recordAttempts(
        [...requeuedRows, ...parkedRows].map((action) => {
          const original = byId.get(action.id)!;
          return {
            actionId: action.id,
            tickId: null,
            attempt: original.attempts,
            mode: original.claimMode ?? ExecutionMode.PROOF,
            outcome: AttemptOutcome.ABANDONED,
            // From its start to its taking back, both by the database's clock.
            startedAt: original.startedAt!,
            durationMs: Math.max(0, action.updatedAt.getTime() - original.startedAt!.getTime()),
            artifactRef: null,
            artifactSha256: null,
            errorCode: action.lastErrorCode ?? 'ABANDONED',
            error: `${original.claimedBy ?? 'a leader'} (epoch ${original.claimEpoch}) stopped before recording a result`,
          };
        }),
        fence.epoch,
        tx,
      );
      return { requeued: requeuedRows, parked: parkedRows, logs: logRows };
    });
    this.metrics.rescued('RETRY', requeued.length);
    for (const decision of ['OUTCOME_UNKNOWN', 'RESCUED_TOO_OFTEN'])
      this.metrics.rescued(decision, parked.filter((action) => action.lastErrorCode === decision).length);
    await this.queue.announceAll([...requeued, ...parked]);
    await this.ledger.announceAttempts(logs);
    if (requeued.length + parked.length > 0) {
      this.logger.warn({
        msg: `Took back ${requeued.length + parked.length} action(s) a stopped leader left RUNNING: ${requeued.length} to run again, ${parked.length} for review`,
        epoch: fence.epoch,
        decisions: [...requeued, ...parked].map((action) => ({
          actionId: action.id,
          status: action.status,
          errorCode: action.lastErrorCode,
        })),
      });
    }
    return { requeued: requeued.length, parked: parked.length, released: released.length };
  }

  /** Re-running is safe only where the effect is idempotent, and only a few times. */
  private mayRunAgain(action: ActionEntity): boolean {
    if (action.rescues >= MAX_RESCUES) return false;
    return this.handlers.handlerFor(action.type).isIdempotent(action.claimMode ?? ExecutionMode.REAL);
  }
}
