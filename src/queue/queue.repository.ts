import { Injectable } from '@nestjs/common';
import { SqlDatabase, SqlExecutor } from '../database/sql-database';
import type { PageRequest } from '../graphql/pagination';
import type { LeaseFence } from '../lease/lease-fence';
import type { ExecutionMode } from '../control/execution-mode';
import type { ActionEntity } from './action.entity';
import { ACTION_COLUMNS, toActionRecord } from './action-row';
import { SqlFragment, toNullableDate } from '../database/sql-dialect';
import { StatementCoalescer } from '../database/statement-coalescer';
import { ActionStatus, ActionType } from './action-status';

/**
 * Single inserts in flight at once (callers beyond it wait and share the next statement), and
 * the most one shared statement carries. One in flight measured best (BENCHMARKS.md).
 */
const SINGLE_INSERTS = { inFlight: 1, perStatement: 100 } as const;

export interface NewAction {
  idempotencyKey: string;
  type: ActionType;
  payload: Record<string, unknown>;
  priority: number;
  /** Not before this time; null: due at once. */
  runAfter: Date | null;
}

export interface SuccessWrite {
  id: number;
  artifactRef: string | null;
  artifactSha256: string | null;
  remoteId?: string | null;
  remoteUrl?: string | null;
}

export interface FailureWrite {
  id: number;
  status: ActionStatus.RETRY | ActionStatus.DLQ;
  delaySeconds: number;
  errorCode: string;
  error: string;
}

export interface RescueWrite {
  status: ActionStatus.RETRY | ActionStatus.NEEDS_REVIEW;
  errorCode: string;
  error: string;
}

/** What recording an attempt changed that its writer did not choose: the database's times. */
export interface RecordedChange {
  id: number;
  status: ActionStatus;
  runAfter: Date;
  updatedAt: Date;
  finishedAt: Date | null;
}

/** What claimDueRenewing read and did: the renewal's row (null: the lease is lost), the gate's row, the claim. */
export interface RenewingClaim {
  renewal: Record<string, unknown> | null;
  gate: Record<string, unknown>;
  claimed: ActionEntity[];
}

export interface ActionFilter {
  status?: ActionStatus | null;
  type?: ActionType | null;
  createdAfter?: Date | null;
  createdBefore?: Date | null;
}

/**
 * Every statement that reads or changes aol_actions. The leader's state changes are one
 * statement each, fenced: they touch a row only while it is RUNNING under the caller's claim
 * epoch and the caller still holds the lease at that epoch.
 */
@Injectable()
export class QueueRepository {
  /** Single inserts made while another is in flight share the next statement (see insertOne). */
  private readonly singleInserts = new StatementCoalescer<NewAction, ActionEntity | null>({
    maxInFlight: SINGLE_INSERTS.inFlight,
    maxBatch: SINGLE_INSERTS.perStatement,
    keyOf: (action) => action.idempotencyKey,
    run: async (actions) => {
      const byKey = new Map((await this.insertNew(actions)).map((row) => [row.idempotencyKey, row]));
      return actions.map((action) => byKey.get(action.idempotencyKey) ?? null);
    },
  });

  constructor(private readonly db: SqlDatabase) {}

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
   * Inserts the actions whose idempotency keys are new, in one statement, and returns the
   * rows it inserted. The UNIQUE constraint decides races: of concurrent inserts of one key
   * exactly one lands; the others insert nothing and read the winner's row.
   */
  async insertNew(actions: readonly NewAction[], executor: SqlExecutor = this.db): Promise<ActionEntity[]> {
    const { now, dateParam, jsonParam, jsonRecordset } = this.db.dialect;
    const insert =
      'insert into aol_actions (idempotency_key, type, payload, priority, run_after, status, attempts, attempt_floor, rescues, created_at, updated_at)';
    // Every other column of a new row is what the caller or the statement wrote: read back only what the database chose.
    const onConflict = 'on conflict (idempotency_key) do nothing returning id, idempotency_key, created_at';
    if (actions.length === 1) {
      // The single enqueue, the commonest call, as the plainest statement.
      const [action] = actions;
      const runAfter = action.runAfter ? '?' : now;
      const inserted = await executor.query(
        `${insert} values (?, ?, ?, ?, ${runAfter}, 'PENDING', 0, 0, 0, ${now}, ${now}) ${onConflict}`,
        [
          action.idempotencyKey,
          action.type,
          jsonParam(action.payload),
          action.priority,
          ...(action.runAfter ? [dateParam(action.runAfter)] : []),
        ],
      );
      return inserted.map((row) => this.toNewActionRecord(action, row));
    }
    // Many: one JSON parameter carries the whole batch, so one statement inserts 1,000 rows.
    const source = jsonRecordset('source', [
      { name: 'idempotency_key', type: 'text' },
      { name: 'type', type: 'text' },
      { name: 'payload', type: 'jsonb' },
      { name: 'priority', type: 'int' },
      { name: 'run_after', type: 'timestamptz' },
    ]);
    const rows = actions.map((action) => ({
      idempotency_key: action.idempotencyKey,
      type: action.type,
      payload: action.payload,
      priority: action.priority,
      run_after: action.runAfter ? dateParam(action.runAfter) : null,
    }));
    const inserted = await executor.query(
      `${insert}
       select source.idempotency_key, source.type, source.payload, source.priority, coalesce(source.run_after, ${now}), 'PENDING', 0, 0, 0, ${now}, ${now}
       from ${source}
       where true -- SQLite needs a WHERE before ON CONFLICT in INSERT … SELECT, to tell it from a join
       ${onConflict}`,
      [JSON.stringify(rows)],
    );
    const byKey = new Map(actions.map((action) => [action.idempotencyKey, action]));
    return inserted.map((row) => this.toNewActionRecord(byKey.get(row.idempotency_key as string)!, row));
  }

