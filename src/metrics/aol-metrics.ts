import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { AolConfig } from '../config/aol-config';
import { ControlService } from '../control/control.service';
import { LeaseService } from '../lease/lease.service';
import type { ExecutionLogEntity } from '../ledger/execution-log.entity';
import type { ActionEntity } from '../queue/action.entity';
import { QueueService } from '../queue/queue.service';

/** What this instance's ticks did lately: the readiness check reads it. */
export interface TickActivity {
  /** Date.now() when the tick now running started; null when none runs. */
  runningSince: number | null;
  /** Date.now() of the last tick that finished, or of the start of the process before the first. */
  lastFinishedAt: number;
}

const SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const WAIT_SECONDS = [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 21600];

/**
 * The Prometheus metrics of one AOL process, on a registry of its own. Counters and histograms
 * are fed by the orchestrator as it works (only this process's own work: the event bus would
 * also carry other instances'); gauges are read from the database when scraped, one query per
 * family, the queue's from the trigger-kept counts (no scan).
 */
@Injectable()
export class AolMetrics {
  readonly registry = new Registry();
  private readonly startedAt = Date.now();
  private runningSince: number | null = null;
  private lastFinishedAt: number | null = null;
  private leading = false;
  private readonly instanceId: string;

  private readonly queueActions = this.gauge('aol_queue_actions', 'Actions in each status (the trigger-kept counts).', ['status']);
  private readonly oldestDueAge = this.gauge(
    'aol_oldest_due_age_seconds',
    'Seconds the longest-waiting due action has been due; 0 when none is.',
  );
  private readonly leader = this.gauge('aol_leader', '1 while this instance holds the lease, else 0.');
  private readonly leaseEpoch = this.gauge('aol_lease_epoch', 'The epoch of the lease (it grows by one at each change of leader).');
  private readonly controlFlag = this.gauge('aol_control_flag', 'The switchboard: 1 when the flag is on (paused, killed, proof_mode).', [
    'flag',
  ]);
  private readonly databaseUp = this.gauge('aol_database_up', '1 when the scrape could read the gauges above from the database.');
  private readonly lastTick = this.gauge(
    'aol_last_tick_timestamp_seconds',
    'Unix time of the last tick this instance ran as leader (one that wrote a ledger row); 0 before the first.',
  );
  private readonly tickInterval = this.gauge('aol_tick_interval_seconds', 'AOL_TICK_INTERVAL_MS in seconds (for alerts on missing ticks).');
  private readonly ticks = this.counter(
    'aol_ticks_total',
    "Ticks this instance ran, by outcome (the ledger's, or NOT_LEADER when another instance leads).",
    ['outcome'],
  );
  private readonly tickDuration = this.histogram('aol_tick_duration_seconds', 'How long the ticks this instance ran took.', SECONDS);
  private readonly attempts = this.counter(
    'aol_attempts_total',
    'Attempts this instance recorded, by action type, outcome (SUCCESS, FAILED, TIMED_OUT) and mode.',
    ['type', 'outcome', 'mode'],
  );
  private readonly attemptDuration = this.histogram(
    'aol_attempt_duration_seconds',
    'How long the attempts this instance recorded ran, by action type.',
    SECONDS,
    ['type'],
  );
  private readonly recordingDuration = this.histogram(
    'aol_recording_duration_seconds',
    'How long each recording of a group of finished attempts took (one statement, or one transaction, with its retries).',
    SECONDS,
  );
  private readonly enqueueToStart = this.histogram(
    'aol_enqueue_to_start_seconds',
    'Seconds from enqueue (or the later run_after it was scheduled for) to the start of the first attempt.',
    WAIT_SECONDS,
  );
  private readonly rescues = this.counter(
    'aol_rescues_total',
    'Actions a new leader took back from a stopped one, by decision (NOT_STARTED, RETRY, OUTCOME_UNKNOWN, RESCUED_TOO_OFTEN).',
    ['decision'],
  );
  private readonly prunedRows = this.counter(
    'aol_pruned_total',
    'What retention removed on this instance, by kind (idleTicks, finishedActions, actionLogs, artifacts).',
    ['kind'],
  );

  constructor(
    config: AolConfig,
    private readonly queue: QueueService,
    private readonly lease: LeaseService,
    private readonly control: ControlService,
  ) {
    this.instanceId = config.instanceId;
    collectDefaultMetrics({ register: this.registry });
    this.tickInterval.set(config.tickIntervalMs / 1000);
    this.lastTick.set(0);
  }

