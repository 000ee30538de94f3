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
import { ActionStatus } from '../actions/action-status';
import type { ActionEntity } from '../queue/action.entity';
import { ExecutionMode } from '../actions/execution-mode';
import type { LeaseFence } from '../lease/sql/lease-fence';
import { QueueService } from '../queue/queue.service';
import { toActionRecords } from '../queue/sql/action-row';
import { inClaimOrder } from '../queue/sql/claim-due';
import { NOT_KILLED, switchboardSnapshot } from '../control/sql/switchboard';
import { SqlDatabase } from '../database/sql-database';
import { AolMetrics } from '../metrics/aol-metrics';
import { ActionRunner, AttemptResult } from './action-runner';
import { DatabaseClock } from './database-clock';
import { PlatformPacer } from './platform-pacer';
import { RescueService } from './rescue.service';
import { renewGateClaim } from './sql/renew-gate-claim';

/** NOT_LEADER: another instance holds the lease. SKIPPED: the previous tick was still running, or shutting down. */
export type TickReportOutcome = TickOutcome | 'NOT_LEADER' | 'SKIPPED';

export interface TickReport extends TickCounts {
  outcome: TickReportOutcome;
  durationMs: number;
  /** The ledger row, when this tick wrote one (only the leader does). */
  tick: TickEntity | null;
}

/** Finished attempts are recorded in groups of this many: one statement writes a whole group. */
const RECORD_GROUP_SIZE = 1000;

interface BatchContext {
  mode: ExecutionMode;
  fence: LeaseFence;
  tickId: Promise<number>;
  clock: number;
}

interface HeldLease {
  epoch: number;
  /** performance.now() after which this process no longer trusts the lease to start actions. */
  trustUntil: number;
}

