import { performance } from 'node:perf_hooks';
import { Injectable, Logger } from '@nestjs/common';
import { AolConfig } from '../config/aol-config';
import { ActionFailure } from '../actions/action-failure';
import type { ActionResult } from '../actions/action-handler';
import { ActionHandlerRegistry } from '../action-handlers/action-handler.registry';
import { ExecutionMode } from '../actions/execution-mode';
import type { LeaseFence } from '../lease/sql/lease-fence';
import { LedgerService } from '../ledger/ledger.service';
import { AttemptOutcome } from '../ledger/tick-outcome';
import type { ActionEntity } from '../queue/action.entity';
import { ActionStatus } from '../actions/action-status';
import { QueueService } from '../queue/queue.service';
import { SqlDatabase, SqlExecutor, SqlRow } from '../database/sql-database';
import { AuditService } from '../audit/audit.service';
import type { ExecutionLogEntity } from '../ledger/execution-log.entity';
import type { OutcomePlan } from '../queue/queue.service';
import { AolMetrics } from '../metrics/aol-metrics';
import type { DatabaseClock } from './database-clock';
import { retryUntil } from '../database/durable-write';
import { AttemptAbort } from './attempt-abort';
import { recordAttempts, recordingParts } from './sql/record-attempts';
import type { AttemptRecord } from '../ledger/sql/insert-attempt-logs';
import { toRecordedChange } from '../queue/sql/recorded-change';

const ACTION_TIMEOUT = 'ACTION_TIMEOUT';

/** A recording's outcome: the actions it changed, each one's new status, and the log rows inserted (in id order). */
interface Recorded {
  changed: ActionEntity[];
  statuses: Map<number, ActionStatus>;
  logs: ExecutionLogEntity[];
}

function statusesOf(changed: readonly ActionEntity[]): Map<number, ActionStatus> {
  return new Map(changed.map((action) => [action.id, action.status]));
}

/** One finished attempt, not yet recorded. */
export interface AttemptResult {
  action: ActionEntity;
  mode: ExecutionMode;
  /** performance.now() when the handler was called. */
  startedAtMs: number;
  durationMs: number;
  result: ActionResult | null;
  failure: ActionFailure | null;
}

export interface RecordContext {
  fence: LeaseFence;
  tickId: number;
  /** performance.now() until which this process trusts its lease (and may keep writing). */
  trustUntil: number;
  /** Turns the attempts' monotonic start times into the database's time, as their log rows store them. */
  databaseClock: DatabaseClock;
}

/**
 * Runs claimed actions through their handlers — each isolated, each under the action
 * timeout — and records batches of finished attempts, in one transaction with their audit
 * entries: on PostgreSQL the actions' new states and their log rows in one statement, else the
 * actions' in at most two statements, then their log rows in one.
 */
@Injectable()
export class ActionRunner {
  private readonly logger = new Logger(ActionRunner.name);

  constructor(
    private readonly config: AolConfig,
    private readonly handlers: ActionHandlerRegistry,
    private readonly queue: QueueService,
    private readonly ledger: LedgerService,
    private readonly db: SqlDatabase,
    private readonly metrics: AolMetrics,
    private readonly audit: AuditService,
  ) {}

  /** One attempt. Never throws: a handler's failure or exception is its result. */
  async attempt(action: ActionEntity, mode: ExecutionMode): Promise<AttemptResult> {
    const startedAtMs = performance.now();
    try {
      const handler = this.handlers.handlerFor(action.type);
      const toRun = {
        id: action.id,
        idempotencyKey: action.idempotencyKey,
        type: action.type,
        payload: action.payload,
        attempt: action.attempts,
      };
      const result = await this.withTimeout((abort) =>
        handler.execute({
          action: toRun,
          mode,
          get signal() {
            return abort.signal;
          },
        }),
      );
      return { action, mode, startedAtMs, durationMs: Math.round(performance.now() - startedAtMs), result, failure: null };
    } catch (error) {
      return {
        action,
        mode,
        startedAtMs,
        durationMs: Math.round(performance.now() - startedAtMs),
        result: null,
        failure: ActionFailure.from(error),
      };
    }
  }

  /**
   * Records finished attempts; their effects have happened, so this retries through a
   * database hiccup until the lease's trust runs out. Returns each recorded action's new
   * status; an attempt missing from the map was fenced off (the lease moved on).
   */
  async record(attempts: readonly AttemptResult[], context: RecordContext): Promise<Map<number, ActionStatus>> {
    if (attempts.length === 0) return new Map();
    let repeated = false;
    const startedAtMs = performance.now();
    // The actions' new states and their log rows commit together or not at all: a crash
    // between them would leave a finished action without its record.
    const { changed, statuses, logs } = await retryUntil(
      `Recording ${attempts.length} attempt(s)`,
      this.logger,
      () => context.trustUntil,
      () => this.recordOnce(attempts, context, repeated),
      { retrying: () => (repeated = true) },
    );
    this.metrics.attemptsRecorded(performance.now() - startedAtMs);
    const fencedOff = attempts.length - statuses.size;
    if (fencedOff > 0)
      this.logger.warn(`${fencedOff} attempt result(s) not recorded: the lease moved on from epoch ${context.fence.epoch}`);
    const claimed = new Map(attempts.map(({ action }) => [action.id, action]));
    for (const log of logs) this.metrics.attemptRecorded(claimed.get(log.actionId)!, log);
    await this.queue.announceAll(changed);
    await this.ledger.announceAttempts(logs);
    this.logRecorded(attempts, statuses);
    return statuses;
  }

