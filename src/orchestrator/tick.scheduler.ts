import { BeforeApplicationShutdown, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { AolConfig } from '../config/aol-config';
import { TickService } from './tick.service';

export const TICK_INTERVAL_NAME = 'aol-tick';

/**
 * Drives the tick from an interval registered with @nestjs/schedule, so its period comes
 * from AOL_TICK_INTERVAL_MS. Only the server uses it; the CLI runs ticks on demand.
 */
@Injectable()
export class TickScheduler implements OnApplicationBootstrap, BeforeApplicationShutdown {
  constructor(
    private readonly registry: SchedulerRegistry,
    private readonly ticks: TickService,
    private readonly config: AolConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.tickEnabled) return;
    // runTick never rejects and skips itself while the previous tick runs: no overlap.
    const interval = setInterval(() => void this.ticks.runTick(), this.config.tickIntervalMs);
    this.registry.addInterval(TICK_INTERVAL_NAME, interval);
  }

  /** Stop scheduling before the TickService waits for the last tick and releases the lease. */
  beforeApplicationShutdown(): void {
    if (this.registry.doesExist('interval', TICK_INTERVAL_NAME)) this.registry.deleteInterval(TICK_INTERVAL_NAME);
  }
}
