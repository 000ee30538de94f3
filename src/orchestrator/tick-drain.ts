import type { AolConfig } from '../config/aol-config';
import { ActionStatus } from '../actions/action-status';
import { ExecutionMode } from '../actions/execution-mode';
import type { LeaseFence } from '../lease/sql/lease-fence';
import { NO_ATTEMPTS, TickCounts } from '../ledger/tick-record';
import type { ActionEntity } from '../queue/action.entity';
import type { QueueService } from '../queue/queue.service';
import type { ActionRunner, AttemptResult } from './action-runner';
import type { DatabaseClock } from './database-clock';
import type { PlatformPacer } from './platform-pacer';

/** In the spec's configuration finished attempts are recorded in groups of this many: one statement writes a whole group. */
const RECORD_GROUP_SIZE = 1000;

/**
 * Actions the first claim of a tick takes: AOL_MAX_ACTIONS_PER_TICK; flowing
 * (AOL_DRAIN_CONTINUOUSLY), a round of the slots, AOL_TICK_CONCURRENCY, at most that. A flowing
 * tick claims again whenever fewer than a round wait to start, doubling its claims (up to
 * AOL_MAX_ACTIONS_PER_TICK) while its slots run dry before a claim arrives: quick handlers get
 * large claims, slow ones small claims, many per interval. With claims of 1,000 at 700 PROOF
 * actions/s, the one claim of a 1 s period outlasted it, and the period ended as a batch does,
 * its slots emptying; with claims of 64 only, the no-op drain waited on its claims.
 */
export function claimLimit(config: AolConfig): number {
  return config.drainContinuously ? Math.min(config.maxActionsPerTick, config.tickConcurrency) : config.maxActionsPerTick;
}

/** Claimed actions handed to a drain. */
export interface Claimed {
  actions: readonly ActionEntity[];
  /** The claim took as many as it asked for: more may be due. */
  full: boolean;
}

/** What a drain needs from the tick that runs it. */
export interface DrainContext {
  mode: ExecutionMode;
  fence: LeaseFence;
  tickId: Promise<number>;
  databaseClock: DatabaseClock;
  /** Why no further action may start now (tick budget, lease, switchboard, shutdown), or null. */
  reasonToStop: () => string | null;
  /** performance.now() until which the lease is trusted (0 once lost): recording retries until then. */
  trustUntil: () => number;
  /** A fenced write found the lease gone. */
  leaseLost: () => void;
  /**
   * The flowing configuration's next claim (null: this tick claims no more). Without it the
   * drain runs its first claim only, as the spec's tick does.
   */
  refill?: (limit: number) => Promise<Claimed | null>;
}

export interface DrainServices {
  config: AolConfig;
  runner: ActionRunner;
  queue: QueueService;
  pacer: PlatformPacer;
}

/**
 * Runs one tick's claimed actions, AOL_TICK_CONCURRENCY at a time, checking before each start
 * that the tick may go on; what was not started goes back unchanged, even when recording
 * failed. A REAL attempt starts only once its start is on record (see markStartsAhead), after
 * platform pacing gave back what must wait (see pace).
 *
 * With a `refill` (the flowing configuration) the slots never wait for a batch to finish: once
 * fewer than AOL_TICK_CONCURRENCY claimed actions wait to start, the next claim is made while
 * the handlers run (one claim at a time), and finished attempts are recorded a group per round
 * of the slots, while the next ones run. Without it, results are recorded in groups of 1,000
 * and at the end.
 */
export class TickDrain {
  private readonly queued: ActionEntity[] = [];
  private taken = 0;
  private readonly startedIds = new Set<number>();
  private readonly counts: TickCounts = { ...NO_ATTEMPTS };
  private readonly notes: string[] = [];
  private finished: AttemptResult[] = [];
  /** No slot runs any more: what finished is recorded whatever its number. */
  private closing = false;
  /** The recording under way, if any. */
  private recording: Promise<void> | null = null;
  private refilling: Promise<void> | null = null;
  private claimMore = false;
  /** Flowing: what the next claim asks for (see claimLimit), and whether a slot waited for the last one. */
  private claimSize: number;
  private ranDry = false;
  private stopReason: string | null = null;
  /** The first failed write (a recording, a claim): no action starts after it, and the tick fails. */
  private failure: { error: unknown; what: string } | null = null;
  private readonly markedAhead: (index: number) => Promise<string | null>;

