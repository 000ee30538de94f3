import { raw, Sql, sql } from '../../database/sql';
import type { RecordsetColumn, SqlDialect } from '../../database/sql-dialect';
import { toNullableDate } from '../../database/sql-dialect';
import type { StatementParts } from '../../audit/sql/append-entries';
import { ActionStatus, ActionType } from '../../actions/action-status';
import { ExecutionMode } from '../../actions/execution-mode';
import type { ActionEntity } from '../action.entity';
import { APPROVAL_EXEMPT_TYPES, PENDING } from './approval';
import { Claim, dueActionIds } from './claim-due';

export interface NewAction {
  idempotencyKey: string;
  type: ActionType;
  payload: Record<string, unknown>;
  priority: number;
  /** Not before this time; null: due at once. */
  runAfter: Date | null;
  /** Who asked (the caller's actor name); null when unknown. */
  enqueuedBy: string | null;
}

const INSERT = raw(
  'insert into aol_actions (idempotency_key, type, payload, priority, run_after, enqueued_by, status, attempts, attempt_floor, rescues, created_at, updated_at)',
);
/** INSERT with the columns a claim sets (see claimAssignments in claim-due.ts). */
const INSERT_CLAIMED = raw(
  'insert into aol_actions (idempotency_key, type, payload, priority, run_after, enqueued_by, status, attempts, attempt_floor, rescues, claimed_by, claim_epoch, claim_mode, started_at, created_at, updated_at)',
);
// Every other column of a new row is what the caller or the statement wrote: read back only
// what the database chose (the status depends on the switchboard under AOL_APPROVAL=real), and
// what a claim at the insert set. For 1,000 rows the read-back costs about 1.8 ms of the insert's
// 12 ms, the ON CONFLICT check about 2 ms (EXPLAIN ANALYZE, BENCHMARKS.md "W3 bulk").
const RETURNED = raw('id, idempotency_key, status, created_at');
const RETURNED_CLAIMED = raw('id, idempotency_key, status, created_at, attempts, claimed_by, claim_epoch, claim_mode, started_at');
const ON_CONFLICT = sql`on conflict (idempotency_key) do nothing returning ${RETURNED}`;

/** A batch's actions as the insert reads them: one JSON record per action. */
const SOURCE_COLUMNS: readonly RecordsetColumn[] = [
  { name: 'idempotency_key', type: 'text' },
  { name: 'type', type: 'text' },
  { name: 'payload', type: 'jsonb' },
  { name: 'priority', type: 'int' },
  { name: 'run_after', type: 'timestamptz' },
  { name: 'enqueued_by', type: 'text' },
];

function sourceRow(d: SqlDialect, action: NewAction): Record<string, unknown> {
  return {
    idempotency_key: action.idempotencyKey,
    type: action.type,
    payload: action.payload,
    priority: action.priority,
    run_after: action.runAfter ? d.dateParam(action.runAfter) : null,
    enqueued_by: action.enqueuedBy,
  };
}

/**
 * The actions whose idempotency keys are new, in one statement; returns the rows it inserted.
 * The UNIQUE constraint decides races: of concurrent inserts of one key exactly one lands, the
 * others insert nothing and read the winner's row. One action, the commonest call (and what
 * concurrent single enqueues share, see StatementCoalescer), is the plainest statement; many
 * travel as one JSON parameter, so one statement inserts 1,000 rows (7.7 ms of execution for
 * 1,000 on a warm session, 11.5–12.4 ms from a client). `status` is the new rows' status
 * (PENDING, or AWAITING_APPROVAL under the approval policy: see approval.ts).
 */
export function insertActions(d: SqlDialect, actions: readonly NewAction[], status: Sql): Sql {
  if (actions.length === 1) {
    const [action] = actions;
    const runAfter = action.runAfter ? sql`${d.dateParam(action.runAfter)}` : d.now;
    return sql`${INSERT} values (${action.idempotencyKey}, ${action.type}, ${d.jsonParam(action.payload)}, ${action.priority}, ${runAfter}, ${action.enqueuedBy}, ${status}, 0, 0, 0, ${d.now}, ${d.now}) ${ON_CONFLICT}`;
  }
  const source = d.recordset(
    'source',
    SOURCE_COLUMNS,
    actions.map((action) => sourceRow(d, action)),
  );
  return sql`${INSERT}
    select source.idempotency_key, source.type, source.payload, source.priority, coalesce(source.run_after, ${d.now}), source.enqueued_by, ${status}, 0, 0, 0, ${d.now}, ${d.now}
    from ${source}
    where true -- SQLite needs a WHERE before ON CONFLICT in INSERT … SELECT, to tell it from a join
    ${ON_CONFLICT}`;
}

/**
 * A claim made by the insert that adds the actions (insertActionsAndChain), for a leader whose
 * tick is idle: the claimer's CTEs (`ctes`, its lease's renewal and the switchboard's gate) go
 * before the insert, `open` over them says whether it may claim now, and `columns` is what the
 * statement returns of them beside each row inserted.
 */
export interface ClaimAtInsert extends Pick<Claim, 'fence' | 'mode'> {
  ctes: Sql;
  open: Sql;
  columns: Sql;
}

