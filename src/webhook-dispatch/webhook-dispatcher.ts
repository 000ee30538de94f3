import { performance } from 'node:perf_hooks';
import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { ActionStatus, ActionType } from '../actions/action-status';
import type { WebhookEvent } from '../config/webhook-subscriptions';
import { AolError, AolErrorCode } from '../errors/aol-error';
import { isDatabaseUnavailable } from '../database/database-unavailable';
import { retryUntil } from '../database/durable-write';
import { AolTopic, EVENT_BUS, EventBus } from '../events/event-bus';
import type { ActionEntity } from '../queue/action.entity';
import { QueueService } from '../queue/queue.service';
import type { WebhookMessage, WebhookPayload } from '../webhooks/webhook-delivery.handler';
import { WebhooksService } from '../webhooks/webhooks.service';

/** The action statuses that are webhook events. */
const ACTION_EVENTS: Partial<Record<ActionStatus, WebhookEvent>> = {
  [ActionStatus.SUCCESS]: 'action.succeeded',
  [ActionStatus.DLQ]: 'action.dead_lettered',
  [ActionStatus.NEEDS_REVIEW]: 'action.needs_review',
  [ActionStatus.AWAITING_APPROVAL]: 'action.awaiting_approval',
};

/** An event as the bus carries it: dates are Date objects here and ISO strings once another process sent them. */
type Carried<T> = { [K in keyof T]: T[K] extends Date ? Date | string : T[K] extends Date | null ? Date | string | null : T[K] };

interface FlagsEvent {
  paused: boolean;
  killed: boolean;
  proofMode: boolean;
  reason: string | null;
  updatedBy: string | null;
  updatedAt: Date | string;
}

interface TickEvent {
  owner: string;
  epoch: number;
  startedAt: Date | string;
}

function iso(value: Date | string | null): string | null {
  return value === null ? null : new Date(value).toISOString();
}

const ENQUEUED_BY = 'aol-webhooks';

/** How long an event's deliveries are tried again through a database that is away. */
const DISPATCH_RETRY_MS = 60_000;

/**
 * Turns the events of the bus into WEBHOOK actions, one per subscription that wants the event.
 * With AOL_EVENT_BUS=postgres every instance hears every event: each enqueues under a key made
 * from the event itself, so the queue's idempotent enqueue keeps exactly one. WEBHOOK actions
 * themselves raise no webhook (no loops).
 */