  /**
   * A row insertNew wrote: what the caller gave, the statement's constants, and the database's
   * id and clock (created_at, which is also updated_at, and run_after unless one was given).
   */
  private toNewActionRecord(action: NewAction, row: Record<string, unknown>): ActionEntity {
    const createdAt = this.db.dialect.toDate(row.created_at);
    return {
      id: Number(row.id),
      idempotencyKey: action.idempotencyKey,
      type: action.type,
      payload: action.payload,
      status: ActionStatus.PENDING,
      attempts: 0,
      attemptFloor: 0,
      priority: action.priority,
      runAfter: action.runAfter ?? createdAt,
      lastErrorCode: null,
      lastError: null,
      claimedBy: null,
      claimEpoch: null,
      claimMode: null,
      rescues: 0,
      artifactRef: null,
      artifactSha256: null,
      remoteId: null,
      remoteUrl: null,
      createdAt,
      updatedAt: createdAt,
      finishedAt: null,
    };
  }

  async findByKeys(keys: readonly string[], executor: SqlExecutor = this.db): Promise<ActionEntity[]> {
    if (keys.length === 0) return [];
    const list =
      this.db.dialect.driver === 'postgresql'
        ? 'idempotency_key = any(cast(? as text[]))'
        : 'idempotency_key in (select value from json_each(?))';
    const rows = await executor.query(`select ${ACTION_COLUMNS} from aol_actions where ${list}`, [
      this.db.dialect.driver === 'postgresql' ? keys : JSON.stringify(keys),
    ]);
    return rows.map((row) => toActionRecord(row, this.db.dialect));
  }

  /**
   * Claims up to `limit` due actions, highest priority then oldest due first, in one
   * statement: they become RUNNING under the fence's owner and epoch, with one more attempt
   * counted. On PostgreSQL `FOR UPDATE SKIP LOCKED` lets concurrent claimers pass each other's
   * rows instead of waiting; SQLite has one writer at a time, so the same statement is already
   * exclusive. Both read the partial index aol_actions_due_idx (PENDING/RETRY rows by
   * priority, run_after, id).
   */
  async claimDue(fence: LeaseFence, limit: number, mode: ExecutionMode): Promise<ActionEntity[]> {
    const claim = this.claimAssignments;
    const rows =
      this.db.dialect.driver === 'postgresql'
        ? await this.db.query(
            `with due as (${this.dueSql('true')} for update skip locked)
             update aol_actions ${claim}
             from due
             where aol_actions.id = due.id and ${fence.sql}
             returning ${prefixed('aol_actions', ACTION_COLUMNS)}`,
            [limit, fence.owner, fence.epoch, mode, ...fence.params],
          )
        : await this.db.query(
            `update aol_actions ${claim}
             where id in (${this.dueSql('true')}) and ${fence.sql}
             returning ${ACTION_COLUMNS}`,
            [fence.owner, fence.epoch, mode, limit, ...fence.params],
          );
    return inClaimOrder(rows.map((row) => toActionRecord(row, this.db.dialect)));
  }

