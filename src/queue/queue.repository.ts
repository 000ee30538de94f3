import { Injectable } from '@nestjs/common';
import type { PageRequest } from '../database/pagination';
import { AolConfig } from '../config/aol-config';
import { Sql } from '../database/sql';
import { SqlDatabase, SqlExecutor, SqlRow } from '../database/sql-database';
import { enqueueBatchFacts, enqueuedActionTail } from '../audit/audit-fact';
import { AuditService } from '../audit/audit.service';
import { StatementCoalescer } from '../database/statement-coalescer';
import { ActionStatus } from '../actions/action-status';
import type { LeaseFence } from '../lease/sql/lease-fence';
import { ActionEntity } from './action.entity';
import { toActionRecords } from './sql/action-row';
import { BulkChange, bulkChange, BulkFilter, countMatching } from './sql/bulk-change';
import { Approval, APPROVAL_EXEMPT_TYPES, approveAction, holdForApproval, PENDING, rejectAction, unapprovedStatus } from './sql/approval';
import { cancelAction } from './sql/cancel-action';
import { Claim, claimDue, inClaimOrder } from './sql/claim-due';
import { countByStatus } from './sql/count-by-status';
import { actionsByIds, actionsByKeys, actionsChangedSince, runningActions } from './sql/find-actions';
import { ClaimAtInsert, insertActions, insertActionsAndChain, NewAction, toInsertedAction } from './sql/insert-actions';
import type { InsertClaimer } from './insert-claim';
import { ActionFilter, countActions, listActions } from './sql/list-actions';
import { dueAgeSeconds, oldestDueAge } from './sql/oldest-due-age';
import { deleteFinishedActions, FinishedActions, selectFinishedActions } from './sql/prune-finished-actions';
import { FailureWrite, recordFailures } from './sql/record-failures';
import { recordSuccesses, SuccessWrite } from './sql/record-successes';
import { RecordedChange, toRecordedChange } from './sql/recorded-change';
import { markStarted } from './sql/mark-started';
import { Hold, releaseUnstarted, UnstartedClaim } from './sql/release-unstarted';
import { requeueAction } from './sql/requeue-action';
import { resolveNotPosted, resolvePosted } from './sql/resolve-action';
import { RescueWrite, takeBack } from './sql/take-back';

/**
 * Single inserts in flight at once (callers beyond it wait and share the next statement), and
 * the most one shared statement carries. One in flight measured best (BENCHMARKS.md).
 */
const SINGLE_INSERTS = { inFlight: 1, perStatement: 100 } as const;

export type { ActionFilter };

/** A filter on nothing but the status (or on nothing): its count is read from aol_queue_counts, not counted. */
export function filtersByStatusOnly(filter: ActionFilter): boolean {
  return !filter.type && !filter.createdAfter && !filter.createdBefore && !filter.idempotencyKey && !filter.errorCode;
}

/**
 * Every read and write of aol_actions: the statements of queue/sql/ run on the caller's
 * executor (a transaction, or the database), and the listing on an EntityManager. The
 * leader's state changes are one statement each, fenced: they touch a row only while it is
 * RUNNING under the caller's claim epoch and the caller still holds the lease at that epoch.
 */
@Injectable()
export class QueueRepository {
  /** Single inserts made while another is in flight share the next statement (see insertOne). */
  private readonly singleInserts = new StatementCoalescer<NewAction, ActionEntity | null>({
    maxInFlight: SINGLE_INSERTS.inFlight,
    maxBatch: SINGLE_INSERTS.perStatement,
    keyOf: (action) => action.idempotencyKey,
    run: async (actions) => {
      const inserted = await this.insertNewAlone(actions);
      const byKey = new Map(inserted.map((row) => [row.idempotencyKey, row]));
      return actions.map((action) => byKey.get(action.idempotencyKey) ?? null);
    },
  });

  /** The status of an action without an approval, by AOL_APPROVAL and the mode in force (sql/approval.ts). */
  private readonly unapprovedStatus: Sql;
  private claimer: InsertClaimer | null = null;

