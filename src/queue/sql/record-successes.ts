import { Sql, sql } from '../../database/sql';
import type { SqlDialect } from '../../database/sql-dialect';
import type { LeaseFence } from '../../lease/sql/lease-fence';
import { expectedClaim, fencedByBatch, RECORDED_CHANGE_COLUMNS } from './recorded-change';

export interface SuccessWrite {
  id: number;
  artifactRef: string | null;
  artifactSha256: string | null;
  remoteId?: string | null;
  remoteUrl?: string | null;
}

/**
 * RUNNING → SUCCESS for a batch of attempts, with each one's artifact and remote post, in one
 * statement inside the recording transaction (the log rows go in the same one). Rows are found
 * by id through the primary key: completing 500 actions through the status index took 20 ms
 * (its bitmap scan read 60,500 entries, most of them dead rows of earlier batches), 5.5 ms by
 * id. Fenced (see fencedByBatch); returns the rows it changed.
 */
export function recordSuccesses(d: SqlDialect, fence: LeaseFence, successes: readonly SuccessWrite[]): Sql {
  const done = d.recordset(
    'done',
    [
      { name: 'action_id', type: 'bigint' },
      { name: 'expected_status', type: 'text' },
      { name: 'expected_epoch', type: 'bigint' },
      { name: 'new_artifact_ref', type: 'text' },
      { name: 'new_artifact_sha256', type: 'text' },
      { name: 'new_remote_id', type: 'text' },
      { name: 'new_remote_url', type: 'text' },
    ],
    successes.map((write) => ({
      action_id: write.id,
      ...expectedClaim(fence),
      new_artifact_ref: write.artifactRef,
      new_artifact_sha256: write.artifactSha256,
      new_remote_id: write.remoteId ?? null,
      new_remote_url: write.remoteUrl ?? null,
    })),
  );
  return sql`update aol_actions
    set status = 'SUCCESS', artifact_ref = done.new_artifact_ref, artifact_sha256 = done.new_artifact_sha256,
        remote_id = done.new_remote_id, remote_url = done.new_remote_url, last_error_code = null, last_error = null,
        updated_at = ${d.now}, finished_at = ${d.now}
    from ${done}
    where aol_actions.id = done.action_id and ${fencedByBatch('done', fence)}
    returning ${RECORDED_CHANGE_COLUMNS}`;
}