  /**
   * claimDue on PostgreSQL in the same statement as the lease's renewal and the switchboard's
   * read: one round trip and one commit. `renewal` is a data-modifying CTE yielding a row
   * only while the lease is still the caller's; `gate` a query of one row whose `open` says
   * whether actions may start. Nothing is claimed unless both hold.
   */
  async claimDueRenewing(
    fence: LeaseFence,
    limit: number,
    mode: ExecutionMode,
    renewal: SqlFragment,
    gate: SqlFragment,
  ): Promise<RenewingClaim> {
    const rows = await this.db.query(
      `with renewal as (${renewal.sql}),
       gate as (${gate.sql}),
       due as (${this.dueSql('exists (select 1 from renewal) and (select open from gate)')} for update skip locked),
       claimed as (
         update aol_actions ${this.claimAssignments}
         from due
         where aol_actions.id = due.id
         returning ${prefixed('aol_actions', ACTION_COLUMNS)})
       select row_to_json(renewal) as renewal_row, row_to_json(gate) as gate_row, claimed.*
       from gate left join renewal on true left join claimed on true`,
      [...renewal.params, ...gate.params, limit, fence.owner, fence.epoch, mode],
    );
    return {
      renewal: (rows[0].renewal_row as Record<string, unknown> | null) ?? null,
      gate: rows[0].gate_row as Record<string, unknown>,
      claimed: inClaimOrder(rows.filter((row) => row.id !== null).map((row) => toActionRecord(row, this.db.dialect))),
    };
  }

  /** What claiming does to a row: RUNNING, one more attempt, under the claimer (owner, epoch, mode: three parameters). */
  private get claimAssignments(): string {
    return `set status = 'RUNNING', attempts = attempts + 1, claimed_by = ?, claim_epoch = ?, claim_mode = ?, updated_at = ${this.db.dialect.now}`;
  }

  /** The ids of due actions in claim order, at most `?` (the limit, the last parameter), where `condition` holds. */
  private dueSql(condition: string): string {
    // SQLite's planner prefers the (status, id) index and a sort; INDEXED BY walks the due
    // index in claim order and stops at the limit.
    return `select id from aol_actions ${this.db.dialect.driver === 'sqlite' ? 'indexed by aol_actions_due_idx' : ''}
       where status in ('PENDING', 'RETRY') and run_after <= ${this.db.dialect.now} and ${condition}
       order by priority desc, run_after, id
       limit ?`;
  }

  /**
   * Records the outcome of a batch of attempts: RUNNING → SUCCESS (with artifact and remote
   * post) in one statement, RUNNING → RETRY (due after its delay, by the database's clock)
   * or DLQ (keeping the error) in another. Fenced: rows no longer RUNNING under this epoch,
   * or a lease this caller no longer holds, are left alone. Returns, for each row it changed,
   * what the caller does not already know (the rest it wrote itself).
   */
  async recordAttempts(
    successes: readonly SuccessWrite[],
    failures: readonly FailureWrite[],
    fence: LeaseFence,
    executor: SqlExecutor = this.db,
  ): Promise<RecordedChange[]> {
    const { now, nowPlusSeconds, jsonRecordset } = this.db.dialect;
    const changes = 'id, status, run_after, updated_at, finished_at';
    // The fence's status and epoch come with each row of the batch: as join conditions they
    // leave PostgreSQL's planner no reason to think few rows of the table match. As filters
    // on the table (guessed 1 row of 20,000 without statistics) they made it scan the table
    // and rescan the whole batch for each row it found: 1,000 completions took 100–240 ms
    // that way, 11–14 ms probing the primary key once per batch row (see BENCHMARKS.md).
    const fenced = (batch: string) =>
      `aol_actions.status = ${batch}.expected_status and aol_actions.claim_epoch = ${batch}.expected_epoch and ${fence.sql}`;
    const expected = { expected_status: ActionStatus.RUNNING, expected_epoch: fence.epoch };
    const changed: Record<string, unknown>[] = [];
    if (successes.length > 0) {
      const source = jsonRecordset('done', [
        { name: 'action_id', type: 'bigint' },
        { name: 'expected_status', type: 'text' },
        { name: 'expected_epoch', type: 'bigint' },
        { name: 'new_artifact_ref', type: 'text' },
        { name: 'new_artifact_sha256', type: 'text' },
        { name: 'new_remote_id', type: 'text' },
        { name: 'new_remote_url', type: 'text' },
      ]);
      changed.push(
        ...(await executor.query(
          `update aol_actions
           set status = 'SUCCESS', artifact_ref = done.new_artifact_ref, artifact_sha256 = done.new_artifact_sha256,
               remote_id = done.new_remote_id, remote_url = done.new_remote_url, last_error_code = null, last_error = null,
               updated_at = ${now}, finished_at = ${now}
           from ${source}
           where aol_actions.id = done.action_id and ${fenced('done')}
           returning ${changes}`,
          [
            JSON.stringify(
              successes.map((write) => ({
                action_id: write.id,
                ...expected,
                new_artifact_ref: write.artifactRef,
                new_artifact_sha256: write.artifactSha256,
                new_remote_id: write.remoteId ?? null,
                new_remote_url: write.remoteUrl ?? null,
              })),
            ),
            ...fence.params,
          ],
        )),
      );
    }
    if (failures.length > 0) {
      const source = jsonRecordset('failed', [
        { name: 'action_id', type: 'bigint' },
        { name: 'expected_status', type: 'text' },
        { name: 'expected_epoch', type: 'bigint' },
        { name: 'new_status', type: 'text' },
        { name: 'delay_seconds', type: 'double precision' },
        { name: 'new_error_code', type: 'text' },
        { name: 'new_error', type: 'text' },
      ]);
      changed.push(
        ...(await executor.query(
          `update aol_actions
           set status = failed.new_status,
               run_after = case when failed.new_status = 'RETRY' then ${nowPlusSeconds('failed.delay_seconds')} else aol_actions.run_after end,
               last_error_code = failed.new_error_code, last_error = failed.new_error, updated_at = ${now},
               finished_at = case when failed.new_status = 'RETRY' then null else ${now} end
           from ${source}
           where aol_actions.id = failed.action_id and ${fenced('failed')}
           returning ${changes}`,
          [
            JSON.stringify(
              failures.map((write) => ({
                action_id: write.id,
                ...expected,
                new_status: write.status,
                delay_seconds: write.delaySeconds,
                new_error_code: write.errorCode,
                new_error: write.error,
              })),
            ),
            ...fence.params,
          ],
        )),
      );
    }
    const { toDate } = this.db.dialect;
    return changed.map((row) => ({
      id: Number(row.id),
      status: row.status as ActionStatus,
      runAfter: toDate(row.run_after),
      updatedAt: toDate(row.updated_at),
      finishedAt: toNullableDate(this.db.dialect, row.finished_at),
    }));
  }

