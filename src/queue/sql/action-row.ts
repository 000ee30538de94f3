import { raw } from '../../database/sql';
import type { SqlDialect } from '../../database/sql-dialect';
import { toNullableDate } from '../../database/sql-dialect';
import type { ActionEntity } from '../action.entity';
import type { ActionStatus, ActionType } from '../../actions/action-status';
import type { ExecutionMode } from '../../actions/execution-mode';

const COLUMN_NAMES = [
  'id',
  'idempotency_key',
  'type',
  'payload',
  'status',
  'attempts',
  'attempt_floor',
  'priority',
  'run_after',
  'last_error_code',
  'last_error',
  'claimed_by',
  'claim_epoch',
  'claim_mode',
  'started_at',
  'rescues',
  'deferrals',
  'artifact_ref',
  'artifact_sha256',
  'remote_id',
  'remote_url',
  'enqueued_by',
  'approved_by',
  'approved_at',
  'approval_reason',
  'approved_payload_sha256',
  'created_at',
  'updated_at',
  'finished_at',
];

/** The columns of aol_actions, as the statements here return them. */
export const ACTION_COLUMNS = raw(COLUMN_NAMES.join(', '));

/** The same, each qualified by the table's name (where a statement joins another table expression). */
export const QUALIFIED_ACTION_COLUMNS = raw(COLUMN_NAMES.map((column) => `aol_actions.${column}`).join(', '));

/** Maps a raw aol_actions row (either driver) to the entity's shape. */
export function toActionRecord(row: Record<string, unknown>, dialect: SqlDialect): ActionEntity {
  return {
    id: Number(row.id),
    idempotencyKey: row.idempotency_key as string,
    type: row.type as ActionType,
    payload: dialect.toJson<Record<string, unknown>>(row.payload),
    status: row.status as ActionStatus,
    attempts: Number(row.attempts),
    attemptFloor: Number(row.attempt_floor),
    priority: Number(row.priority),
    runAfter: dialect.toDate(row.run_after),
    lastErrorCode: (row.last_error_code as string | null) ?? null,
    lastError: (row.last_error as string | null) ?? null,
    claimedBy: (row.claimed_by as string | null) ?? null,
    claimEpoch: row.claim_epoch === null || row.claim_epoch === undefined ? null : Number(row.claim_epoch),
    claimMode: (row.claim_mode as ExecutionMode | null) ?? null,
    startedAt: toNullableDate(dialect, row.started_at),
    rescues: Number(row.rescues),
    deferrals: Number(row.deferrals),
    artifactRef: (row.artifact_ref as string | null) ?? null,
    artifactSha256: (row.artifact_sha256 as string | null) ?? null,
    remoteId: (row.remote_id as string | null) ?? null,
    remoteUrl: (row.remote_url as string | null) ?? null,
    enqueuedBy: (row.enqueued_by as string | null) ?? null,
    approvedBy: (row.approved_by as string | null) ?? null,
    approvedAt: toNullableDate(dialect, row.approved_at),
    approvalReason: (row.approval_reason as string | null) ?? null,
    approvedPayloadSha256: (row.approved_payload_sha256 as string | null) ?? null,
    createdAt: dialect.toDate(row.created_at),
    updatedAt: dialect.toDate(row.updated_at),
    finishedAt: toNullableDate(dialect, row.finished_at),
  };
}

/** A statement's rows, as actions. */
export function toActionRecords(rows: readonly Record<string, unknown>[], dialect: SqlDialect): ActionEntity[] {
  return rows.map((row) => toActionRecord(row, dialect));
}