  constructor(
    private readonly db: SqlDatabase,
    private readonly audit: AuditService,
    config: AolConfig,
  ) {
    this.unapprovedStatus = unapprovedStatus(config.approval, config.proofModeOnly);
  }

  /**
   * insertNew for one action, outside any transaction: the row inserted, or null when its key
   * exists. Concurrent callers share statements: one that arrives while a single insert is in
   * flight joins the others that do in the next, so many enqueues cost one round trip and one
   * commit; a lone caller's insert goes out at once. Each caller's insert is still atomic
   * and answered on its own: a key given twice never shares a statement, and a row the database
   * refuses is tried again alone, failing only its caller.
   */
  insertOne(action: NewAction): Promise<ActionEntity | null> {
    return this.singleInserts.submit(action);
  }

  /**
   * Inserts the actions whose idempotency keys are new (queue/sql/insert-actions.ts), and the
   * audit entries naming them (one per 100), in the caller's transaction; returns the rows inserted.
   */
  async insertNew(actions: readonly NewAction[], tx: SqlExecutor): Promise<ActionEntity[]> {
    const statement = this.insertAndChain(actions);
    if (statement) return this.insertedRows(actions, await tx.query(statement));
    const d = this.db.dialect;
    // Types exempt from approval go in as PENDING: one statement per status a call needs.
    const exempt = actions.filter((action) => APPROVAL_EXEMPT_TYPES.has(action.type));
    const others = actions.filter((action) => !APPROVAL_EXEMPT_TYPES.has(action.type));
    const inserted = [
      ...(exempt.length > 0 ? await tx.query(insertActions(d, exempt, PENDING)) : []),
      ...(others.length > 0 ? await tx.query(insertActions(d, others, this.unapprovedStatus)) : []),
    ];
    const rows = this.insertedRows(actions, inserted);
    await this.audit.append(tx, enqueueBatchFacts(rows));
    return rows;
  }

  /**
   * Lets `claimer` (the leader's tick) claim what single inserts add, in their own statement
   * (insertActionsAndChain), where an insert is one statement (see insertAndChain).
   */
  claimAtInsertWith(claimer: InsertClaimer): void {
    this.claimer = claimer;
  }

  /**
   * insertNew on its own: one statement where the database allows it (insertAndChain), with a
   * claim when the claimer offers one, else in a transaction.
   */
  private async insertNewAlone(actions: readonly NewAction[]): Promise<ActionEntity[]> {
    const offered = this.audit.appendsInStatement ? (this.claimer?.(actions.length) ?? null) : null;
    const statement = this.insertAndChain(actions, offered?.claim ?? null);
    if (!statement) return this.db.transaction((tx) => this.insertNew(actions, tx));
    let rows: SqlRow[];
    try {
      rows = await this.db.query(statement);
    } catch (error) {
      offered?.settle({ error });
      throw error;
    }
    const inserted = this.insertedRows(actions, rows);
    offered?.settle({ claimed: inserted.filter((action) => action.status === ActionStatus.RUNNING), row: rows[0] });
    return inserted;
  }

  /**
   * The insert and its audit entries as one statement (PostgreSQL without head signing, see
   * AuditService.enqueueStatement): a lone enqueue is one round trip and one commit. Null
   * where they take steps of their own.
   */
  private insertAndChain(actions: readonly NewAction[], claim: ClaimAtInsert | null = null): Sql | null {
    return this.audit.enqueueStatement(() =>
      insertActionsAndChain(this.db.dialect, actions, actions.map(enqueuedActionTail), this.unapprovedStatus, claim),
    );
  }

  /** The rows an insert returned, as actions: each with what its caller gave. */
  private insertedRows(actions: readonly NewAction[], inserted: readonly SqlRow[]): ActionEntity[] {
    const byKey = new Map(actions.map((action) => [action.idempotencyKey, action]));
    return inserted.map((row) => toInsertedAction(this.db.dialect, byKey.get(row.idempotency_key as string)!, row));
  }

