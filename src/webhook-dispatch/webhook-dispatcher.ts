import { performance } from 'node:perf_hooks';
import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { ActionStatus, ActionType } from '../actions/action-status';
import type { WebhookEvent } from '../config/webhook-subscriptions';
import { AolConfig } from '../config/aol-config';
import { ControlService } from '../control/control.service';
import { AolError, AolErrorCode } from '../errors/aol-error';
import { isDatabaseUnavailable } from '../database/database-unavailable';
import { retryUntil } from '../database/durable-write';
import { SqlDatabase } from '../database/sql-database';
import { toNullableDate } from '../database/sql-dialect';
import { AolTopic, EVENT_BUS, EventBus } from '../events/event-bus';
import type { ActionEntity } from '../queue/action.entity';
import { QueueService } from '../queue/queue.service';
import type { WebhookMessage, WebhookPayload } from '../webhooks/webhook-delivery.handler';
import { WebhooksService } from '../webhooks/webhooks.service';
import { coverCursors, cursorFloor, saveCursor } from './sql/webhook-cursors';

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

/** How long after its commit a change's event is surely heard (the bus, a commit's lag): a cursor stays this far behind. */
const HEARD_WITHIN_MS = 10_000;
/** How often this instance moves its cursor up, when it enqueued deliveries since the last time. */
const CURSOR_STEP_MS = 5_000;
/** A cursor its instance has not written for this long is of a process that is gone. */
const FORGET_CURSOR_MS = 24 * 60 * 60_000;
/** The actions a catch-up reads, and enqueues the deliveries of, at a time. */
const CATCH_UP_PAGE = 500;

/** An event's enqueue: true once done if a subscription wanted it; undefined for an event that raises no webhook. */
type Reaction = Promise<boolean> | undefined;

/** Whether this process keeps a webhook cursor and catches up at start: the service does, a CLI command does not. */
export const KEEPS_WEBHOOK_CURSOR = Symbol('KEEPS_WEBHOOK_CURSOR');

/**
 * Turns the events of the bus into WEBHOOK actions, one per subscription that wants the event.
 * With AOL_EVENT_BUS=postgres every instance hears every event: each enqueues under a key made
 * from the event itself, so the queue's idempotent enqueue keeps exactly one. WEBHOOK actions
 * themselves raise no webhook (no loops).
 *
 * An event is heard after its change commits, so a process can die in between. Each instance
 * therefore keeps a cursor in the database (aol_webhook_cursors): the time before which every
 * change it heard has its deliveries enqueued. An instance that starts, or takes the lead from
 * one that may have died, reads the lowest cursor of all and enqueues again the events of the
 * actions and the switchboard changed since (a catch-up: the same keys, so what was enqueued
 * stays one); an instance whose enqueue failed for as long as the database was away catches up
 * from that event's change. A catch-up sees each action as it is now: an action that changed
 * again since shows its latest event only, as does the switchboard.
 */