  /**
   * Gives claimed actions that were never started back to the queue as they were: attempt
   * count restored, PENDING if they had never been tried, RETRY otherwise, run_after unchanged.
   */
  async releaseUnstarted(ids: readonly number[], fence: LeaseFence): Promise<ActionEntity[]> {
    if (ids.length === 0) return [];
    const { now, inIds, idsParam, unindexed } = this.db.dialect;
    const rows = await this.db.query(
      `update aol_actions
       set status = case when attempts - 1 <= attempt_floor then 'PENDING' else 'RETRY' end, attempts = attempts - 1,
           claimed_by = null, claim_epoch = null, updated_at = ${now}
       where ${inIds('id')} and ${unindexed('status')} = 'RUNNING' and claim_epoch = ? and ${fence.sql}
       returning ${ACTION_COLUMNS}`,
      [idsParam(ids), fence.epoch, ...fence.params],
    );
    return rows.map((row) => toActionRecord(row, this.db.dialect));
  }

  /** Every RUNNING action, from the (status, id) index of non-SUCCESS rows. */
  async findRunning(): Promise<ActionEntity[]> {
    const rows = await this.db.query(
      `select ${ACTION_COLUMNS} from aol_actions where status = 'RUNNING' and status <> 'SUCCESS' order by id`,
    );
    return rows.map((row) => toActionRecord(row, this.db.dialect));
  }

  /**
   * Takes back actions a dead leader left RUNNING: due again now (RETRY), or parked as
   * NEEDS_REVIEW, with the reason kept as their last error. Fenced like every leader write.
   */
  async takeBack(
    ids: readonly number[],
    fence: LeaseFence,
    outcome: RescueWrite,
    executor: SqlExecutor = this.db,
  ): Promise<ActionEntity[]> {
    if (ids.length === 0) return [];
    const { now, inIds, idsParam, unindexed } = this.db.dialect;
    const rows = await executor.query(
      `update aol_actions
       set status = ?, rescues = rescues + 1, run_after = ${outcome.status === ActionStatus.RETRY ? now : 'run_after'},
           last_error_code = ?, last_error = ?, updated_at = ${now}
       where ${inIds('id')} and ${unindexed('status')} = 'RUNNING' and ${fence.sql}
       returning ${ACTION_COLUMNS}`,
      [outcome.status, outcome.errorCode, outcome.error, idsParam(ids), ...fence.params],
    );
    return rows.map((row) => toActionRecord(row, this.db.dialect));
  }