  async findByKeys(keys: readonly string[], executor: SqlExecutor = this.db): Promise<ActionEntity[]> {
    if (keys.length === 0) return [];
    return toActionRecords(await executor.query(actionsByKeys(this.db.dialect, keys)), this.db.dialect);
  }

  /** Claims up to `limit` due actions (queue/sql/claim-due.ts), in claim order. */
  async claimDue(claim: Claim): Promise<ActionEntity[]> {
    return inClaimOrder(toActionRecords(await this.db.query(claimDue(this.db.dialect, claim)), this.db.dialect));
  }

  /**
   * Records the outcome of a batch of attempts in at most two statements (queue/sql/record-*.ts):
   * successes, then failures. Returns, for each row it changed, what the caller does not
   * already know (the rest it wrote itself); a row missing was fenced off.
   */
  async recordAttempts(
    successes: readonly SuccessWrite[],
    failures: readonly FailureWrite[],
    fence: LeaseFence,
    executor: SqlExecutor = this.db,
  ): Promise<RecordedChange[]> {
    const d = this.db.dialect;
    const changed = [
      ...(successes.length > 0 ? await executor.query(recordSuccesses(d, fence, successes)) : []),
      ...(failures.length > 0 ? await executor.query(recordFailures(d, fence, failures)) : []),
    ];
    return changed.map((row) => toRecordedChange(row, d));
  }

  /** The write-ahead mark of attempts about to start (queue/sql/mark-started.ts); returns the ids marked. */
  async markStarted(ids: readonly number[], fence: LeaseFence): Promise<Set<number>> {
    if (ids.length === 0) return new Set();
    const rows = await this.db.query<{ id: unknown }>(markStarted(this.db.dialect, ids, fence));
    return new Set(rows.map((row) => Number(row.id)));
  }

  async releaseUnstarted(ids: readonly number[], fence: LeaseFence, which: UnstartedClaim, hold?: Hold): Promise<ActionEntity[]> {
    if (ids.length === 0) return [];
    return toActionRecords(await this.db.query(releaseUnstarted(this.db.dialect, ids, fence, which, hold)), this.db.dialect);
  }

  async findChangedSince(since: Date, statuses: readonly ActionStatus[], afterId: number, limit: number): Promise<ActionEntity[]> {
    return toActionRecords(await this.db.query(actionsChangedSince(this.db.dialect, since, statuses, afterId, limit)), this.db.dialect);
  }

  async findRunning(): Promise<ActionEntity[]> {
    return toActionRecords(await this.db.query(runningActions()), this.db.dialect);
  }

  async takeBack(
    ids: readonly number[],
    fence: LeaseFence,
    outcome: RescueWrite,
    executor: SqlExecutor = this.db,
  ): Promise<ActionEntity[]> {
    if (ids.length === 0) return [];
    return toActionRecords(await executor.query(takeBack(this.db.dialect, ids, fence, outcome)), this.db.dialect);
  }

  /** Null if the action was not PENDING, RETRY, AWAITING_APPROVAL, NEEDS_REVIEW or DLQ. */
  async cancel(id: number, executor: SqlExecutor = this.db): Promise<ActionEntity | null> {
    return this.first(await executor.query(cancelAction(this.db.dialect, id)));
  }

  /** Null if the action was not DLQ or NEEDS_REVIEW. */
  async requeue(id: number, executor: SqlExecutor = this.db): Promise<ActionEntity | null> {
    return this.first(await executor.query(requeueAction(this.db.dialect, id)));
  }

  /** Null if the action was not AWAITING_APPROVAL. */
  async approve(approval: Approval, executor: SqlExecutor = this.db): Promise<ActionEntity | null> {
    return this.first(await executor.query(approveAction(this.db.dialect, approval)));
  }

  /** Null if the action was not AWAITING_APPROVAL. */
  async reject(id: number, actor: string, reason: string, executor: SqlExecutor = this.db): Promise<ActionEntity | null> {
    return this.first(await executor.query(rejectAction(this.db.dialect, id, actor, reason)));
  }