  constructor(
    private readonly services: DrainServices,
    private readonly context: DrainContext,
  ) {
    this.markedAhead = this.markStartsAhead();
    this.claimSize = claimLimit(services.config);
  }

  async run(first: Claimed): Promise<{ counts: TickCounts; note: string | null }> {
    const { config, queue } = this.services;
    await this.admit(first.actions);
    this.claimMore = this.context.refill !== undefined && first.full;
    const slots = this.claimMore ? config.tickConcurrency : Math.min(config.tickConcurrency, this.queued.length);
    await Promise.all(Array.from({ length: slots }, () => this.runSlot()));
    // A claim still in flight when the last slot stopped: what it brings goes back below.
    await this.refilling;
    this.closing = true;
    this.flush();
    while (this.recording) await this.recording;

    const unstarted = this.queued.filter((action) => !this.startedIds.has(action.id)).map((action) => action.id);
    if (unstarted.length > 0) {
      // Also after a failed recording: what never started must not wait for a rescue to be
      // told apart from what did. Should this fail too, the rescue gives back what was never
      // marked started.
      try {
        const { fence } = this.context;
        const released = await queue.releaseUnstarted(unstarted, fence, { claimEpoch: fence.epoch });
        this.notes.push(`${this.stopReason}; ${released.length} claimed action(s) returned unstarted`);
      } catch (error) {
        this.failure ??= { error, what: 'returning unstarted actions failed' };
      }
    }
    if (this.failure !== null) throw this.failure.error;
    return { counts: this.counts, note: this.notes.length > 0 ? this.notes.join('; ') : null };
  }

  /** One handler slot: starts the next claimed action each time it is free, until none may or none is left. */
  private async runSlot(): Promise<void> {
    for (;;) {
      this.stopReason ??= this.failure !== null ? this.failure.what : this.context.reasonToStop();
      if (this.stopReason) return;
      this.refillWhenLow();
      if (this.taken >= this.queued.length) {
        if (!this.refilling) return;
        this.ranDry = true;
        await this.refilling;
        continue;
      }
      const index = this.taken++;
      const action = this.queued[index];
      const refusal = await this.markedAhead(index);
      if (refusal) {
        this.stopReason ??= refusal;
        return;
      }
      this.startedIds.add(action.id);
      const attempt = await this.services.runner.attempt(action, this.context.mode);
      this.finished.push(attempt);
      this.flush();
    }
  }

  /**
   * How many finished attempts make a group: one for a REAL result (an effect outside must be
   * on record as soon as it happened) and at the end; else, flowing, a round of the slots
   * (AOL_TICK_CONCURRENCY: each group is a commit, and fewer commits leave the disk to the
   * handlers' own writes), and 1,000 otherwise.
   */
  private groupSize(): number {
    if (this.closing || this.context.mode === ExecutionMode.REAL) return 1;
    return this.context.refill ? this.services.config.tickConcurrency : RECORD_GROUP_SIZE;
  }

  /**
   * Records what has finished, unless a recording is under way: that one goes on with what
   * finished meanwhile, one group (of at most 1,000) after the other, while a group is complete.
   */
  private flush(): void {
    if (this.recording || this.finished.length < this.groupSize() || this.failure !== null) return;
    this.recording = this.recordFinished();
  }

  private async recordFinished(): Promise<void> {
    do await this.record(this.finished.splice(0, RECORD_GROUP_SIZE));
    while (this.finished.length >= this.groupSize() && this.failure === null);
    // In the same turn as the last check: a result pushed after it finds no recording under way.
    this.recording = null;
  }

  private async record(group: readonly AttemptResult[]): Promise<void> {
    const { fence, tickId, databaseClock } = this.context;
    try {
      const statuses = await this.services.runner.record(group, {
        fence,
        tickId: await tickId,
        trustUntil: this.context.trustUntil(),
        databaseClock,
      });
      for (const attempt of group) this.tally(statuses.get(attempt.action.id) ?? null);
      if (statuses.size < group.length) this.context.leaseLost();
    } catch (error) {
      this.failure ??= { error, what: 'recording failed' };
    }
  }