/**
 * insertActions for PostgreSQL's one-statement enqueue (audit/sql/append-entries.ts,
 * appendEnqueueBatchesInSql): the CTEs up to `enqueued`, one row per action inserted with its
 * entry's tail (`entryTails[i]` for `actions[i]`, see audit-fact.ts, enqueuedActionTail) and its
 * place in the call, and the final select, of the rows insertActions returns. Types exempt from
 * approval take PENDING and the others `status`, in the one statement.
 *
 * With a `claim` (for no more actions than the claimer's claim would take), the rows that would
 * go in PENDING and due go in already claimed instead (claim-due.ts's claimAssignments, written
 * as the insert's values) when the claimer's `open` holds and no other action is due: then they
 * are exactly what the claimer's next claim would take, and the claim costs no round trip and no
 * commit of its own. Otherwise they go in as without a claim, and the claimer's next tick finds
 * them.
 */
export function insertActionsAndChain(
  d: SqlDialect,
  actions: readonly NewAction[],
  entryTails: readonly string[],
  status: Sql,
  claim: ClaimAtInsert | null = null,
): StatementParts {
  const source = d.recordset(
    'given',
    [...SOURCE_COLUMNS, { name: 'ord', type: 'int' }, { name: 'exempt', type: 'boolean' }, { name: 'tail', type: 'text' }],
    actions.map((action, ord) => ({ ...sourceRow(d, action), ord, exempt: APPROVAL_EXEMPT_TYPES.has(action.type), tail: entryTails[ord] })),
  );
  const firstStatus = sql`case when given.exempt then ${PENDING} else ${status} end`;
  const given = (claimed: Sql) => sql`source as (select given.*, ${firstStatus} as first_status${claimed} from ${source})`;
  // `written`: the status and what the insert's column list adds after it.
  const inserted = (insert: Sql, written: Sql, returned: Sql) => sql`inserted as (${insert}
        select source.idempotency_key, source.type, source.payload, source.priority, coalesce(source.run_after, ${d.now}), source.enqueued_by,
               ${written}, ${d.now}, ${d.now}
        from source
        on conflict (idempotency_key) do nothing returning ${returned}),
      enqueued as (select inserted.id, inserted.created_at, source.tail, source.ord from inserted join source on source.idempotency_key = inserted.idempotency_key)`;
  if (!claim) {
    return {
      prelude: sql`${given(raw(''))},
      ${inserted(INSERT, sql`source.first_status, 0, 0, 0`, RETURNED)}`,
      result: sql`select ${RETURNED} from inserted`,
    };
  }
  const claims = sql`(select ${claim.open} and not exists (${dueActionIds(d, 1)})) and ${firstStatus} = ${PENDING} and coalesce(given.run_after, ${d.now}) <= ${d.now}`;
  const ifClaimed = (value: Sql, otherwise: Sql = raw('null')) => sql`case when source.claimed then ${value} else ${otherwise} end`;
  const started = claim.mode === ExecutionMode.PROOF ? d.now : raw('null');
  const written = sql`${ifClaimed(raw(`'RUNNING'`), sql`source.first_status`)}, ${ifClaimed(raw('1'), raw('0'))}, 0, 0,
               ${ifClaimed(sql`${claim.fence.owner}`)}, ${ifClaimed(sql`${claim.fence.epoch}::bigint`)}, ${ifClaimed(sql`${claim.mode}`)}, ${ifClaimed(started)}`;
  return {
    prelude: sql`${claim.ctes},
      ${given(sql`, ${claims} as claimed`)},
      ${inserted(INSERT_CLAIMED, written, RETURNED_CLAIMED)}`,
    result: sql`select ${RETURNED_CLAIMED}, ${claim.columns} from inserted`,
  };
}

/**
 * A row insertActions wrote: what the caller gave, the statement's constants, and what the
 * database chose: id, status and clock (created_at, which is also updated_at, and run_after
 * unless one was given), and a claim made at the insert (insertActionsAndChain) where the row
 * says so.
 */
export function toInsertedAction(d: SqlDialect, action: NewAction, row: Record<string, unknown>): ActionEntity {
  const createdAt = d.toDate(row.created_at);
  return {
    id: Number(row.id),
    idempotencyKey: action.idempotencyKey,
    type: action.type,
    payload: action.payload,
    status: row.status as ActionStatus,
    attempts: row.attempts === undefined ? 0 : Number(row.attempts),
    attemptFloor: 0,
    priority: action.priority,
    runAfter: action.runAfter ?? createdAt,
    lastErrorCode: null,
    lastError: null,
    claimedBy: (row.claimed_by as string | null | undefined) ?? null,
    claimEpoch: row.claim_epoch === null || row.claim_epoch === undefined ? null : Number(row.claim_epoch),
    claimMode: (row.claim_mode as ExecutionMode | null | undefined) ?? null,
    startedAt: toNullableDate(d, row.started_at),
    rescues: 0,
    deferrals: 0,
    artifactRef: null,
    artifactSha256: null,
    remoteId: null,
    remoteUrl: null,
    enqueuedBy: action.enqueuedBy,
    approvedBy: null,
    approvedAt: null,
    approvalReason: null,
    approvedPayloadSha256: null,
    createdAt,
    updatedAt: createdAt,
    finishedAt: null,
  };
}
