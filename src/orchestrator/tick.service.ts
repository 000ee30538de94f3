import { performance } from 'node:perf_hooks';
import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { AolConfig, LEASE_SAFETY_MARGIN_SECONDS } from '../config/aol-config';
import type { ControlFlags } from '../control/control-flags';
import { ControlService } from '../control/control.service';
import { AolTopic, EVENT_BUS, EventBus } from '../events/event-bus';
import { LeaseGrant, LeaseService } from '../lease/lease.service';
import { LedgerService } from '../ledger/ledger.service';
import { NO_ATTEMPTS, TickCounts, TickStart } from '../ledger/tick-record';
import type { TickEntity } from '../ledger/tick.entity';
import { TickOutcome } from '../ledger/tick-outcome';
import type { ActionEntity } from '../queue/action.entity';
import { ExecutionMode } from '../actions/execution-mode';
import type { LeaseFence } from '../lease/sql/lease-fence';
import { QueueService } from '../queue/queue.service';
import { toActionRecords } from '../queue/sql/action-row';
import { inClaimOrder } from '../queue/sql/claim-due';
import { NOT_KILLED, switchboardSnapshot } from '../control/sql/switchboard';
import { SqlDatabase } from '../database/sql-database';
import { AolMetrics } from '../metrics/aol-metrics';
import { ActionRunner } from './action-runner';
import { DatabaseClock } from './database-clock';
import { PlatformPacer } from './platform-pacer';
import { RescueService } from './rescue.service';
import { Claimed, claimLimit, DrainServices, TickDrain } from './tick-drain';
import { renewGateAtInsert, renewGateClaim } from './sql/renew-gate-claim';
import type { InsertClaim } from '../queue/insert-claim';

/**
 * NOT_LEADER: another instance holds the lease. SKIPPED: the previous tick was still running, or
 * shutting down, or an enqueue's claim (claimAtInsert) took nothing.
 */
export type TickReportOutcome = TickOutcome | 'NOT_LEADER' | 'SKIPPED';

export interface TickReport extends TickCounts {
  outcome: TickReportOutcome;
  durationMs: number;
  /** The ledger row, when this tick wrote one (only the leader does). */
  tick: TickEntity | null;
}

/** A tick's lease held and switchboard read; `claimed` is null when the claim is still to be made. */
interface Opened {
  grant: LeaseGrant;
  flags: ControlFlags;
  claimed: ActionEntity[] | null;
}

const SKIPPED: TickReport = { outcome: 'SKIPPED', durationMs: 0, tick: null, ...NO_ATTEMPTS };

interface HeldLease {
  epoch: number;
  /** performance.now() after which this process no longer trusts the lease to start actions. */
  trustUntil: number;
}

/**
 * The tick: one pass of the leader over the queue. In order: never overlap; obey a kill;
 * hold the lease (taking back what a dead leader left RUNNING when the lease is new); obey a
 * pause; claim a batch in one statement; run each claimed action, stopping before the tick
 * budget or the lease runs out; record every attempt and the tick itself. With
 * AOL_DRAIN_CONTINUOUSLY (the flowing configuration) a tick is a period of up to the interval
 * that claims again whenever its handler slots are about to run dry (see TickDrain), and its
 * one ledger row counts every attempt of the period.
 */
@Injectable()
export class TickService implements OnModuleInit, OnModuleDestroy, BeforeApplicationShutdown {
  private readonly logger = new Logger(TickService.name);
  private inFlight: Promise<TickReport> | null = null;
  private held: HeldLease | null = null;
  /** Set when the switchboard pauses or kills mid-tick, or on shutdown: no further action starts. */
  private haltRequested = false;
  private stopping = false;
  /** Take back RUNNING actions before claiming: after a change of epoch, or a tick that failed midway. */
  private rescuePending = true;
  private stopWatchingFlags: (() => void) | null = null;
  /** The switchboard as the last tick read it: the mode of the next tick's claim. */
  private lastFlags: ControlFlags | null = null;
  /** The last tick's failure, so an outage is logged once in full, then briefly until it ends. */
  private lastFailure: string | null = null;
  private readonly databaseClock = new DatabaseClock();

