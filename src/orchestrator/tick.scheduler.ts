import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { AolConfig } from '../config/aol-config';
import { AolTopic, EVENT_BUS, EventBus } from '../events/event-bus';
import { TickService } from './tick.service';

export const TICK_INTERVAL_NAME = 'aol-tick';

/**
 * Decides when ticks run. Always: every AOL_TICK_INTERVAL_MS, from an interval registered
 * with @nestjs/schedule. Optionally (both off by default, so the spec's pace of at most
 * AOL_MAX_ACTIONS_PER_TICK per interval holds unless a deployer lifts it): at once again after
 * a tick that filled its batch (AOL_DRAIN_CONTINUOUSLY), and at once when an action becomes
 * due by enqueue (AOL_WAKE_ON_ENQUEUE). Only the server uses it; the CLI ticks on demand.
 */
@Injectable()
export class TickScheduler implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private stopped = false;
  private running = false;
  /** A wake-up arrived while a tick ran: run one more right after. */
  private again = false;
  private enqueues: AsyncIterableIterator<{ count: number }> | null = null;

  constructor(
    private readonly registry: SchedulerRegistry,
    private readonly ticks: TickService,
    private readonly config: AolConfig,
    @Inject(EVENT_BUS) private readonly events: EventBus,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.tickEnabled) return;
    this.registry.addInterval(
      TICK_INTERVAL_NAME,
      setInterval(() => this.requestTick(), this.config.tickIntervalMs),
    );
    if (this.config.wakeOnEnqueue) this.wakeOnEnqueue();
  }

  /** Stop scheduling before the TickService waits for the last tick and releases the lease. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.registry.doesExist('interval', TICK_INTERVAL_NAME)) this.registry.deleteInterval(TICK_INTERVAL_NAME);
    await this.enqueues?.return?.();
  }

  /** Runs a tick now, or right after the one running; never two at once. */
  private requestTick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = this.config.wakeOnEnqueue || this.config.drainContinuously;
      return;
    }
    this.running = true;
    void this.ticks.runTick().then((report) => {
      this.running = false;
      const filledBatch = report.attempted >= this.config.maxActionsPerTick;
      const next = this.again || (this.config.drainContinuously && filledBatch);
      this.again = false;
      if (next) setImmediate(() => this.requestTick());
    });
  }

  private wakeOnEnqueue(): void {
    const due = this.events.subscribe<{ count: number }>(AolTopic.ACTIONS_DUE);
    this.enqueues = due;
    void (async () => {
      for await (const _signal of due) this.requestTick();
    })();
  }
}
