import { Inject, Injectable } from '@nestjs/common';
import { AolConfig } from '../config/aol-config';
import { AolError, AolErrorCode } from '../errors/aol-error';
import { AolTopic, EVENT_BUS, EventBus } from '../events/event-bus';
import { ActionHandlerRegistry } from '../action-handlers/action-handler.registry';
import type { LeaseFence } from '../lease/lease-fence';
import { ActionEntity } from './action.entity';
import { ActionStatus, ActionType } from './action-status';
import { canonicalJson } from './canonical-json';
import { QueueRepository, SuccessWrite } from './queue.repository';
import { decideAfterFailure, RetryPolicy } from './retry-policy';

export interface EnqueueRequest {
  type: ActionType;
  idempotencyKey: string;
  payload: unknown;
}

export interface EnqueueOutcome {
  created: boolean;
  action: ActionEntity;
}

/** Printable ASCII without spaces: safe to log, to show, and to pass on as an HTTP header. */
const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,200}$/;

export type QueueCounts = Record<ActionStatus, number>;

export interface FailureReport {
  code: string;
  message: string;
  retryable: boolean;
}

/** The queue's facade: enqueueing, the action state machine, and its counts. */
@Injectable()
export class QueueService {
  private readonly retryPolicy: RetryPolicy;

  constructor(
    private readonly repository: QueueRepository,
    private readonly handlers: ActionHandlerRegistry,
    @Inject(EVENT_BUS) private readonly events: EventBus,
    config: AolConfig,
  ) {
    this.retryPolicy = { maxRetries: config.maxRetries, baseSeconds: config.retryBaseSeconds, maxSeconds: config.retryMaxSeconds };
  }

  /**
   * Adds an action, idempotent on its key: the same key with the same type and payload
   * returns the existing action (created: false); with a different one it is an
   * IDEMPOTENCY_CONFLICT and nothing changes.
   */
  async enqueue(request: EnqueueRequest): Promise<EnqueueOutcome> {
    if (!IDEMPOTENCY_KEY_PATTERN.test(request.idempotencyKey)) {
      throw new AolError(AolErrorCode.BAD_USER_INPUT, 'idempotencyKey must be 1 to 200 printable ASCII characters without spaces');
    }
    const payload = this.handlers.parsePayload(request.type, request.payload);
    const outcome = await this.repository.insertOrFind({ idempotencyKey: request.idempotencyKey, type: request.type, payload });
    if (outcome.created) {
      await this.publish(outcome.action);
      return outcome;
    }
    const existing = outcome.action;
    if (existing.type !== request.type || canonicalJson(existing.payload) !== canonicalJson(payload)) {
      throw new AolError(
        AolErrorCode.IDEMPOTENCY_CONFLICT,
        `An action with idempotency key "${request.idempotencyKey}" already exists with a different type or payload`,
        { actionId: String(existing.id) },
      );
    }
    return outcome;
  }

  async getAction(id: number): Promise<ActionEntity> {
    const action = await this.repository.findById(id);
    if (!action) throw new AolError(AolErrorCode.NOT_FOUND, `No action with id ${id}`);
    return action;
  }

  async counts(): Promise<QueueCounts> {
    const byStatus = await this.repository.countByStatus();
    return Object.fromEntries(Object.values(ActionStatus).map((status) => [status, byStatus.get(status) ?? 0])) as QueueCounts;
  }

  async claimDue(fence: LeaseFence, limit: number): Promise<ActionEntity[]> {
    const claimed = await this.repository.claimDue(fence, limit);
    await Promise.all(claimed.map((action) => this.publish(action)));
    return claimed;
  }

  /** Records a successful attempt. Null when the write was fenced off (this leader is stale). */
  async recordSuccess(action: ActionEntity, fence: LeaseFence, result: SuccessWrite): Promise<ActionEntity | null> {
    return this.published(await this.repository.markSucceeded(action.id, fence, result));
  }

  /**
   * Records a failed attempt: RETRY with exponential backoff while the budget lasts and the
   * failure is retryable, DLQ otherwise. Null when the write was fenced off.
   */
  async recordFailure(action: ActionEntity, fence: LeaseFence, failure: FailureReport): Promise<ActionEntity | null> {
    const decision = decideAfterFailure(action.attempts - action.attemptFloor, failure.retryable, this.retryPolicy);
    return this.published(
      await this.repository.markFailed(action.id, fence, {
        status: decision.status,
        delaySeconds: decision.delaySeconds,
        errorCode: failure.code,
        error: failure.message,
      }),
    );
  }

  async releaseUnstarted(ids: readonly number[], fence: LeaseFence): Promise<number> {
    return this.repository.releaseUnstarted(ids, fence);
  }

  private async published(action: ActionEntity | null): Promise<ActionEntity | null> {
    if (action) await this.publish(action);
    return action;
  }

  private async publish(action: ActionEntity): Promise<void> {
    await this.events.publish(AolTopic.ACTION_UPDATED, action);
  }
}
