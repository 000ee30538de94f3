import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/core';
import { SqlDatabase } from '../database/sql-database';
import type { LeaseFence } from '../lease/lease-fence';
import { ActionEntity } from './action.entity';
import { ACTION_COLUMNS, toActionRecord } from './action-row';
import { ActionStatus, ActionType } from './action-status';

export interface NewAction {
  idempotencyKey: string;
  type: ActionType;
  payload: Record<string, unknown>;
}

export interface SuccessWrite {
  artifactRef: string | null;
  artifactSha256: string | null;
  remoteId?: string | null;
  remoteUrl?: string | null;
}

export interface FailureWrite {
  status: ActionStatus.RETRY | ActionStatus.DLQ;
  delaySeconds: number;
  errorCode: string;
  error: string;
}

/**
 * Every statement that reads or changes aol_actions. Each state change is one statement,
 * fenced: it touches a row only while the row is RUNNING under the caller's claim epoch and
 * the caller still holds the lease at that epoch.
 */
@Injectable()
export class QueueRepository {
  constructor(
    private readonly db: SqlDatabase,
    private readonly em: EntityManager,
  ) {}

  /**
   * Inserts the action unless its idempotency key exists. The UNIQUE constraint decides
   * races: of many concurrent callers exactly one insert lands, the others read that row.
   */
  async insertOrFind(action: NewAction): Promise<{ created: boolean; action: ActionEntity }> {
    const { now, jsonParam } = this.db.dialect;
    const inserted = await this.db.query(
      `insert into aol_actions (idempotency_key, type, payload, status, attempts, run_after, created_at, updated_at)
       values (?, ?, ?, 'PENDING', 0, ${now}, ${now}, ${now})
       on conflict (idempotency_key) do nothing
       returning ${ACTION_COLUMNS}`,
      [action.idempotencyKey, action.type, jsonParam(action.payload)],
    );
    if (inserted.length > 0) return { created: true, action: toActionRecord(inserted[0], this.db.dialect) };
    const existing = await this.findByKey(action.idempotencyKey);
    if (!existing) throw new Error(`Action with key ${action.idempotencyKey} vanished between insert and read`);
    return { created: false, action: existing };
  }

  /**
   * Claims up to `limit` due actions, highest priority then oldest due first, in one statement: they become
   * RUNNING under the fence's owner and epoch, with one more attempt counted. On PostgreSQL
   * `FOR UPDATE SKIP LOCKED` lets concurrent claimers pass each other's rows instead of
   * waiting; SQLite has one writer at a time, so the same statement is already exclusive.
   * Both read the partial index aol_actions_due_idx (status in PENDING/RETRY, by priority, run_after, id).
   */
  async claimDue(fence: LeaseFence, limit: number): Promise<ActionEntity[]> {
    const { now } = this.db.dialect;
    const due = `select id from aol_actions
       where status in ('PENDING', 'RETRY') and run_after <= ${now}
       order by priority desc, run_after, id
       limit ?`;
    const rows =
      this.db.dialect.driver === 'postgresql'
        ? await this.db.query(
            `with due as (${due} for update skip locked)
             update aol_actions a
             set status = 'RUNNING', attempts = a.attempts + 1, claimed_by = ?, claim_epoch = ?, updated_at = ${now}
             from due
             where a.id = due.id and ${fence.sql}
             returning ${prefixed('a', ACTION_COLUMNS)}`,
            [limit, fence.owner, fence.epoch, ...fence.params],
          )
        : await this.db.query(
            `update aol_actions
             set status = 'RUNNING', attempts = attempts + 1, claimed_by = ?, claim_epoch = ?, updated_at = ${now}
             where id in (${due}) and ${fence.sql}
             returning ${ACTION_COLUMNS}`,
            [fence.owner, fence.epoch, limit, ...fence.params],
          );
    // RETURNING has no order: put the batch back in claim order.
    return rows
      .map((row) => toActionRecord(row, this.db.dialect))
      .sort((a, b) => b.priority - a.priority || a.runAfter.getTime() - b.runAfter.getTime() || a.id - b.id);
  }

  /** RUNNING → SUCCESS with the artifact. Returns the row, or null if the write was fenced off. */
  async markSucceeded(id: number, fence: LeaseFence, result: SuccessWrite): Promise<ActionEntity | null> {
    const { now } = this.db.dialect;
    return this.updateRunning(
      `status = 'SUCCESS', artifact_ref = ?, artifact_sha256 = ?, remote_id = ?, remote_url = ?,
       last_error_code = null, last_error = null, updated_at = ${now}, finished_at = ${now}`,
      [result.artifactRef, result.artifactSha256, result.remoteId ?? null, result.remoteUrl ?? null],
      id,
      fence,
    );
  }

  /** RUNNING → RETRY (due after the delay, by the database's clock) or DLQ, keeping the error. */
  async markFailed(id: number, fence: LeaseFence, failure: FailureWrite): Promise<ActionEntity | null> {
    const { now, nowPlusSeconds } = this.db.dialect;
    const isRetry = failure.status === ActionStatus.RETRY;
    return this.updateRunning(
      `status = ?, run_after = ${isRetry ? nowPlusSeconds('?') : 'run_after'}, last_error_code = ?, last_error = ?,
       updated_at = ${now}, finished_at = ${isRetry ? 'null' : now}`,
      [failure.status, ...(isRetry ? [failure.delaySeconds] : []), failure.errorCode, failure.error],
      id,
      fence,
    );
  }

  /**
   * Gives claimed actions that were never started back to the queue as they were: attempt
   * count restored, PENDING if they had never been tried, RETRY otherwise, run_after unchanged.
   */
  async releaseUnstarted(ids: readonly number[], fence: LeaseFence): Promise<number> {
    if (ids.length === 0) return 0;
    const { now, inIds, idsParam } = this.db.dialect;
    const rows = await this.db.query(
      `update aol_actions
       set status = case when attempts - 1 <= attempt_floor then 'PENDING' else 'RETRY' end, attempts = attempts - 1,
           claimed_by = null, claim_epoch = null, updated_at = ${now}
       where ${inIds('id')} and status = 'RUNNING' and claim_epoch = ? and ${fence.sql}
       returning id`,
      [idsParam(ids), fence.epoch, ...fence.params],
    );
    return rows.length;
  }

  /** Number of actions in each status, from the (status, created_at) index. */
  async countByStatus(): Promise<Map<ActionStatus, number>> {
    const rows = await this.db.query<{ status: ActionStatus; count: unknown }>(
      'select status, count(*) as count from aol_actions group by status',
    );
    return new Map(rows.map((row) => [row.status, Number(row.count)]));
  }

  async findById(id: number): Promise<ActionEntity | null> {
    return this.em.fork().findOne(ActionEntity, { id });
  }

  async findByKey(idempotencyKey: string): Promise<ActionEntity | null> {
    return this.em.fork().findOne(ActionEntity, { idempotencyKey });
  }

  private async updateRunning(
    assignments: string,
    params: readonly unknown[],
    id: number,
    fence: LeaseFence,
  ): Promise<ActionEntity | null> {
    const rows = await this.db.query(
      `update aol_actions set ${assignments}
       where id = ? and status = 'RUNNING' and claim_epoch = ? and ${fence.sql}
       returning ${ACTION_COLUMNS}`,
      [...params, id, fence.epoch, ...fence.params],
    );
    return rows.length > 0 ? toActionRecord(rows[0], this.db.dialect) : null;
  }
}

function prefixed(alias: string, columns: string): string {
  return columns
    .split(',')
    .map((column) => `${alias}.${column.trim()}`)
    .join(', ');
}
