import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { AolConfig } from '../config/aol-config';
import type { ControlFlags } from '../control/control-flags';
import { AolTopic, EVENT_BUS, EventBus } from '../events/event-bus';
import { claimLimit } from './tick-drain';
import { TickReport, TickService } from './tick.service';
import { QueueService } from '../queue/queue.service';
import type { InsertClaim } from '../queue/insert-claim';

export const TICK_INTERVAL_NAME = 'aol-tick';

/**
 * Decides when ticks run. Always: every AOL_TICK_INTERVAL_MS, from an interval registered
 * with @nestjs/schedule. Optionally (both off by default, so the spec's pace of at most
 * AOL_MAX_ACTIONS_PER_TICK per interval holds unless a deployer lifts it): at once again after
 * a tick that filled its batch (AOL_DRAIN_CONTINUOUSLY, where a tick is a period that claims
 * repeatedly: one that ran at least a claim's worth, see claimLimit), and at once when an action becomes
 * due by enqueue (AOL_WAKE_ON_ENQUEUE). And when the switchboard lets actions run again (resume,
 * revive, setProofMode; from any instance with AOL_EVENT_BUS=postgres): at once under either
 * setting, else at once only if no tick has started an action within the last interval, the
 * interval then counted from this tick, so that two ticks that start actions stay an interval
 * apart. Only the server uses it; the CLI ticks on demand.
 */
@Injectable()
export class TickScheduler implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private stopped = false;
  private running = false;
  /** A wake-up arrived while a tick ran: run one more right after. */
  private again = false;
  /** A switchboard wake-up arrived while a tick ran: decide after it. */
  private flagsWake = false;
  /** When (performance.now()) the last tick that attempted an action started. */
  private lastAttemptingTickAt = Number.NEGATIVE_INFINITY;
  private readonly stopListening: Array<() => void> = [];

  constructor(
    private readonly registry: SchedulerRegistry,
    private readonly ticks: TickService,
    private readonly queue: QueueService,
    private readonly config: AolConfig,
    @Inject(EVENT_BUS) private readonly events: EventBus,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.tickEnabled) return;
    this.startInterval();
    if (this.config.wakeOnEnqueue) {
      this.onEach<{ count: number }>(AolTopic.ACTIONS_DUE, () => this.requestTick());
      this.queue.claimAtInsertWith((count) => this.claimAtInsert(count));
    }
    this.onEach<ControlFlags>(AolTopic.CONTROL_FLAGS_CHANGED, (flags) => {
      if (!flags.paused && !flags.killed) this.wakeForFlags();
    });
  }

  /** Stop scheduling before the TickService waits for the last tick and releases the lease. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.registry.doesExist('interval', TICK_INTERVAL_NAME)) this.registry.deleteInterval(TICK_INTERVAL_NAME);
    for (const stop of this.stopListening) stop();
  }

  /** Runs a tick now, or right after the one running; never two at once. */
  private requestTick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = this.config.wakeOnEnqueue || this.config.drainContinuously;
      return;
    }
    this.running = true;
    this.follow(performance.now(), this.ticks.runTick());
  }

  /**
   * The tick a single enqueue's wake-up would start, claimed by its insert instead while no tick
   * runs (TickService.claimAtInsert); null leaves the insert to wake the leader as usual.
   */
  private claimAtInsert(count: number): InsertClaim | null {
    if (this.stopped || this.running) return null;
    const reserved = this.ticks.claimAtInsert(count);
    if (!reserved) return null;
    this.running = true;
    this.follow(performance.now(), reserved.report);
    return reserved.claim;
  }

  /** After a tick: the next one at once when it was asked for meanwhile or the drain goes on. */
  private follow(startedAt: number, tick: Promise<TickReport>): void {
    void tick.then((report) => {
      this.running = false;
      if (report.attempted > 0) this.lastAttemptingTickAt = startedAt;
      const filledBatch = report.attempted >= claimLimit(this.config);
      const next = this.again || (this.config.drainContinuously && filledBatch);
      this.again = false;
      if (next) setImmediate(() => this.requestTick());
      else if (this.flagsWake) setImmediate(() => this.wakeForFlags());
      this.flagsWake = false;
    });
  }

  /**
   * Actions may run again: a tick now, unless that would start actions twice within one
   * interval while the deployer keeps the spec's pace (neither AOL_WAKE_ON_ENQUEUE nor
   * AOL_DRAIN_CONTINUOUSLY). Then the interval's own next tick is the soonest allowed anyway.
   */
  private wakeForFlags(): void {
    if (this.config.wakeOnEnqueue || this.config.drainContinuously) return this.requestTick();
    if (this.stopped) return;
    if (this.running) {
      this.flagsWake = true;
      return;
    }
    if (performance.now() - this.lastAttemptingTickAt < this.config.tickIntervalMs) return;
    this.registry.deleteInterval(TICK_INTERVAL_NAME);
    this.startInterval();
    this.requestTick();
  }

  private startInterval(): void {
    this.registry.addInterval(
      TICK_INTERVAL_NAME,
      setInterval(() => this.requestTick(), this.config.tickIntervalMs),
    );
  }

  private onEach<T>(topic: (typeof AolTopic)[keyof typeof AolTopic], handle: (payload: T) => void): void {
    this.stopListening.push(this.events.listen<T>(topic, handle));
  }
}
