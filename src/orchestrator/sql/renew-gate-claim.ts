import { Sql, sql } from '../../database/sql';
import type { SqlDialect } from '../../database/sql-dialect';
import { claimGate } from '../../control/sql/switchboard';
import { renewLease } from '../../lease/sql/renew-lease';
import { Claim, claimAssignments, dueActionIds } from '../../queue/sql/claim-due';
import { QUALIFIED_ACTION_COLUMNS } from '../../queue/sql/action-row';
import type { ClaimAtInsert } from '../../queue/sql/insert-actions';

export interface RenewGateClaim extends Claim {
  ttlSeconds: number;
  /** The proof switch as the last tick saw it: the mode `mode` was chosen for. */
  expectedProofMode: boolean;
}

/** Over `renewal` and `gate`: the lease is still this leader's and actions may start. */
const MAY_CLAIM = sql`exists (select 1 from renewal) and (select open from gate)`;

/**
 * The tick of a leader with nothing to take back, in one statement, one round trip and one
 * commit (PostgreSQL only: it needs a dialect with `writingCtes`):
 *
 * - `renewal`, a data-modifying CTE, renews the lease (lease/sql/renew-lease.ts) and yields a
 *   row only while it is still this leader's at this epoch;
 * - `gate` reads the switchboard (control/sql/switchboard.ts) and says whether actions may
 *   start: neither paused nor killed, and the proof switch still where the claim's mode
 *   expects it;
 * - `due` and `claimed` claim the batch as queue/sql/claim-due.ts does, only if both hold.
 *
 * One row always comes back, from the gate: the renewal's row (null: the lease is lost) and the
 * gate's as JSON, then the claimed actions' columns (null when nothing was claimed), one row per
 * action. A tick of 1,000 actions spent 15.4–16.0 ms on it from the service, 9.9 ms of it
 * PostgreSQL's execution (W2, BENCHMARKS.md "What a tick spends"); an idle tick is this
 * statement and its ledger row.
 */
export function renewGateClaim(d: SqlDialect, p: RenewGateClaim): Sql {
  return sql`with ${renewalAndGate(d, p)},
    due as (${dueActionIds(d, p.limit, MAY_CLAIM)} ${d.skipLocked}),
    claimed as (
      update aol_actions ${claimAssignments(d, p)}
      from due
      where aol_actions.id = due.id
      returning ${QUALIFIED_ACTION_COLUMNS})
    select row_to_json(renewal) as renewal_row, row_to_json(gate) as gate_row, claimed.*
    from gate left join renewal on true left join claimed on true`;
}

function renewalAndGate(d: SqlDialect, p: Omit<RenewGateClaim, 'limit' | 'mode'>): Sql {
  return sql`renewal as (${renewLease(d, { owner: p.fence.owner, epoch: p.fence.epoch, ttlSeconds: p.ttlSeconds })}),
    gate as (${claimGate(d, p.expectedProofMode)})`;
}

/**
 * renewGateClaim's renewal and gate for an insert that claims what it adds
 * (queue/sql/insert-actions.ts, insertActionsAndChain): the enqueue that finds the leader idle
 * renews its lease, reads the switchboard and claims in its own statement. The statement's rows
 * carry the renewal's row and the gate's flags as renewGateClaim's do.
 */
export function renewGateAtInsert(d: SqlDialect, p: Omit<RenewGateClaim, 'limit'>): ClaimAtInsert {
  return {
    fence: p.fence,
    mode: p.mode,
    ctes: renewalAndGate(d, p),
    open: MAY_CLAIM,
    columns: sql`(select row_to_json(renewal) from renewal) as renewal_row, (select row_to_json(gate) from gate) as gate_row`,
  };
}
