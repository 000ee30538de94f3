import { Inject, Injectable } from '@nestjs/common';
import { attemptBatchFacts } from '../audit/audit-fact';
import { AuditService } from '../audit/audit.service';
import { fetchPage, Page, PageRequest } from '../database/pagination';
import { SqlDatabase, SqlExecutor } from '../database/sql-database';
import { AolTopic, EVENT_BUS, EventBus } from '../events/event-bus';
import { ExecutionLogEntity } from './execution-log.entity';
import { closeAbandonedTicks } from './sql/close-abandoned-ticks';
import { closeTick } from './sql/close-tick';
import { countActionLogs } from './sql/count-action-logs';
import { deleteActionLogs } from './sql/delete-action-logs';
import { AttemptRecord, insertAttemptLogs } from './sql/insert-attempt-logs';
import { openTick } from './sql/open-tick';
import { realAttemptsSince } from './sql/real-attempts-since';
import { PruneIdleTicks, pruneIdleTicks } from './sql/prune-idle-ticks';
import { recordTick } from './sql/record-tick';
import { toTickRecord } from './sql/tick-row';
import { TickEntity } from './tick.entity';
import type { TickStart, TickSummary } from './tick-record';

/** Which ledger rows a listing keeps. */
export interface TickFilter {
  /** Leave out idle ticks (those that attempted nothing: idle, paused, killed). */
  hideIdle?: boolean | null;
  /** Started at or after this time. */
  since?: Date | null;
}

/**
 * The audit trail: one aol_tick_ledger row per tick of the leader, one aol_execution_logs
 * row per attempt. Rows are inserted, and a tick's row is completed once; only retention
 * deletes (idle ticks, and the logs of the finished actions it prunes).
 */
@Injectable()
export class LedgerService {
  constructor(
    private readonly db: SqlDatabase,
    @Inject(EVENT_BUS) private readonly events: EventBus,
    private readonly audit: AuditService,
  ) {}

  /** A tick that ran no action (idle, paused, killed): its one row, written whole. */
  async recordTick(start: TickStart, summary: TickSummary): Promise<TickEntity> {
    const [row] = await this.db.query(recordTick(this.db.dialect, start, summary));
    return this.completed(toTickRecord(row, this.db.dialect));
  }

  /** A tick that is about to run actions: its row, RUNNING until closeTick. */
  async openTick(start: TickStart): Promise<number> {
    const [row] = await this.db.query<{ id: unknown }>(openTick(this.db.dialect, start));
    return Number(row.id);
  }

  /** Completes a tick's row, once; null when its successor closed it already. */
  async closeTick(tickId: number, summary: TickSummary): Promise<TickEntity | null> {
    const [row] = await this.db.query(closeTick(this.db.dialect, tickId, summary));
    return row ? this.completed(toTickRecord(row, this.db.dialect)) : null;
  }

  /**
   * The log rows of a batch of attempts, with their audit entries under the leader's `epoch`,
   * inside the caller's transaction; returns the rows inserted (a repeat inserts nothing twice),
   * to announce once committed.
   */
  async recordAttempts(attempts: readonly AttemptRecord[], epoch: number, tx: SqlExecutor): Promise<ExecutionLogEntity[]> {
    if (attempts.length === 0) return [];
    const rows = await tx.query(insertAttemptLogs(this.db.dialect, attempts));
    // The inserted rows are what was written, with their ids (no need to read them back).
    const written = new Map(attempts.map((attempt) => [attempt.actionId, attempt]));
    return this.auditAttempts(
      rows.map((row) => ({ ...written.get(Number(row.action_id))!, id: Number(row.id) })),
      epoch,
      tx,
    );
  }

  /**
   * The audit entries of log rows inserted in `tx` (by recordAttempts, or by a statement that
   * also records their actions, orchestrator/sql/record-attempts.ts), in the order of their ids.
   */
  async auditAttempts(logs: ExecutionLogEntity[], epoch: number, tx: SqlExecutor): Promise<ExecutionLogEntity[]> {
    logs.sort((a, b) => a.id - b.id);
    await this.audit.append(tx, attemptBatchFacts(logs), epoch);
    return logs;
  }