/**
 * The tick: one pass of the leader over the queue. In order: never overlap; obey a kill;
 * hold the lease (taking back what a dead leader left RUNNING when the lease is new); obey a
 * pause; claim a batch in one statement; run each claimed action, stopping before the tick
 * budget or the lease runs out; record every attempt and the tick itself.
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
  private flagWatch: AsyncIterableIterator<ControlFlags> | null = null;
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
    const watch = this.events.subscribe<ControlFlags>(AolTopic.CONTROL_FLAGS_CHANGED);
    this.flagWatch = watch;
    void (async () => {
      for await (const flags of watch) if (flags.paused || flags.killed) this.haltRequested = true;
    })();
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
    await this.flagWatch?.return?.();
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
    if (this.inFlight || this.stopping) return { outcome: 'SKIPPED', durationMs: 0, tick: null, ...NO_ATTEMPTS };
    this.inFlight = this.tick().finally(() => {
      this.inFlight = null;
    });
    return this.inFlight;
  }

  private async tick(): Promise<TickReport> {
    const clock = performance.now();
    this.metrics.tickStarted();
    let start: TickStart | null = null;
    this.haltRequested = false;
    let opening: Promise<number> | null = null;
    try {
      const opened = await this.holdLeaseAndClaim();
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
      const claimed = await this.queue.admitApproved(
        opened.claimed ?? (await this.queue.claimDue({ fence, limit: this.config.maxActionsPerTick, mode })),
        fence,
        mode,
      );
      if (claimed.length === 0) return await this.recordWithoutActions(start, clock, TickOutcome.SUCCESS, null);

      // The tick's row is written while the first actions already start: it is needed only
      // when their results are recorded.
      opening = this.ledger.openTick(start);
      opening.catch(() => undefined); // awaited below; do not let a failure go unhandled meanwhile
      const { counts, note } = await this.runBatch(claimed, { mode, fence, tickId: opening, clock });
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
  private async holdLeaseAndClaim(): Promise<{ grant: LeaseGrant; flags: ControlFlags; claimed: ActionEntity[] | null } | null> {
    const owner = this.config.instanceId;
    const held = this.held;
    const seen = this.lastFlags;
    const d = this.db.dialect;
    if (held && seen && !this.rescuePending && d.writingCtes) {
      const { mode } = this.control.effectiveMode(seen);
      const rows = await this.db.query(
        renewGateClaim(d, {
          fence: this.lease.fence(owner, held.epoch),
          limit: this.config.maxActionsPerTick,
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
   * Runs a claimed batch, AOL_TICK_CONCURRENCY at a time, checking before each start that the
   * tick may go on (budget, lease, switchboard); what was not started goes back unchanged, even
   * when recording failed. A REAL attempt starts only once its start is on record (see
   * markStartsAhead). Results are recorded in groups (one statement for the actions, one for
   * their log rows), each REAL result at once: an effect outside must be on record as soon as
   * it happened.
   */
  private async runBatch(batchClaimed: readonly ActionEntity[], batch: BatchContext): Promise<{ counts: TickCounts; note: string | null }> {
    const { toRun: claimed, note: pacingNote } = await this.pace(batchClaimed, batch);
    const counts = { ...NO_ATTEMPTS };
    const finished: AttemptResult[] = [];
    let recording = Promise.resolve();
    let recordingFailed: unknown = null;
    let taken = 0;
    const startedIds = new Set<number>();
    let stopReason: string | null = null;
    const markedAhead = this.markStartsAhead(claimed, batch);

    const flush = () => {
      const group = finished.splice(0);
      if (group.length === 0) return;
      recording = recording.then(async () => {
        if (recordingFailed !== null) return;
        try {
          const trustUntil = this.held?.trustUntil ?? 0;
          const statuses = await this.runner.record(group, {
            fence: batch.fence,
            tickId: await batch.tickId,
            trustUntil,
            databaseClock: this.databaseClock,
          });
          for (const attempt of group) this.tally(counts, statuses.get(attempt.action.id) ?? null);
          if (statuses.size < group.length) this.leaseLost();
        } catch (error) {
          recordingFailed = error;
        }
      });
    };
    const worker = async () => {
      while (taken < claimed.length) {
        stopReason ??= recordingFailed !== null ? 'recording failed' : this.reasonToStop(batch.clock);
        if (stopReason) return;
        const index = taken++;
        const action = claimed[index];
        const refusal = await markedAhead(index);
        if (refusal) {
          stopReason ??= refusal;
          return;
        }
        startedIds.add(action.id);
        finished.push(await this.runner.attempt(action, batch.mode));
        if (batch.mode === ExecutionMode.REAL || finished.length >= RECORD_GROUP_SIZE) flush();
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.config.tickConcurrency, claimed.length) }, worker));
    flush();
    await recording;

    let note: string | null = pacingNote;
    const unstarted = claimed.filter((action) => !startedIds.has(action.id)).map((action) => action.id);
    if (unstarted.length > 0) {
      // Also after a failed recording: what never started must not wait for a rescue to be
      // told apart from what did. Should this fail too, the rescue gives back what was never
      // marked started.
      try {
        const released = await this.queue.releaseUnstarted(unstarted, batch.fence, { claimEpoch: batch.fence.epoch });
        note = [note, `${stopReason}; ${released.length} claimed action(s) returned unstarted`].filter(Boolean).join('; ');
      } catch (error) {
        recordingFailed ??= error;
      }
    }
    if (recordingFailed !== null) throw recordingFailed;
    return { counts, note };
  }

  /**
   * Platform pacing of a REAL batch (see PlatformPacer): what must wait goes back unstarted,
   * held until it may run, its reason as its last error and in the tick's note; the rest runs.
   */
  private async pace(
    claimed: readonly ActionEntity[],
    batch: BatchContext,
  ): Promise<{ toRun: readonly ActionEntity[]; note: string | null }> {
    if (batch.mode !== ExecutionMode.REAL || !this.pacer.active) return { toRun: claimed, note: null };
    const { go, held } = await this.pacer.divide(claimed);
    const notes: string[] = [];
    for (const { ids, hold } of held) {
      const released = await this.queue.releaseUnstarted(ids, batch.fence, { claimEpoch: batch.fence.epoch }, hold);
      notes.push(`${released.length} action(s) ${hold.errorCode}: ${hold.error}`);
    }
    return { toRun: go, note: notes.length > 0 ? notes.join('; ') : null };
  }

  /**
   * The write-ahead record of REAL starts: before the attempt at `index` of the batch is
   * called, it is marked started in the database (queue/sql/mark-started.ts), together with
   * those that will run alongside it (AOL_TICK_CONCURRENCY of them, one statement per group),
   * so that a rescue after a crash parks only attempts that may have taken effect and gives
   * the merely claimed ones back unchanged. Resolves with null when the attempt may start,
   * or why it may not. PROOF attempts have no effect outside and were marked at their claim.
   */
  private markStartsAhead(claimed: readonly ActionEntity[], batch: BatchContext): (index: number) => Promise<string | null> {
    if (batch.mode !== ExecutionMode.REAL) return () => Promise.resolve(null);
    const marked = new Set<number>();
    let markedUntil = 0;
    // Groups are marked in order, each after the one before; a failure stops every later start.
    let marking: Promise<void> = Promise.resolve();
    return async (index) => {
      if (index >= markedUntil) {
        const group = claimed.slice(index, (markedUntil = Math.min(claimed.length, index + this.config.tickConcurrency)));
        marking = marking.then(async () => {
          for (const id of await this.queue.markStarted(
            group.map((action) => action.id),
            batch.fence,
          ))
            marked.add(id);
        });
      }
      try {
        await marking;
      } catch (error) {
        return `the start could not be recorded (${error instanceof Error ? error.message : String(error)})`;
      }
      if (marked.has(claimed[index].id)) return null;
      this.leaseLost();
      return 'lease lost during the tick';
    };
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

  private reasonToStop(clock: number): string | null {
    if (!this.held) return 'lease lost during the tick';
    if (this.haltRequested) return this.stopping ? 'shutting down' : 'paused or killed during the tick';
    if (elapsedMs(clock) >= this.config.maxTickSeconds * 1000) return `tick budget of ${this.config.maxTickSeconds}s used`;
    if (performance.now() >= this.held.trustUntil) return 'lease too close to expiry';
    return null;
  }

  private tally(counts: TickCounts, status: ActionStatus | null): void {
    counts.attempted += 1;
    if (status === ActionStatus.SUCCESS) counts.succeeded += 1;
    else if (status !== null) counts.failed += 1;
    if (status === ActionStatus.RETRY) counts.retried += 1;
    if (status === ActionStatus.DLQ) counts.deadLettered += 1;
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
