import { performance } from 'node:perf_hooks';
import { Injectable, Logger } from '@nestjs/common';
import { AolConfig } from '../config/aol-config';
import { ActionFailure, ActionResult } from '../action-handlers/action-handler';
import { ActionHandlerRegistry } from '../action-handlers/action-handler.registry';
import type { ExecutionMode } from '../control/execution-mode';
import type { LeaseFence } from '../lease/lease-fence';
import { LedgerService } from '../ledger/ledger.service';
import { AttemptOutcome } from '../ledger/tick-outcome';
import type { ActionEntity } from '../queue/action.entity';
import { ActionStatus } from '../queue/action-status';
import { QueueService } from '../queue/queue.service';
import { writeDurably } from './durable-write';

const ACTION_TIMEOUT = 'ACTION_TIMEOUT';

export interface AttemptContext {
  mode: ExecutionMode;
  fence: LeaseFence;
  tickId: number;
  /** performance.now() until which this process trusts its lease (and may keep writing). */
  trustUntil: number;
}

/**
 * Runs one claimed action through its handler — its own error isolation, its own timeout —
 * and records the attempt: the action's new state, then its log row. Returns the new status,
 * or null when the lease had moved on and the result was not recorded.
 */
@Injectable()
export class ActionRunner {
  private readonly logger = new Logger(ActionRunner.name);

  constructor(
    private readonly config: AolConfig,
    private readonly handlers: ActionHandlerRegistry,
    private readonly queue: QueueService,
    private readonly ledger: LedgerService,
  ) {}

  async run(action: ActionEntity, context: AttemptContext): Promise<ActionStatus | null> {
    const startedAt = new Date();
    const clock = performance.now();
    let result: ActionResult | null = null;
    let failure: ActionFailure | null = null;
    try {
      const handler = this.handlers.handlerFor(action.type);
      const toRun = { id: action.id, idempotencyKey: action.idempotencyKey, type: action.type, payload: action.payload, attempt: action.attempts };
      result = await this.withTimeout((signal) => handler.execute({ action: toRun, mode: context.mode, signal }));
    } catch (error) {
      failure = ActionFailure.from(error);
    }
    const durationMs = Math.round(performance.now() - clock);

    // From here the effect has happened: record it even through a database hiccup.
    const written = await writeDurably(
      `Recording attempt ${action.attempts} of action ${action.id}`,
      this.logger,
      context.trustUntil,
      () =>
        result
          ? this.queue.recordSuccess(action, context.fence, result)
          : this.queue.recordFailure(action, context.fence, failure as ActionFailure),
      () => this.ownEarlierWrite(action, context.fence),
    );
    if (!written) {
      this.logger.warn(`Action ${action.id}: result of attempt ${action.attempts} not recorded, the lease moved on (epoch ${context.fence.epoch})`);
      return null;
    }
    await writeDurably(`Logging attempt ${action.attempts} of action ${action.id}`, this.logger, context.trustUntil, () =>
      this.ledger.recordAttempt({
        actionId: action.id,
        tickId: context.tickId,
        attempt: action.attempts,
        mode: context.mode,
        outcome: result ? AttemptOutcome.SUCCESS : failure?.code === ACTION_TIMEOUT ? AttemptOutcome.TIMED_OUT : AttemptOutcome.FAILED,
        startedAt,
        durationMs,
        artifactRef: result?.artifactRef ?? null,
        artifactSha256: result?.artifactSha256 ?? null,
        errorCode: failure?.code ?? null,
        error: failure?.message ?? null,
      }),
    );
    return written.status;
  }

  /** After a retried write matched nothing: was it our first try that committed? */
  private async ownEarlierWrite(action: ActionEntity, fence: LeaseFence): Promise<ActionEntity | null> {
    const current = await this.queue.getAction(action.id);
    const ours = current.claimEpoch === fence.epoch && current.attempts === action.attempts && current.status !== ActionStatus.RUNNING;
    return ours ? current : null;
  }

  private async withTimeout<T>(run: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const controller = new AbortController();
    const seconds = this.config.actionTimeoutSeconds;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        reject(new ActionFailure(ACTION_TIMEOUT, `No result within ${seconds}s`, true));
      }, seconds * 1000);
    });
    try {
      return await Promise.race([run(controller.signal), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