  /** Deletes a batch of old idle ticks' rows (ledger/sql/prune-idle-ticks.ts); returns the ids deleted. */
  async pruneIdleTicks(prune: PruneIdleTicks): Promise<number[]> {
    const rows = await this.db.query<{ id: unknown }>(pruneIdleTicks(this.db.dialect, prune));
    return rows.map((row) => Number(row.id));
  }

  /** How many log rows the given actions have, read in `tx`. */
  async countActionLogs(actionIds: readonly number[], tx: SqlExecutor): Promise<number> {
    const [row] = await tx.query<{ n: unknown }>(countActionLogs(this.db.dialect, actionIds));
    return Number(row.n);
  }

  /** Deletes the log rows of actions being deleted in `tx` (inside AuditService.removeUnderCheckpoint: otherwise the table refuses DELETE); returns how many, and their artifact references. */
  async deleteActionLogs(actionIds: readonly number[], tx: SqlExecutor): Promise<{ deleted: number; artifactRefs: string[] }> {
    if (actionIds.length === 0) return { deleted: 0, artifactRefs: [] };
    const rows = await tx.query<{ artifact_ref: string | null }>(deleteActionLogs(this.db.dialect, actionIds));
    return { deleted: rows.length, artifactRefs: rows.flatMap((row) => (row.artifact_ref ? [row.artifact_ref] : [])) };
  }

  /** Tells the subscribers about new log rows (call once they are committed). */
  /** REAL attempts started in the last `milliseconds`, with their platform (ledger/sql/real-attempts-since.ts). */
  async realAttemptsSince(milliseconds: number): Promise<Array<{ platform: string; startedAt: Date }>> {
    const d = this.db.dialect;
    const rows = await this.db.query<{ platform: string | null; type: string; started_at: unknown }>(realAttemptsSince(d, milliseconds));
    return rows.map((row) => ({ platform: row.platform ?? row.type, startedAt: d.toDate(row.started_at) }));
  }

  async announceAttempts(logs: readonly ExecutionLogEntity[]): Promise<void> {
    await Promise.all(logs.map((log) => this.events.publish(AolTopic.EXECUTION_LOGGED, log)));
  }

  /** Closes the rows of ticks whose leader died mid-tick, as ERROR with `note`; returns how many. */
  async closeAbandonedTicks(note: string): Promise<number> {
    return (await this.db.query(closeAbandonedTicks(this.db.dialect, note))).length;
  }

  /** Ticks, newest first. */
  /**
   * Ticks, newest first. Without idle ones, from the partial index of ticks that attempted
   * something (most ticks are idle: scanning them all for a page would read the whole ledger).
   */
  async listTicks(filter: TickFilter, page: PageRequest): Promise<Page<TickEntity>> {
    const where = { ...tickWhere(filter), ...(page.beforeId === null ? {} : { id: { $lt: page.beforeId } }) };
    return fetchPage(page, (limit) => this.db.entityManager().find(TickEntity, where, { orderBy: { id: 'desc' }, limit }));
  }

  /** How many ticks the filter keeps, in one COUNT. */
  async countTicks(filter: TickFilter): Promise<number> {
    return this.db.entityManager().count(TickEntity, tickWhere(filter));
  }

  /** How many attempts there are: of one action, or of all. */
  async countExecutionLogs(actionId: number | null): Promise<number> {
    return this.db.entityManager().count(ExecutionLogEntity, actionId === null ? {} : { actionId });
  }

  /** Attempts, newest first: of one action (from the (action_id, attempt) unique index), or of all. */
  async listExecutionLogs(actionId: number | null, page: PageRequest): Promise<Page<ExecutionLogEntity>> {
    const where = {
      ...(actionId === null ? {} : { actionId }),
      ...(page.beforeId === null ? {} : { id: { $lt: page.beforeId } }),
    };
    return fetchPage(page, (limit) => this.db.entityManager().find(ExecutionLogEntity, where, { orderBy: { id: 'desc' }, limit }));
  }

  private async completed(tick: TickEntity): Promise<TickEntity> {
    await this.events.publish(AolTopic.TICK_COMPLETED, tick);
    return tick;
  }
}

function tickWhere(filter: TickFilter): { attempted?: { $gt: 0 }; startedAt?: { $gte: Date } } {
  return {
    ...(filter.hideIdle ? { attempted: { $gt: 0 as const } } : {}),
    ...(filter.since ? { startedAt: { $gte: filter.since } } : {}),
  };
}