  constructor(
    private readonly config: AolConfig,
    private readonly lease: LeaseService,
    private readonly control: ControlService,
    private readonly queue: QueueService,
    private readonly ledger: LedgerService,
    private readonly runner: ActionRunner,
    private readonly rescuer: RescueService,
    private readonly pacer: PlatformPacer,
    private readonly db: SqlDatabase,
    @Inject(EVENT_BUS) private readonly events: EventBus,
    private readonly metrics: AolMetrics,
  ) {}

  onModuleInit(): void {
    // Called as the change is published: no action starts after a pause or kill is announced.
    this.stopWatchingFlags = this.events.listen<ControlFlags>(AolTopic.CONTROL_FLAGS_CHANGED, (flags) => {
      if (flags.paused || flags.killed) this.haltRequested = true;
    });
  }

  /**
   * The first hook of a shutdown: from here no new tick or action starts. The other modules'
   * own shutdown may take a while on a busy host, and an action in flight that finishes
   * meanwhile must not be followed by another.
   */
  onModuleDestroy(): void {
    this.stopStartingActions();
  }

  /**
   * No tick and no action starts from here on. The signal handler calls it before the
   * shutdown hooks run, so that the time other modules take to reach this one's hook (on a busy
   * host, a few hundred milliseconds) cannot start another action.
   */
  stopStartingActions(): void {
    this.stopping = true;
    this.haltRequested = true;
  }

