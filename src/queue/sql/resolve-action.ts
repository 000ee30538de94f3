import { Sql, sql } from '../../database/sql';
import type { SqlDialect } from '../../database/sql-dialect';
import { ACTION_COLUMNS } from './action-row';

/**
 * A person found that a NEEDS_REVIEW action's post exists: SUCCESS with the remote reference
 * they give, without a new attempt (no log row: nothing ran).
 */
export function resolvePosted(d: SqlDialect, id: number, remote: { remoteId: string | null; remoteUrl: string | null }): Sql {
  return sql`update aol_actions set status = 'SUCCESS', remote_id = ${remote.remoteId}, remote_url = ${remote.remoteUrl},
      last_error_code = null, last_error = null, updated_at = ${d.now}, finished_at = ${d.now}
    where id = ${id} and status = 'NEEDS_REVIEW'
    returning ${ACTION_COLUMNS}`;
}

/**
 * A person found that a NEEDS_REVIEW action's post does not exist: back to the queue, due now,
 * with a fresh retry budget, as `unapproved` says (PENDING, or AWAITING_APPROVAL under the
 * policy) unless it carries an approval.
 */
export function resolveNotPosted(d: SqlDialect, id: number, unapproved: Sql): Sql {
  return sql`update aol_actions
    set status = case when approved_payload_sha256 is null then ${unapproved} else 'PENDING' end,
      attempt_floor = attempts, run_after = ${d.now}, updated_at = ${d.now}, finished_at = null
    where id = ${id} and status = 'NEEDS_REVIEW'
    returning ${ACTION_COLUMNS}`;
}