  /** Each REAL attempt and each move to the dead-letter queue, once on record. */
  private logRecorded(attempts: readonly AttemptResult[], statuses: Map<number, ActionStatus>): void {
    for (const { action, mode, durationMs, result, failure } of attempts) {
      const status = statuses.get(action.id);
      if (status === undefined) continue;
      const fields = { actionId: action.id, type: action.type, attempt: action.attempts, mode, status, durationMs };
      if (mode === ExecutionMode.REAL) {
        this.logger.log({
          msg: `REAL ${action.type} of action ${action.id}: ${result ? 'done' : failure?.code}`,
          ...fields,
          errorCode: failure?.code,
        });
      }
      if (status === ActionStatus.DLQ) {
        this.logger.warn({
          msg: `Action ${action.id} moved to the dead-letter queue: ${failure?.code}`,
          ...fields,
          errorCode: failure?.code,
          error: failure?.message,
        });
      }
    }
  }

  /**
   * One try at recording: on PostgreSQL without head signing, the actions, their log rows and
   * the rows' audit entries in one statement (sql/record-attempts.ts with AuditService's
   * attemptsStatement), one round trip and no transaction around it; else in a transaction
   * (recordIn). A repeat always takes the transaction: it must read what an earlier try committed.
   */
  private async recordOnce(attempts: readonly AttemptResult[], context: RecordContext, repeated: boolean): Promise<Recorded> {
    const records = attempts.map((attempt) => this.logRecordOf(attempt, context));
    const d = this.db.dialect;
    // On PostgreSQL a first try writes the actions and their log rows in one statement.
    const plan = d.writingCtes && !repeated ? this.queue.planOutcomes(attempts) : null;
    if (plan) {
      const statement = this.audit.attemptsStatement(context.fence.epoch, () => recordingParts(d, context.fence, plan, records));
      if (statement) {
        const { changed, logs } = this.recordedBy(await this.db.query(statement), records, plan);
        return { changed, statuses: statusesOf(changed), logs: logs.sort((a, b) => a.id - b.id) };
      }
    }
    return this.db.transaction((tx) => this.recordIn(tx, records, plan, attempts, context, repeated));
  }

  private async recordIn(
    tx: SqlExecutor,
    records: readonly AttemptRecord[],
    plan: OutcomePlan | null,
    attempts: readonly AttemptResult[],
    context: RecordContext,
    repeated: boolean,
  ): Promise<Recorded> {
    const d = this.db.dialect;
    if (plan) {
      // The actions and their log rows in one statement (orchestrator/sql/record-attempts.ts), then their entries.
      const { changed, logs } = this.recordedBy(await tx.query(recordAttempts(d, context.fence, plan, records)), records, plan);
      return { changed, statuses: statusesOf(changed), logs: await this.ledger.auditAttempts(logs, context.fence.epoch, tx) };
    }
    const changed = await this.queue.recordOutcomes(attempts, context.fence, tx);
    const statuses = new Map(changed.map((action) => [action.id, action.status]));
    if (repeated) {
      // A repeat matches nothing an earlier try already committed: find those by re-reading.
      const missing = attempts.filter((attempt) => !statuses.has(attempt.action.id)).map((attempt) => attempt.action);
      for (const row of await this.queue.findByIds(
        missing.map((action) => action.id),
        tx,
      )) {
        const claimed = missing.find((action) => action.id === row.id)!;
        if (row.status !== ActionStatus.RUNNING && row.claimEpoch === context.fence.epoch && row.attempts === claimed.attempts)
          statuses.set(row.id, row.status);
      }
    }
    const logs = await this.ledger.recordAttempts(
      records.filter((record) => statuses.has(record.actionId)),
      context.fence.epoch,
      tx,
    );
    return { changed, statuses, logs };
  }

  /** What a recording statement (sql/record-attempts.ts) changed: the actions, and the log rows it inserted. */
  private recordedBy(
    rows: readonly SqlRow[],
    records: readonly AttemptRecord[],
    plan: OutcomePlan,
  ): { changed: ActionEntity[]; logs: ExecutionLogEntity[] } {
    const d = this.db.dialect;
    const recordOf = new Map(records.map((record) => [record.actionId, record]));
    return {
      changed: plan.changedActions(rows.map((row) => toRecordedChange(row, d))),
      logs: rows.filter((row) => row.log_id !== null).map((row) => ({ ...recordOf.get(Number(row.id))!, id: Number(row.log_id) })),
    };
  }

  /** An attempt's log row, as recorded. */
  private logRecordOf({ action, mode, startedAtMs, durationMs, result, failure }: AttemptResult, context: RecordContext): AttemptRecord {
    return {
      actionId: action.id,
      tickId: context.tickId,
      attempt: action.attempts,
      mode,
      outcome: result ? AttemptOutcome.SUCCESS : failure?.code === ACTION_TIMEOUT ? AttemptOutcome.TIMED_OUT : AttemptOutcome.FAILED,
      startedAt: context.databaseClock.at(startedAtMs),
      durationMs,
      artifactRef: result?.artifactRef ?? null,
      artifactSha256: result?.artifactSha256 ?? null,
      errorCode: failure?.code ?? null,
      error: failure?.message ?? null,
    };
  }

  private async withTimeout<T>(run: (abort: AttemptAbort) => Promise<T>): Promise<T> {
    const abort = new AttemptAbort();
    const seconds = this.config.actionTimeoutSeconds;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        // Rejected before the signal aborts: a handler that gives up at once on its signal
        // would otherwise settle the race first, and its own error would stand for the timeout.
        reject(new ActionFailure(ACTION_TIMEOUT, `No result within ${seconds}s`, true));
        abort.abort();
      }, seconds * 1000);
    });
    try {
      return await Promise.race([run(abort), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