  /**
   * Shutdown, before connections close: the action in flight finishes (bounded by its
   * timeout), the claimed rest goes back, and the lease is released so another instance can
   * lead at once.
   */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopStartingActions();
    this.stopWatchingFlags?.();
    await this.inFlight;
    if (this.held) {
      const epoch = this.held.epoch;
      this.held = null;
      await this.lease.release(this.config.instanceId, epoch).catch((error: unknown) => {
        this.logger.warn(`Could not release the lease on shutdown: ${String(error)}`);
      });
    }
  }

  get isLeader(): boolean {
    return this.held !== null;
  }

  /** Runs one tick, unless one is already running. Never throws: failures become an ERROR report. */
  async runTick(): Promise<TickReport> {
    if (this.inFlight || this.stopping) return SKIPPED;
    this.haltRequested = false;
    return this.track(this.tick(performance.now(), () => this.holdLeaseAndClaim()));
  }

  /**
   * The tick an enqueue's wake-up would start, started by the enqueue itself when this leader
   * is idle (AOL_WAKE_ON_ENQUEUE, PostgreSQL): the insert renews the lease, reads the switchboard
   * and claims what it adds, in its own statement (renewGateAtInsert; queue/sql/insert-actions.ts
   * says when it may), one round trip and one commit before the action starts where a wake-up
   * takes two. From here the tick is reserved, as runTick's is; once the insert answers it runs
   * with what the insert claimed, or, when that is nothing, ends SKIPPED at once and the
   * enqueue's own wake-up follows as usual. An insert that failed may still have committed: its
   * claim, if any, is taken back before the next claim (the rescue). Null when not idle, not
   * leading, or the insert adds more than a claim takes.
   */
  claimAtInsert(count: number): { claim: InsertClaim; report: Promise<TickReport> } | null {
    const held = this.held;
    const seen = this.lastFlags;
    const d = this.db.dialect;
    if (this.inFlight || this.stopping || !held || !seen || this.rescuePending || !d.writingCtes || count > claimLimit(this.config))
      return null;
    const clock = performance.now();
    this.haltRequested = false;
    let answer!: (opened: (Opened & { claimed: ActionEntity[] }) | null) => void;
    const answered = new Promise<(Opened & { claimed: ActionEntity[] }) | null>((resolve) => (answer = resolve));
    const report = this.track(
      answered.then(async (opened) => {
        if (!opened) return SKIPPED;
        await this.queue.announceAll(opened.claimed);
        return this.tick(clock, () => Promise.resolve(opened));
      }),
    );
    const settle: InsertClaim['settle'] = (outcome) => {
      if ('error' in outcome) {
        this.rescuePending = true;
        return answer(null);
      }
      if (outcome.claimed.length === 0 || !outcome.row) return answer(null);
      const grant = this.lease.renewedGrant((outcome.row.renewal_row as Record<string, unknown> | null) ?? null, held.epoch);
      // The insert claims only under a renewal; should a claim come back without one, nobody runs it: take it back first.
      if (!grant) {
        this.rescuePending = true;
        return answer(null);
      }
      const flags = this.control.flagsFrom((outcome.row.gate_row as { flags: unknown }).flags);
      answer({ grant, flags, claimed: inClaimOrder(outcome.claimed) });
    };
    const { mode } = this.control.effectiveMode(seen);
    const fence = this.lease.fence(this.config.instanceId, held.epoch);
    const claim = renewGateAtInsert(d, { fence, mode, ttlSeconds: this.config.leaseTtlSeconds, expectedProofMode: seen.proofMode });
    return { claim: { claim, settle }, report };
  }

  private track(run: Promise<TickReport>): Promise<TickReport> {
    this.inFlight = run.finally(() => {
      this.inFlight = null;
    });
    return this.inFlight;
  }

  /** A tick from `clock` (performance.now() before its lease statement was sent); `open` holds the lease and claims. */
  private async tick(clock: number, open: () => Promise<Opened | null>): Promise<TickReport> {
    this.metrics.tickStarted();
    let start: TickStart | null = null;
    let opening: Promise<number> | null = null;
    try {
      const opened = await open();
      if (!opened) {
        if (this.held) this.logger.warn(`Lost the lease at epoch ${this.held.epoch}; stepping down`);
        this.held = null;
        const flags = await this.control.flags();
        return flags.killed
          ? this.report(TickOutcome.KILLED, clock, null, NO_ATTEMPTS)
          : this.report('NOT_LEADER', clock, null, NO_ATTEMPTS);
      }
      const { grant, flags } = opened;
      this.lastFlags = flags;
      // The tick starts when its lease statement ran, by the database's clock.
      this.databaseClock.set(grant.databaseNow, clock);
      start = { owner: this.config.instanceId, epoch: grant.epoch, startedAt: grant.databaseNow };
      if (grant.acquired) {
        this.logger.log(`Leading at epoch ${grant.epoch}`);
        this.rescuePending = true;
      }
      // Trust runs from before the renewal was sent, so a slow answer only shortens it.
      this.held = { epoch: grant.epoch, trustUntil: clock + (this.config.leaseTtlSeconds - LEASE_SAFETY_MARGIN_SECONDS) * 1000 };
      if (flags.killed) return await this.stopForKill(start, clock, flags);
      const fence = this.lease.fence(this.config.instanceId, grant.epoch);
      if (this.rescuePending) {
        await this.rescuer.rescue(fence);
        this.rescuePending = false;
      }

      if (flags.paused) return await this.recordWithoutActions(start, clock, TickOutcome.PAUSED, flags.pausedReason);

      const { mode } = this.control.effectiveMode(flags);
      const first = opened.claimed ?? (await this.queue.claimDue({ fence, limit: claimLimit(this.config), mode }));
      const claimed = await this.queue.admitApproved(first, fence, mode);
      if (claimed.length === 0) return await this.recordWithoutActions(start, clock, TickOutcome.SUCCESS, null);

      // The tick's row is written while the first actions already start: it is needed only
      // when their results are recorded.
      opening = this.ledger.openTick(start);
      opening.catch(() => undefined); // awaited below; do not let a failure go unhandled meanwhile
      const services: DrainServices = { config: this.config, runner: this.runner, queue: this.queue, pacer: this.pacer };
      const drain = new TickDrain(services, {
        mode,
        fence,
        tickId: opening,
        databaseClock: this.databaseClock,
        reasonToStop: () => this.reasonToStop(clock, grant.epoch),
        trustUntil: () => this.held?.trustUntil ?? 0,
        leaseLost: () => this.leaseLost(),
        refill: this.config.drainContinuously ? (limit) => this.refill(clock, fence, mode, limit) : undefined,
      });
      const { counts, note } = await drain.run({ actions: claimed, full: first.length >= claimLimit(this.config) });
      const openTickId = await opening;
      // Results the fence refused were not recorded: the tick did not do its job.
      const unrecorded = counts.attempted - counts.succeeded - counts.failed;
      const outcome = unrecorded > 0 ? TickOutcome.ERROR : counts.failed > 0 ? TickOutcome.PARTIAL : TickOutcome.SUCCESS;
      const summary = {
        ...counts,
        outcome,
        durationMs: elapsedMs(clock),
        note: unrecorded > 0 ? `lease lost: ${unrecorded} attempt result(s) not recorded${note ? `; ${note}` : ''}` : note,
      };
      const tick = await this.ledger.closeTick(openTickId, summary);
      if (!tick) this.logger.warn(`Tick ${openTickId} was already closed by the next leader; its row stays as that one wrote it`);
      return this.report(outcome, clock, tick, counts);
    } catch (error) {
      // Whatever this tick claimed and did not finish is RUNNING with nobody on it.
      this.rescuePending = true;
      return this.recordError(start, clock, opening ? await opening.catch(() => null) : null, error);
    }
  }

  /**
   * Holds the lease (renewing it, or taking it over when free) and reads the switchboard in
   * one statement; a free lease is not taken while killed. A leader with nothing to take back
   * also claims in that statement where the database allows it (PostgreSQL), with the mode the
   * switchboard asked for last time (the claim waits when it no longer does): one round trip
   * and one commit before the first action starts. `claimed` is null when the claim is still
   * to be made; the result is null when another instance holds the lease.
   */
  private async holdLeaseAndClaim(limit = claimLimit(this.config)): Promise<Opened | null> {
    const owner = this.config.instanceId;
    const held = this.held;
    const seen = this.lastFlags;
    const d = this.db.dialect;
    if (held && seen && !this.rescuePending && d.writingCtes) {
      const { mode } = this.control.effectiveMode(seen);
      const rows = await this.db.query(
        renewGateClaim(d, {
          fence: this.lease.fence(owner, held.epoch),
          limit,
          mode,
          ttlSeconds: this.config.leaseTtlSeconds,
          expectedProofMode: seen.proofMode,
        }),
      );
      const grant = this.lease.renewedGrant((rows[0].renewal_row as Record<string, unknown> | null) ?? null, held.epoch);
      const flags = this.control.flagsFrom((rows[0].gate_row as { flags: unknown }).flags);
      const claimed = inClaimOrder(
        toActionRecords(
          rows.filter((row) => row.id !== null),
          d,
        ),
      );
      await this.queue.announceAll(claimed);
      return grant && { grant, flags, claimed: flags.proofMode === seen.proofMode ? claimed : null };
    }
    const grant = await this.lease.acquireOrRenew(owner, held?.epoch ?? null, { read: switchboardSnapshot(d), takeOverOnlyIf: NOT_KILLED });
    return grant && { grant, flags: this.control.flagsFrom(grant.readAlong), claimed: null };
  }

  /**
   * The flowing configuration's next claim within a tick (see TickDrain): while the tick's
   * interval lasts, the lease is renewed, the switchboard read and more actions claimed, as at
   * the tick's start (one statement on PostgreSQL), and the trust in the lease runs on from
   * this renewal. Null when the tick claims no more: its interval is over (the next tick
   * follows at once when this one filled its claims), the lease is lost, the switchboard
   * paused or killed (no further action starts then either) or moved the proof switch (the
   * next tick claims in the new mode).
   */
  private async refill(clock: number, fence: LeaseFence, mode: ExecutionMode, limit: number): Promise<Claimed | null> {
    if (elapsedMs(clock) >= this.config.tickIntervalMs) return null;
    const sentAt = performance.now();
    const opened = await this.holdLeaseAndClaim(limit);
    if (!opened || opened.grant.epoch !== fence.epoch) {
      this.leaseLost();
      return null;
    }
    this.held = { epoch: fence.epoch, trustUntil: sentAt + (this.config.leaseTtlSeconds - LEASE_SAFETY_MARGIN_SECONDS) * 1000 };
    const { flags } = opened;
    this.lastFlags = flags;
    if (flags.paused || flags.killed) {
      this.haltRequested = true;
      return null;
    }
    if (this.control.effectiveMode(flags).mode !== mode) return null;
    const claimed = opened.claimed ?? (await this.queue.claimDue({ fence, limit, mode }));
    return { actions: await this.queue.admitApproved(claimed, fence, mode), full: claimed.length >= limit };
  }

  /** Killed: the lease holder records KILLED once and lets go; nobody leads until revived. */
  private async stopForKill(start: TickStart, clock: number, flags: ControlFlags): Promise<TickReport> {
    const epoch = start.epoch;
    const report = await this.recordWithoutActions(start, clock, TickOutcome.KILLED, flags.killedReason);
    this.held = null;
    await this.lease.release(this.config.instanceId, epoch);
    this.logger.warn(`Killed (${flags.killedReason ?? 'no reason given'}): released the lease at epoch ${epoch}`);
    return report;
  }

  private async recordWithoutActions(start: TickStart, clock: number, outcome: TickOutcome, note: string | null): Promise<TickReport> {
    const tick = await this.ledger.recordTick(start, {
      ...NO_ATTEMPTS,
      outcome,
      durationMs: elapsedMs(clock),
      note,
    });
    return this.report(outcome, clock, tick, NO_ATTEMPTS);
  }

  /** The tick itself failed (most often the database): say so in the ledger if it can be reached. */
  private async recordError(start: TickStart | null, clock: number, openTickId: number | null, error: unknown): Promise<TickReport> {
    const message = error instanceof Error ? error.message : String(error);
    if (message === this.lastFailure) this.logger.warn(`Tick failed again: ${message}`);
    else this.logger.error(`Tick failed: ${message}`, error instanceof Error ? error.stack : undefined);
    this.lastFailure = message;
    if (!this.held) return this.report(TickOutcome.ERROR, clock, null, NO_ATTEMPTS);
    const summary = { ...NO_ATTEMPTS, outcome: TickOutcome.ERROR, durationMs: elapsedMs(clock), note: message.slice(0, 1000) };
    try {
      // A tick whose lease statement failed started by the clock its last one read.
      const tick =
        openTickId !== null
          ? await this.ledger.closeTick(openTickId, summary)
          : await this.ledger.recordTick(
              start ?? { owner: this.config.instanceId, epoch: this.held.epoch, startedAt: this.databaseClock.at(clock) },
              summary,
            );
      return this.report(TickOutcome.ERROR, clock, tick, NO_ATTEMPTS);
    } catch {
      return this.report(TickOutcome.ERROR, clock, null, NO_ATTEMPTS);
    }
  }

  /** A fenced write found the lease gone: this process is no longer the leader. */
  private leaseLost(): void {
    if (this.held) this.logger.warn(`The lease moved on from epoch ${this.held.epoch}; stepping down`);
    this.held = null;
  }

  private reasonToStop(clock: number, epoch: number): string | null {
    if (this.held?.epoch !== epoch) return 'lease lost during the tick';
    if (this.haltRequested) return this.stopping ? 'shutting down' : 'paused or killed during the tick';
    if (elapsedMs(clock) >= this.config.maxTickSeconds * 1000) return `tick budget of ${this.config.maxTickSeconds}s used`;
    if (performance.now() >= this.held.trustUntil) return 'lease too close to expiry';
    return null;
  }

  private report(outcome: TickReportOutcome, clock: number, tick: TickEntity | null, counts: TickCounts): TickReport {
    if (outcome !== TickOutcome.ERROR && this.lastFailure !== null) {
      this.logger.log(`Ticking again after: ${this.lastFailure}`);
      this.lastFailure = null;
    }
    const report = { outcome, durationMs: tick?.durationMs ?? elapsedMs(clock), tick, ...counts };
    // One line per tick that did work; an idle tick (every 5 s by default) says nothing.
    if (tick && counts.attempted > 0) {
      this.logger.log({
        msg: `[AOL Tick ${tick.id}] ${outcome} | Actions: ${counts.attempted} attempted, ${counts.succeeded} succeeded, ${counts.failed} failed`,
        tick: tick.id,
        outcome,
        attempted: counts.attempted,
        succeeded: counts.succeeded,
        failed: counts.failed,
        retried: counts.retried,
        deadLettered: counts.deadLettered,
        durationMs: report.durationMs,
        epoch: tick.epoch,
      });
    }
    this.metrics.tickFinished(outcome, report.durationMs, this.held !== null);
    return report;
  }
}

function elapsedMs(since: number): number {
  return Math.round(performance.now() - since);
}