  /** PENDING/RETRY → CANCELLED, in one conditional statement. Null if the action was in another state. */
  async cancel(id: number, executor: SqlExecutor = this.db): Promise<ActionEntity | null> {
    const { now } = this.db.dialect;
    const rows = await executor.query(
      `update aol_actions set status = 'CANCELLED', updated_at = ${now}, finished_at = ${now}
       where id = ? and status in ('PENDING', 'RETRY')
       returning ${ACTION_COLUMNS}`,
      [id],
    );
    return rows.length > 0 ? toActionRecord(rows[0], this.db.dialect) : null;
  }

  /**
   * DLQ/NEEDS_REVIEW → PENDING, due now, with a fresh retry budget: attempts keep counting
   * (the log rows stay numbered in order), the budget starts again from here.
   */
  async requeue(id: number, executor: SqlExecutor = this.db): Promise<ActionEntity | null> {
    const { now } = this.db.dialect;
    const rows = await executor.query(
      `update aol_actions set status = 'PENDING', attempt_floor = attempts, run_after = ${now}, updated_at = ${now}, finished_at = null
       where id = ? and status in ('DLQ', 'NEEDS_REVIEW')
       returning ${ACTION_COLUMNS}`,
      [id],
    );
    return rows.length > 0 ? toActionRecord(rows[0], this.db.dialect) : null;
  }

  /** Number of actions in each status, from the trigger-kept aol_queue_counts (no scan of the queue). */
  async countByStatus(): Promise<Map<ActionStatus, number>> {
    const rows = await this.db.query<{ status: ActionStatus; count: unknown }>(
      'select status, sum(n) as count from aol_queue_counts group by status',
    );
    return new Map(rows.map((row) => [row.status, Number(row.count)]));
  }

  /** Seconds the longest-waiting due action has been due, by the database's clock; null if none is. */
  async oldestDueAgeSeconds(): Promise<number | null> {
    const { now, epochMs } = this.db.dialect;
    const rows = await this.db.query<{ age_ms: unknown }>(
      `select ${epochMs(now)} - ${epochMs('min(run_after)')} as age_ms
       from aol_actions where status in ('PENDING', 'RETRY') and run_after <= ${now}`,
    );
    const ageMs = rows[0]?.age_ms;
    return ageMs === null || ageMs === undefined ? null : Math.max(0, Number(ageMs)) / 1000;
  }

  async findByIds(ids: readonly number[], executor: SqlExecutor = this.db): Promise<ActionEntity[]> {
    if (ids.length === 0) return [];
    const rows = await executor.query(`select ${ACTION_COLUMNS} from aol_actions where ${this.db.dialect.inIds('id')}`, [
      this.db.dialect.idsParam(ids),
    ]);
    return rows.map((row) => toActionRecord(row, this.db.dialect));
  }

  async findById(id: number, executor: SqlExecutor = this.db): Promise<ActionEntity | null> {
    const rows = await executor.query(`select ${ACTION_COLUMNS} from aol_actions where id = ?`, [id]);
    return rows.length > 0 ? toActionRecord(rows[0], this.db.dialect) : null;
  }

  /** A page of actions, newest first, keyset-paginated on id; (status, id) is indexed. */
  async list(filter: ActionFilter, page: PageRequest, limit: number): Promise<ActionEntity[]> {
    const conditions: string[] = [];
    const params: unknown[] = [];
    const add = (condition: string, value: unknown) => {
      conditions.push(condition);
      params.push(value);
    };
    // Spelling out "not SUCCESS" lets SQLite (which cannot infer it) use the partial (status, id) index.
    if (filter.status) add(filter.status === ActionStatus.SUCCESS ? 'status = ?' : "status = ? and status <> 'SUCCESS'", filter.status);
    if (filter.type) add('type = ?', filter.type);
    if (filter.createdAfter) add('created_at >= ?', this.db.dialect.dateParam(filter.createdAfter));
    if (filter.createdBefore) add('created_at < ?', this.db.dialect.dateParam(filter.createdBefore));
    if (page.beforeId !== null) add('id < ?', page.beforeId);
    const where = conditions.length > 0 ? `where ${conditions.join(' and ')}` : '';
    const rows = await this.db.query(`select ${ACTION_COLUMNS} from aol_actions ${where} order by id desc limit ?`, [...params, limit]);
    return rows.map((row) => toActionRecord(row, this.db.dialect));
  }
}

/** RETURNING has no order: a claimed batch back in claim order. */
function inClaimOrder(actions: ActionEntity[]): ActionEntity[] {
  return actions.sort((a, b) => b.priority - a.priority || a.runAfter.getTime() - b.runAfter.getTime() || a.id - b.id);
}

function prefixed(alias: string, columns: string): string {
  return columns
    .split(',')
    .map((column) => `${alias}.${column.trim()}`)
    .join(', ');
}
