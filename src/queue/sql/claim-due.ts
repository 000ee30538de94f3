import { raw, Sql, sql } from '../../database/sql';
import type { SqlDialect } from '../../database/sql-dialect';
import { ExecutionMode } from '../../actions/execution-mode';
import type { ActionEntity } from '../action.entity';
import type { LeaseFence } from '../../lease/sql/lease-fence';
import { ACTION_COLUMNS, QUALIFIED_ACTION_COLUMNS } from './action-row';

export interface Claim {
  fence: LeaseFence;
  limit: number;
  mode: ExecutionMode;
}

/**
 * The ids of due actions in claim order (highest priority, then oldest run_after, then id), at
 * most `limit`, where `condition` holds. Both databases read the partial index
 * aol_actions_due_idx (PENDING/RETRY rows by priority, run_after, id) in that order and stop at
 * the limit; SQLite's planner prefers the (status, id) index and a sort unless told.
 */
export function dueActionIds(d: SqlDialect, limit: number, condition: Sql = sql`true`): Sql {
  return sql`select id from aol_actions ${d.indexedBy('aol_actions_due_idx')}
    where status in ('PENDING', 'RETRY') and run_after <= ${d.now} and ${condition}
    order by priority desc, run_after, id
    limit ${limit}`;
}

/**
 * What claiming does to a row: RUNNING, one more attempt, under the claimer (its owner, epoch
 * and mode). A REAL attempt is not started yet: the leader marks it just before its call
 * (mark-started.ts). A PROOF attempt has no effect outside, so its claim counts as its start:
 * a rescue runs it again rather than giving it back, and the hot path gains no statement.
 */
export function claimAssignments(d: SqlDialect, claim: Claim): Sql {
  return sql`set status = 'RUNNING', attempts = attempts + 1, claimed_by = ${claim.fence.owner}, claim_epoch = ${claim.fence.epoch},
    claim_mode = ${claim.mode}, started_at = ${claim.mode === ExecutionMode.PROOF ? d.now : raw('null')}, updated_at = ${d.now}`;
}

/**
 * Claims up to `limit` due actions in one statement: they become RUNNING under the fence's
 * owner and epoch, with one more attempt counted. On PostgreSQL `FOR UPDATE SKIP LOCKED` lets
 * concurrent claimers pass each other's rows instead of waiting; SQLite has one writer at a
 * time, so `UPDATE … WHERE id IN (…)` is already exclusive. One statement and one commit for a
 * whole batch: a claim of 1,000 took 9.9 ms of PostgreSQL's execution in W2 (BENCHMARKS.md,
 * "What a tick spends"). On PostgreSQL a leader with nothing to take back claims in the same
 * statement as its lease's renewal instead (orchestrator/sql/renew-gate-claim.ts).
 */
export function claimDue(d: SqlDialect, claim: Claim): Sql {
  return d.pick({
    postgresql: () => sql`with due as (${dueActionIds(d, claim.limit)} ${d.skipLocked})
      update aol_actions ${claimAssignments(d, claim)}
      from due
      where aol_actions.id = due.id and ${claim.fence.condition}
      returning ${QUALIFIED_ACTION_COLUMNS}`,
    sqlite: () => sql`update aol_actions ${claimAssignments(d, claim)}
      where id in (${dueActionIds(d, claim.limit)}) and ${claim.fence.condition}
      returning ${ACTION_COLUMNS}`,
  });
}

/** RETURNING has no order: a claimed batch back in claim order. */
export function inClaimOrder(actions: ActionEntity[]): ActionEntity[] {
  return actions.sort((a, b) => b.priority - a.priority || a.runAfter.getTime() - b.runAfter.getTime() || a.id - b.id);
}
