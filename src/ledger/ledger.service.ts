import { Inject, Injectable } from '@nestjs/common';
import { SqlDatabase, SqlExecutor } from '../database/sql-database';
import { AolTopic, EVENT_BUS, EventBus } from '../events/event-bus';
import { fetchPage, Page, PageRequest } from '../graphql/pagination';
import type { ExecutionLogEntity } from './execution-log.entity';
import { EXECUTION_LOG_COLUMNS, TICK_COLUMNS, toExecutionLogRecord, toTickRecord } from './ledger-rows';
import type { TickEntity } from './tick.entity';
import { TickOutcome } from './tick-outcome';

export interface TickCounts {
  attempted: number;
  succeeded: number;
  failed: number;
  retried: number;
  deadLettered: number;
}

export interface TickSummary extends TickCounts {
  outcome: TickOutcome;
  finishedAt: Date;
  durationMs: number;
  note: string | null;
}

export interface TickStart {
  owner: string;
  epoch: number;
  startedAt: Date;
}

export type AttemptRecord = Omit<ExecutionLogEntity, 'id'>;

export const NO_ATTEMPTS: TickCounts = { attempted: 0, succeeded: 0, failed: 0, retried: 0, deadLettered: 0 };

/**
 * The audit trail: one aol_tick_ledger row per tick of the leader, one aol_execution_logs
 * row per attempt. Rows are inserted, and a tick's row is completed once; nothing is deleted.
 */
@Injectable()
export class LedgerService {
  constructor(
    private readonly db: SqlDatabase,
    @Inject(EVENT_BUS) private readonly events: EventBus,
  ) {}

  /** A tick that ran no action (idle, paused, killed): its one row, written whole. */
  async recordTick(start: TickStart, summary: TickSummary): Promise<TickEntity> {
    const { dateParam } = this.db.dialect;
    const rows = await this.db.query(
      `insert into aol_tick_ledger (owner, epoch, started_at, finished_at, duration_ms, outcome, attempted, succeeded, failed, retried, dead_lettered, note)
       values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       returning ${TICK_COLUMNS}`,
      [
        start.owner,
        start.epoch,
        dateParam(start.startedAt),
        dateParam(summary.finishedAt),
        summary.durationMs,
        summary.outcome,
        summary.attempted,
        summary.succeeded,
        summary.failed,
        summary.retried,
        summary.deadLettered,
        summary.note,
      ],
    );
    return this.completed(toTickRecord(rows[0], this.db.dialect));
  }

  /**
   * A tick that is about to run actions: its row exists (RUNNING) before the first attempt,
   * so attempts can point at it and a leader that dies mid-tick leaves a visible trace.
   */
  async openTick(start: TickStart): Promise<number> {
    const rows = await this.db.query<{ id: unknown }>(
      `insert into aol_tick_ledger (owner, epoch, started_at, outcome) values (?, ?, ?, ?) returning id`,
      [start.owner, start.epoch, this.db.dialect.dateParam(start.startedAt), TickOutcome.RUNNING],
    );
    return Number(rows[0].id);
  }

  /**
   * Completes a tick's row, once: only while it is still RUNNING. A leader that was frozen
   * past its lease finds its row already closed by its successor, and changes nothing (null).
   */
  async closeTick(tickId: number, summary: TickSummary): Promise<TickEntity | null> {
    const rows = await this.db.query(
      `update aol_tick_ledger
       set finished_at = ?, duration_ms = ?, outcome = ?, attempted = ?, succeeded = ?, failed = ?, retried = ?, dead_lettered = ?, note = ?
       where id = ? and outcome = ?
       returning ${TICK_COLUMNS}`,
      [
        this.db.dialect.dateParam(summary.finishedAt),
        summary.durationMs,
        summary.outcome,
        summary.attempted,
        summary.succeeded,
        summary.failed,
        summary.retried,
        summary.deadLettered,
        summary.note,
        tickId,
        TickOutcome.RUNNING,
      ],
    );
    return rows.length > 0 ? this.completed(toTickRecord(rows[0], this.db.dialect)) : null;
  }