  /** Flowing: the next claim, once fewer than AOL_TICK_CONCURRENCY claimed actions wait to start. */
  private refillWhenLow(): void {
    const refill = this.context.refill;
    if (!refill || !this.claimMore || this.refilling || this.queued.length - this.taken >= this.services.config.tickConcurrency) return;
    if (this.ranDry) this.claimSize = Math.min(this.services.config.maxActionsPerTick, this.claimSize * 2);
    this.ranDry = false;
    const limit = this.claimSize;
    this.refilling = (async () => {
      try {
        const more = await refill(limit);
        if (!more?.full) this.claimMore = false;
        if (more) await this.admit(more.actions);
      } catch (error) {
        // A claim whose answer was lost may have claimed: the tick fails, and the rescue that
        // follows gives back what it took.
        this.claimMore = false;
        this.failure ??= { error, what: 'claiming failed' };
      } finally {
        this.refilling = null;
      }
    })();
  }

  /** Claimed actions join the queue of this drain, less what pacing holds. */
  private async admit(claimed: readonly ActionEntity[]): Promise<void> {
    const { toRun, note } = await this.pace(claimed);
    if (note) this.notes.push(note);
    this.queued.push(...toRun);
  }

  /**
   * Platform pacing of a REAL claim (see PlatformPacer): what must wait goes back unstarted,
   * held until it may run, its reason as its last error and in the tick's note; the rest runs.
   */
  private async pace(claimed: readonly ActionEntity[]): Promise<{ toRun: readonly ActionEntity[]; note: string | null }> {
    const { pacer, queue } = this.services;
    const { mode, fence } = this.context;
    if (mode !== ExecutionMode.REAL || !pacer.active) return { toRun: claimed, note: null };
    const { go, held } = await pacer.divide(claimed);
    const notes: string[] = [];
    for (const { ids, hold } of held) {
      const released = await queue.releaseUnstarted(ids, fence, { claimEpoch: fence.epoch }, hold);
      notes.push(`${released.length} action(s) ${hold.errorCode}: ${hold.error}`);
    }
    return { toRun: go, note: notes.length > 0 ? notes.join('; ') : null };
  }

  /**
   * The write-ahead record of REAL starts: before the attempt at `index` of the queue is
   * called, it is marked started in the database (queue/sql/mark-started.ts), together with
   * those that will run alongside it (AOL_TICK_CONCURRENCY of them, one statement per group),
   * so that a rescue after a crash parks only attempts that may have taken effect and gives
   * the merely claimed ones back unchanged. Resolves with null when the attempt may start,
   * or why it may not. PROOF attempts have no effect outside and were marked at their claim.
   */
  private markStartsAhead(): (index: number) => Promise<string | null> {
    const { mode, fence } = this.context;
    if (mode !== ExecutionMode.REAL) return () => Promise.resolve(null);
    const { config, queue } = this.services;
    const marked = new Set<number>();
    let markedUntil = 0;
    // Groups are marked in order, each after the one before; a failure stops every later start.
    let marking: Promise<void> = Promise.resolve();
    return async (index) => {
      if (index >= markedUntil) {
        const group = this.queued.slice(index, (markedUntil = Math.min(this.queued.length, index + config.tickConcurrency)));
        marking = marking.then(async () => {
          for (const id of await queue.markStarted(
            group.map((action) => action.id),
            fence,
          ))
            marked.add(id);
        });
      }
      try {
        await marking;
      } catch (error) {
        return `the start could not be recorded (${error instanceof Error ? error.message : String(error)})`;
      }
      if (marked.has(this.queued[index].id)) return null;
      this.context.leaseLost();
      return 'lease lost during the tick';
    };
  }

  private tally(status: ActionStatus | null): void {
    const counts = this.counts;
    counts.attempted += 1;
    if (status === ActionStatus.SUCCESS) counts.succeeded += 1;
    else if (status !== null) counts.failed += 1;
    if (status === ActionStatus.RETRY) counts.retried += 1;
    if (status === ActionStatus.DLQ) counts.deadLettered += 1;
  }
}