@Injectable()
export class WebhookDispatcher implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(WebhookDispatcher.name);
  private readonly stopListening: Array<() => void> = [];
  /** Each event's enqueue in flight, with the time of its change (null: not one a catch-up finds, a new leader). */
  private readonly inFlight = new Map<Promise<void>, number | null>();
  /** The highest leader epoch this instance has announced (or seen announced). */
  private lastEpoch = 0;
  /** Shutting down: a failed enqueue is not tried again. */
  private stopping = false;
  /**
   * A catch-up from the lowest cursor of all is owed: at start, and when this instance takes the
   * lead (its predecessor may have died with deliveries not enqueued). Until the starting one
   * has run, this instance's cursor does not move.
   */
  private floorCatchUpOwed = true;
  /** Deliveries were enqueued since the cursor last moved. */
  private enqueuedSinceMove = false;
  /** The earliest change whose deliveries could not be enqueued while the database was away: a catch-up from it is owed. */
  private owedFrom: number | null = null;
  /** The lowest this instance's cursor may be: where its starting catch-up ended (changes before it are no duty of this process). */
  private cursorFloor: Date | null = null;
  private cursorTimer: NodeJS.Timeout | null = null;
  private cursorWork: Promise<void> = Promise.resolve();

  constructor(
    @Inject(EVENT_BUS) private readonly events: EventBus,
    private readonly queue: QueueService,
    private readonly webhooks: WebhooksService,
    private readonly control: ControlService,
    private readonly db: SqlDatabase,
    private readonly config: AolConfig,
    @Inject(KEEPS_WEBHOOK_CURSOR) private readonly keepsCursor: boolean,
  ) {}

  onApplicationBootstrap(): void {
    this.follow<Carried<ActionEntity>>(
      AolTopic.ACTION_UPDATED,
      (action) => this.actionChanged(action),
      (action) => Date.parse(iso(action.updatedAt)!),
    );
    this.follow<FlagsEvent>(
      AolTopic.CONTROL_FLAGS_CHANGED,
      (flags) => this.controlChanged(flags),
      (flags) => Date.parse(iso(flags.updatedAt)!),
    );
    this.follow<TickEvent>(
      AolTopic.TICK_COMPLETED,
      (tick) => this.tickCompleted(tick),
      () => null,
    );
    if (!this.keepsCursor) return;
    this.cursorWork = this.moveCursor();
    this.cursorTimer = setInterval(() => {
      this.cursorWork = this.cursorWork.then(() => this.moveCursor());
    }, CURSOR_STEP_MS);
    this.cursorTimer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    if (this.cursorTimer) clearInterval(this.cursorTimer);
    for (const stop of this.stopListening) stop();
    await Promise.all(this.inFlight.keys());
    // A last move, so that the next start has less to read again.
    if (this.keepsCursor) await (this.cursorWork = this.cursorWork.then(() => this.moveCursor()));
  }

  /** `react` returns nothing for an event that raises no webhook: most action changes, which then cost no promise. */
  private follow<T>(topic: string, react: (event: T) => Reaction, changedAt: (event: T) => number | null): void {
    this.stopListening.push(
      this.events.listen<T>(topic, (event) => {
        const reaction = react(event);
        if (!reaction) return;
        const at = changedAt(event);
        const work = reaction.then(
          (enqueued) => void (this.enqueuedSinceMove ||= enqueued),
          (error: unknown) => this.notEnqueued(topic, at, error),
        );
        this.inFlight.set(work, at);
        void work.finally(() => this.inFlight.delete(work));
      }),
    );
  }

  /** A database away for every retry: a catch-up enqueues the event later. Any other failure would fail again: the event's deliveries are lost. */
  private notEnqueued(topic: string, changedAt: number | null, error: unknown): void {
    const message = (error as Error).message;
    if (changedAt !== null && isDatabaseUnavailable(error)) {
      this.owedFrom = Math.min(this.owedFrom ?? changedAt, changedAt);
      this.logger.error({
        msg: `Could not enqueue webhooks for ${topic}: ${message}; a catch-up enqueues them once the database answers`,
        topic,
      });
      return;
    }
    this.logger.error({ msg: `Could not enqueue webhooks for ${topic}, so this event's deliveries are lost: ${message}`, topic });
  }

  /**
   * The cursor's step, one at a time: first a catch-up from the lowest cursor when one is owed
   * (until it succeeds), then a catch-up owed since a failure, then this instance's cursor moved
   * up to the oldest change whose enqueue is still in flight (or to now), HEARD_WITHIN_MS behind.
   * Without subscriptions and without deliveries enqueued since the last move it sends no
   * statement.
   */
  private async moveCursor(): Promise<void> {
    try {
      // Shutting down, no catch-up begins: the cursor stays behind what it would have enqueued, for the next start.
      if (this.floorCatchUpOwed) {
        if (this.stopping) return;
        this.floorCatchUpOwed = false;
        try {
          await this.catchUpFromFloor();
        } catch (error) {
          this.floorCatchUpOwed = true;
          throw error;
        }
      }
      const owed = this.owedFrom;
      if (owed !== null && !this.stopping) {
        this.owedFrom = null;
        try {
          await this.catchUp(new Date(owed - HEARD_WITHIN_MS));
        } catch (error) {
          this.owedFrom = Math.min(this.owedFrom ?? owed, owed);
          throw error;
        }
        this.enqueuedSinceMove = true;
      }
      if (!this.enqueuedSinceMove) return;
      this.enqueuedSinceMove = false;
      const oldest = Math.min(...[...this.inFlight.values()].filter((at): at is number => at !== null), this.owedFrom ?? Infinity);
      const d = this.db.dialect;
      const through = Number.isFinite(oldest) ? new Date(oldest - HEARD_WITHIN_MS) : d.nowMinusMs(HEARD_WITHIN_MS);
      await this.db.query(saveCursor(d, this.config.instanceId, through, this.cursorFloor));
      if (this.inFlight.size > 0) this.enqueuedSinceMove = true;
    } catch (error) {
      this.enqueuedSinceMove = true;
      this.logger.warn(`Could not move the webhook cursor: ${(error as Error).message}; trying again in ${CURSOR_STEP_MS / 1000} s`);
    }
  }

  /**
   * The catch-up from the lowest cursor of all instances, then every cursor moved up to where it
   * ended, this one's among them. No cursor at all: no instance was owed anything, and this
   * one's starts now (not before: a change made before any instance listened, the
   * switchboard's first row among them, raised no event).
   */
  private async catchUpFromFloor(): Promise<void> {
    if ((await this.webhooks.list()).length === 0) return;
    const d = this.db.dialect;
    const [row] = await this.db.query(cursorFloor(d));
    const since = toNullableDate(d, row.since);
    const now = d.toDate(row.now);
    if (since) await this.catchUp(since);
    const through = since ? new Date(now.getTime() - HEARD_WITHIN_MS) : now;
    for (const statement of coverCursors(d, through, new Date(now.getTime() - FORGET_CURSOR_MS))) await this.db.query(statement);
    await this.db.query(saveCursor(d, this.config.instanceId, through, null));
    if (!this.cursorFloor || through > this.cursorFloor) this.cursorFloor = through;
  }

  /**
   * Enqueues again the events of the actions and of the switchboard changed after `since`, for
   * the subscriptions there are now, a page of actions at a time. A database away stops it (the
   * caller tries again); an event refused otherwise is logged as lost and the rest go on.
   */
  private async catchUp(since: Date): Promise<void> {
    const wanted = new Set((await this.webhooks.list()).flatMap((webhook) => webhook.events));
    const statuses = (Object.keys(ACTION_EVENTS) as ActionStatus[]).filter((status) => wanted.has(ACTION_EVENTS[status]!));
    let enqueued = 0;
    const settle = async (topic: string, reactions: Reaction[]) => {
      const started = reactions.filter((reaction) => reaction !== undefined);
      for (const outcome of await Promise.allSettled(started)) {
        if (outcome.status === 'fulfilled') enqueued += outcome.value ? 1 : 0;
        else if (isDatabaseUnavailable(outcome.reason)) throw outcome.reason;
        else this.notEnqueued(topic, null, outcome.reason);
      }
    };
    for (let afterId = 0; statuses.length > 0;) {
      const page = await this.queue.findChangedSince(since, statuses, afterId, CATCH_UP_PAGE);
      await settle(
        AolTopic.ACTION_UPDATED,
        page.map((action) => this.actionChanged(action)),
      );
      if (page.length < CATCH_UP_PAGE) break;
      afterId = page[page.length - 1].id;
    }
    if (wanted.has('control.changed')) {
      const flags = await this.control.flags();
      if (flags.updatedAt > since) await settle(AolTopic.CONTROL_FLAGS_CHANGED, [this.controlChanged(flags)]);
    }
    this.logger.log({
      msg: `Webhook catch-up from ${since.toISOString()}: ${enqueued} events enqueued again (one already queued stays one)`,
      since,
    });
  }

  private actionChanged(action: Carried<ActionEntity>): Reaction {
    const event = ACTION_EVENTS[action.status];
    return event && action.type !== ActionType.WEBHOOK && !this.webhooks.knownUnwanted(event) ? this.actionEvent(event, action) : undefined;
  }

  private actionEvent(event: WebhookEvent, action: Carried<ActionEntity>): Promise<boolean> {
    const updatedAt = iso(action.updatedAt)!;
    return this.deliver(event, `${action.id}:${action.status}:${Date.parse(updatedAt)}`, {
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

  private controlChanged(flags: FlagsEvent): Promise<boolean> {
    const updatedAt = iso(flags.updatedAt)!;
    return this.deliver('control.changed', String(Date.parse(updatedAt)), {
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
  private tickCompleted(tick: TickEvent): Reaction {
    const epoch = Number(tick.epoch);
    if (epoch <= this.lastEpoch) return undefined;
    this.lastEpoch = epoch;
    if (tick.owner === this.config.instanceId && this.keepsCursor) {
      this.floorCatchUpOwed = true;
      this.cursorWork = this.cursorWork.then(() => this.moveCursor());
    }
    return this.deliver('leader.changed', String(epoch), {
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
  private async deliver(event: WebhookEvent, eventKey: string, message: WebhookMessage): Promise<boolean> {
    const giveUpAt = performance.now() + DISPATCH_RETRY_MS;
    return retryUntil(
      `Enqueueing the webhooks of ${event} ${eventKey}`,
      this.logger,
      () => (this.stopping ? 0 : giveUpAt),
      () => this.enqueueDeliveries(event, eventKey, message),
      { worthRetrying: isDatabaseUnavailable },
    );
  }

  /** True if a subscription wanted the event. */
  private async enqueueDeliveries(event: WebhookEvent, eventKey: string, message: WebhookMessage): Promise<boolean> {
    const subscriptions = await this.webhooks.subscribedTo(event);
    if (subscriptions.length === 0) return false;
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
    return true;
  }
}