@Injectable()
export class WebhookDispatcher implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(WebhookDispatcher.name);
  private readonly stopListening: Array<() => void> = [];
  private readonly inFlight = new Set<Promise<void>>();
  /** The highest leader epoch this instance has announced (or seen announced). */
  private lastEpoch = 0;
  /** Shutting down: a failed enqueue is not tried again. */
  private stopping = false;

  constructor(
    @Inject(EVENT_BUS) private readonly events: EventBus,
    private readonly queue: QueueService,
    private readonly webhooks: WebhooksService,
  ) {}

  onApplicationBootstrap(): void {
    this.follow<Carried<ActionEntity>>(AolTopic.ACTION_UPDATED, (action) => this.actionChanged(action));
    this.follow<FlagsEvent>(AolTopic.CONTROL_FLAGS_CHANGED, (flags) => this.controlChanged(flags));
    this.follow<TickEvent>(AolTopic.TICK_COMPLETED, (tick) => this.tickCompleted(tick));
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    for (const stop of this.stopListening) stop();
    await Promise.all(this.inFlight);
  }

  /** `react` returns nothing for an event that raises no webhook: most action changes, which then cost no promise. */
  private follow<T>(topic: string, react: (event: T) => Promise<void> | undefined): void {
    this.stopListening.push(
      this.events.listen<T>(topic, (event) => {
        const reaction = react(event);
        if (!reaction) return;
        const work = reaction.catch((error: unknown) =>
          this.logger.error({
            msg: `Could not enqueue webhooks for ${topic}, so this event's deliveries are lost: ${(error as Error).message}`,
            topic,
          }),
        );
        this.inFlight.add(work);
        void work.finally(() => this.inFlight.delete(work));
      }),
    );
  }

  private actionChanged(action: Carried<ActionEntity>): Promise<void> | undefined {
    const event = ACTION_EVENTS[action.status];
    return event && action.type !== ActionType.WEBHOOK && !this.webhooks.knownUnwanted(event) ? this.actionEvent(event, action) : undefined;
  }

  private async actionEvent(event: WebhookEvent, action: Carried<ActionEntity>): Promise<void> {
    const updatedAt = iso(action.updatedAt)!;
    await this.deliver(event, `${action.id}:${action.status}:${Date.parse(updatedAt)}`, {
      type: event,
      timestamp: updatedAt,
      data: {
        id: String(action.id),
        idempotencyKey: action.idempotencyKey,
        type: action.type,
        status: action.status,
        attempts: action.attempts,
        lastErrorCode: action.lastErrorCode,
        lastError: action.lastError,
        artifactSha256: action.artifactSha256,
        remoteId: action.remoteId,
        remoteUrl: action.remoteUrl,
        updatedAt,
      },
    });
  }

  private async controlChanged(flags: FlagsEvent): Promise<void> {
    const updatedAt = iso(flags.updatedAt)!;
    await this.deliver('control.changed', String(Date.parse(updatedAt)), {
      type: 'control.changed',
      timestamp: updatedAt,
      data: {
        paused: flags.paused,
        killed: flags.killed,
        proofMode: flags.proofMode,
        reason: flags.reason,
        updatedBy: flags.updatedBy,
        updatedAt,
      },
    });
  }

  /** A tick under an epoch above the last one seen: a new leader. */
  private async tickCompleted(tick: TickEvent): Promise<void> {
    const epoch = Number(tick.epoch);
    if (epoch <= this.lastEpoch) return;
    this.lastEpoch = epoch;
    await this.deliver('leader.changed', String(epoch), {
      type: 'leader.changed',
      timestamp: iso(tick.startedAt)!,
      data: { owner: tick.owner, epoch },
    });
  }

  /**
   * The event's WEBHOOK actions, one per subscription that wants it. A database that cannot be
   * reached is tried again (the same keys and payloads: a repeat of one that did commit changes
   * nothing) for up to DISPATCH_RETRY_MS, and no longer once the app is shutting down.
   */
  private async deliver(event: WebhookEvent, eventKey: string, message: WebhookMessage): Promise<void> {
    const giveUpAt = performance.now() + DISPATCH_RETRY_MS;
    await retryUntil(
      `Enqueueing the webhooks of ${event} ${eventKey}`,
      this.logger,
      () => (this.stopping ? 0 : giveUpAt),
      () => this.enqueueDeliveries(event, eventKey, message),
      { worthRetrying: isDatabaseUnavailable },
    );
  }

  private async enqueueDeliveries(event: WebhookEvent, eventKey: string, message: WebhookMessage): Promise<void> {
    const subscriptions = await this.webhooks.subscribedTo(event);
    if (subscriptions.length === 0) return;
    try {
      await this.queue.enqueueMany(
        subscriptions.map((subscription) => ({
          type: ActionType.WEBHOOK,
          idempotencyKey: `webhook:${subscription.id}:${event}:${eventKey}`,
          payload: { subscriptionId: subscription.id, message } satisfies WebhookPayload,
          enqueuedBy: ENQUEUED_BY,
          internal: true,
        })),
      );
    } catch (error) {
      // Another instance, or this one before a restart, announced the same event first (a new
      // leader's later tick, say): its delivery stands.
      if (!(error instanceof AolError && error.code === AolErrorCode.IDEMPOTENCY_CONFLICT)) throw error;
    }
  }
}
