import type { SqlDialect } from '../database/sql-dialect';
import { toNullableDate } from '../database/sql-dialect';
import type { ActionEntity } from './action.entity';
import type { ActionStatus, ActionType } from './action-status';
import type { ExecutionMode } from '../control/execution-mode';

/** The columns of aol_actions, as hand-written statements return them. */
export const ACTION_COLUMNS =
  'id, idempotency_key, type, payload, status, attempts, attempt_floor, priority, run_after, last_error_code, last_error, ' +
  'claimed_by, claim_epoch, claim_mode, rescues, artifact_ref, artifact_sha256, remote_id, remote_url, created_at, updated_at, finished_at';

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
    rescues: Number(row.rescues),
    artifactRef: (row.artifact_ref as string | null) ?? null,
    artifactSha256: (row.artifact_sha256 as string | null) ?? null,
    remoteId: (row.remote_id as string | null) ?? null,
    remoteUrl: (row.remote_url as string | null) ?? null,
    createdAt: dialect.toDate(row.created_at),
    updatedAt: dialect.toDate(row.updated_at),
    finishedAt: toNullableDate(dialect, row.finished_at),
  };
}