  /** The text exposition of every metric, the gauges read from the database first. */
  async scrape(): Promise<string> {
    await this.readGauges();
    return this.registry.metrics();
  }

  /** The names of the series a scrape shows (a histogram's as its _bucket, _sum and _count). */
  seriesNames(): string[] {
    return this.registry
      .getMetricsAsArray()
      .flatMap((metric) =>
        (metric as unknown) instanceof Histogram ? ['_bucket', '_sum', '_count'].map((suffix) => metric.name + suffix) : [metric.name],
      );
  }

  tickStarted(): void {
    this.runningSince = Date.now();
  }

  /** A tick ended; `leading` whether this instance held the lease at its end. */
  tickFinished(outcome: string, durationMs: number, leading: boolean): void {
    const now = Date.now();
    this.runningSince = null;
    this.lastFinishedAt = now;
    this.leading = leading;
    this.ticks.inc({ outcome });
    this.tickDuration.observe(durationMs / 1000);
    if (leading) this.lastTick.set(now / 1000);
  }

  get tickActivity(): TickActivity {
    return { runningSince: this.runningSince, lastFinishedAt: this.lastFinishedAt ?? this.startedAt };
  }

  /** An attempt's log row was written; a first attempt also tells how long its action waited to start. */
  attemptRecorded(action: Pick<ActionEntity, 'type' | 'createdAt' | 'runAfter'>, log: ExecutionLogEntity): void {
    this.attempts.inc({ type: action.type, outcome: log.outcome, mode: log.mode });
    this.attemptDuration.observe({ type: action.type }, log.durationMs / 1000);
    if (log.attempt !== 1) return;
    // From enqueue, or from the later run_after it was scheduled for, by the database's clock.
    const dueSince = Math.max(action.createdAt.getTime(), action.runAfter.getTime());
    this.enqueueToStart.observe(Math.max(0, (log.startedAt.getTime() - dueSince) / 1000));
  }

  /**
   * A group of finished attempts was recorded in `durationMs`. Recordings run one at a time,
   * so the rate of this histogram's _sum is the share of time they keep the leader's
   * recording busy: near 1, finished attempts wait to be recorded (a crash leaves them to the
   * rescue), and the recordings, not the handlers, set the drain's pace.
   */
  attemptsRecorded(durationMs: number): void {
    this.recordingDuration.observe(durationMs / 1000);
  }

  rescued(decision: string, count: number): void {
    if (count > 0) this.rescues.inc({ decision }, count);
  }

  pruned(kind: string, count: number): void {
    if (count > 0) this.prunedRows.inc({ kind }, count);
  }

  /**
   * One query per gauge family, side by side. A database that does not answer leaves them
   * out (and aol_database_up at 0) rather than failing the scrape: the process metrics and
   * counters are what an operator needs most then.
   */
  private async readGauges(): Promise<void> {
    try {
      const [counts, oldestDueAge, lease, flags] = await Promise.all([
        this.queue.counts(),
        this.queue.oldestDueAgeSeconds(),
        this.lease.current(),
        this.control.flags(),
      ]);
      for (const [status, count] of Object.entries(counts)) this.queueActions.set({ status }, count);
      this.oldestDueAge.set(oldestDueAge ?? 0);
      this.leader.set(this.leading && lease.owner === this.instanceId ? 1 : 0);
      this.leaseEpoch.set(lease.epoch);
      this.controlFlag.set({ flag: 'paused' }, Number(flags.paused));
      this.controlFlag.set({ flag: 'killed' }, Number(flags.killed));
      this.controlFlag.set({ flag: 'proof_mode' }, Number(flags.proofMode));
      this.databaseUp.set(1);
    } catch {
      for (const gauge of [this.queueActions, this.oldestDueAge, this.leader, this.leaseEpoch, this.controlFlag]) gauge.reset();
      this.databaseUp.set(0);
    }
  }

  private gauge(name: string, help: string, labelNames: string[] = []): Gauge {
    return new Gauge({ name, help, labelNames, registers: [this.registry] });
  }

  private counter(name: string, help: string, labelNames: string[]): Counter {
    return new Counter({ name, help, labelNames, registers: [this.registry] });
  }

  private histogram(name: string, help: string, buckets: number[], labelNames: string[] = []): Histogram {
    return new Histogram({ name, help, buckets, labelNames, registers: [this.registry] });
  }
}