  /** Null if the action was not NEEDS_REVIEW. */
  async resolvePosted(
    id: number,
    remote: { remoteId: string | null; remoteUrl: string | null },
    executor: SqlExecutor = this.db,
  ): Promise<ActionEntity | null> {
    return this.first(await executor.query(resolvePosted(this.db.dialect, id, remote)));
  }

  /** Null if the action was not NEEDS_REVIEW. */
  async resolveNotPosted(id: number, executor: SqlExecutor = this.db): Promise<ActionEntity | null> {
    return this.first(await executor.query(resolveNotPosted(this.db.dialect, id, this.unapprovedStatus)));
  }

  /** Claimed actions that need a (new) approval, back to AWAITING_APPROVAL (sql/approval.ts). */
  async holdForApproval(ids: readonly number[], fence: LeaseFence): Promise<ActionEntity[]> {
    if (ids.length === 0) return [];
    return toActionRecords(await this.db.query(holdForApproval(this.db.dialect, ids, fence)), this.db.dialect);
  }

  /** One batch of a bulk change (queue/sql/bulk-change.ts); returns the ids it changed. */
  async changeMatching(change: BulkChange, filter: BulkFilter, afterId: number, limit: number, executor: SqlExecutor): Promise<number[]> {
    const rows = await executor.query<{ id: unknown }>(bulkChange(this.db.dialect, change, filter, afterId, limit));
    return rows.map((row) => Number(row.id));
  }

  async countMatching(filter: BulkFilter): Promise<number> {
    const [row] = await this.db.query<{ count: unknown }>(countMatching(this.db.dialect, filter));
    return Number(row.count);
  }

  async countByStatus(): Promise<Map<ActionStatus, number>> {
    const rows = await this.db.query<{ status: ActionStatus; count: unknown }>(countByStatus());
    return new Map(rows.map((row) => [row.status, Number(row.count)]));
  }

  /** Seconds the longest-waiting due action has been due, by the database's clock; null if none is. */
  async oldestDueAgeSeconds(): Promise<number | null> {
    const [row] = await this.db.query<{ age_ms: unknown }>(oldestDueAge(this.db.dialect));
    return dueAgeSeconds(row?.age_ms);
  }

  private first(rows: Record<string, unknown>[]): ActionEntity | null {
    return toActionRecords(rows, this.db.dialect)[0] ?? null;
  }

  async findByIds(ids: readonly number[], executor: SqlExecutor = this.db): Promise<ActionEntity[]> {
    if (ids.length === 0) return [];
    return toActionRecords(await executor.query(actionsByIds(this.db.dialect, ids)), this.db.dialect);
  }

  async selectFinished(finished: FinishedActions, tx: SqlExecutor): Promise<number[]> {
    return (await tx.query<{ id: unknown }>(selectFinishedActions(this.db.dialect, finished))).map((row) => Number(row.id));
  }

  async deleteFinished(
    ids: readonly number[],
    olderThanDays: number,
    tx: SqlExecutor,
  ): Promise<Array<{ id: number; artifactRef: string | null }>> {
    if (ids.length === 0) return [];
    const rows = await tx.query<{ id: unknown; artifact_ref: string | null }>(deleteFinishedActions(this.db.dialect, ids, olderThanDays));
    return rows.map((row) => ({ id: Number(row.id), artifactRef: row.artifact_ref }));
  }

  async findById(id: number): Promise<ActionEntity | null> {
    return this.db.entityManager().findOne(ActionEntity, { id });
  }

  /** A page of actions, newest first (queue/sql/list-actions.ts). */
  async list(filter: ActionFilter, page: PageRequest, limit: number): Promise<ActionEntity[]> {
    return toActionRecords(await this.db.query(listActions(this.db.dialect, filter, page.beforeId, limit)), this.db.dialect);
  }

  /** How many actions the filter keeps, in one COUNT (filtersByStatusOnly ones are read from countByStatus instead). */
  async count(filter: ActionFilter): Promise<number> {
    const [row] = await this.db.query<{ count: unknown }>(countActions(this.db.dialect, filter));
    return Number(row.count);
  }
}