  /**
   * The log rows of a batch of attempts, in one multi-row insert, inside the caller's
   * transaction (with the actions' new states). One row per attempt at most: (action_id,
   * attempt) is unique, so writing a batch again after a commit whose answer was lost inserts
   * nothing twice. Returns the rows inserted, to announce once committed.
   */
  async recordAttempts(attempts: readonly AttemptRecord[], tx: SqlExecutor): Promise<ExecutionLogEntity[]> {
    if (attempts.length === 0) return [];
    const { dateParam, jsonRecordset } = this.db.dialect;
    const source = jsonRecordset('attempt', [
      { name: 'action_id', type: 'bigint' },
      { name: 'tick_id', type: 'bigint' },
      { name: 'attempt', type: 'int' },
      { name: 'mode', type: 'text' },
      { name: 'outcome', type: 'text' },
      { name: 'started_at', type: 'timestamptz' },
      { name: 'duration_ms', type: 'int' },
      { name: 'artifact_ref', type: 'text' },
      { name: 'artifact_sha256', type: 'text' },
      { name: 'error_code', type: 'text' },
      { name: 'error', type: 'text' },
    ]);
    const rows = await tx.query(
      `insert into aol_execution_logs (action_id, tick_id, attempt, mode, outcome, started_at, duration_ms, artifact_ref, artifact_sha256, error_code, error)
       select attempt.action_id, attempt.tick_id, attempt.attempt, attempt.mode, attempt.outcome, attempt.started_at, attempt.duration_ms,
              attempt.artifact_ref, attempt.artifact_sha256, attempt.error_code, attempt.error
       from ${source}
       where true -- SQLite needs a WHERE before ON CONFLICT in INSERT … SELECT, to tell it from a join
       on conflict (action_id, attempt) do nothing
       returning id, action_id`,
      [
        JSON.stringify(
          attempts.map((attempt) => ({
            action_id: attempt.actionId,
            tick_id: attempt.tickId,
            attempt: attempt.attempt,
            mode: attempt.mode,
            outcome: attempt.outcome,
            started_at: dateParam(attempt.startedAt),
            duration_ms: attempt.durationMs,
            artifact_ref: attempt.artifactRef,
            artifact_sha256: attempt.artifactSha256,
            error_code: attempt.errorCode,
            error: attempt.error,
          })),
        ),
      ],
    );
    // The inserted rows are what was written, with their ids (no need to read them back).
    const written = new Map(attempts.map((attempt) => [attempt.actionId, attempt]));
    return rows.map((row) => ({ ...written.get(Number(row.action_id))!, id: Number(row.id) }));
  }

  /** Tells the subscribers about new log rows (call once they are committed). */
  async announceAttempts(logs: readonly ExecutionLogEntity[]): Promise<void> {
    await Promise.all(logs.map((log) => this.events.publish(AolTopic.EXECUTION_LOGGED, log)));
  }

  /**
   * Closes the ledger rows of ticks whose leader died mid-tick (left RUNNING): ERROR, with a
   * note. Called by a leader before its own tick opens a row, so none of these is its own.
   */
  async closeAbandonedTicks(note: string): Promise<number> {
    const rows = await this.db.query(`update aol_tick_ledger set outcome = ?, finished_at = ?, note = ? where outcome = ? returning id`, [
      TickOutcome.ERROR,
      this.db.dialect.dateParam(new Date()),
      note,
      TickOutcome.RUNNING,
    ]);
    return rows.length;
  }

  async lastTick(): Promise<TickEntity | null> {
    const rows = await this.db.query(`select ${TICK_COLUMNS} from aol_tick_ledger order by id desc limit 1`);
    return rows.length > 0 ? toTickRecord(rows[0], this.db.dialect) : null;
  }

  /** Ticks, newest first. */
  async listTicks(page: PageRequest): Promise<Page<TickEntity>> {
    return fetchPage(page, async (limit) => {
      const rows = await this.db.query(
        `select ${TICK_COLUMNS} from aol_tick_ledger ${page.beforeId === null ? '' : 'where id < ?'} order by id desc limit ?`,
        page.beforeId === null ? [limit] : [page.beforeId, limit],
      );
      return rows.map((row) => toTickRecord(row, this.db.dialect));
    });
  }

  /** Attempts, newest first: of one action (from the (action_id, id) index), or of all. */
  async listExecutionLogs(actionId: number | null, page: PageRequest): Promise<Page<ExecutionLogEntity>> {
    const conditions = [...(actionId === null ? [] : ['action_id = ?']), ...(page.beforeId === null ? [] : ['id < ?'])];
    const params = [...(actionId === null ? [] : [actionId]), ...(page.beforeId === null ? [] : [page.beforeId])];
    return fetchPage(page, async (limit) => {
      const rows = await this.db.query(
        `select ${EXECUTION_LOG_COLUMNS} from aol_execution_logs ${conditions.length ? `where ${conditions.join(' and ')}` : ''}
         order by id desc limit ?`,
        [...params, limit],
      );
      return rows.map((row) => toExecutionLogRecord(row, this.db.dialect));
    });
  }

  private async completed(tick: TickEntity): Promise<TickEntity> {
    await this.events.publish(AolTopic.TICK_COMPLETED, tick);
    return tick;
  }
}
