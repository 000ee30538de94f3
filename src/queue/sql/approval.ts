import { raw, Sql, sql } from '../../database/sql';
import type { SqlDialect } from '../../database/sql-dialect';
import { PROOF_MODE_ON } from '../../control/sql/switchboard';
import type { ApprovalPolicy } from '../../config/aol-config';
import type { LeaseFence } from '../../lease/sql/lease-fence';
import { ACTION_COLUMNS } from './action-row';
import { ActionType } from '../../actions/action-status';

/**
 * Types no approval policy holds: a WEBHOOK tells operators about AOL itself (that an action
 * needs approval, among others), so holding it for an approval would hide what asks for one.
 */
export const APPROVAL_EXEMPT_TYPES: ReadonlySet<ActionType> = new Set([ActionType.WEBHOOK]);

export const PENDING = raw(`'PENDING'`);
const AWAITING_APPROVAL = raw(`'AWAITING_APPROVAL'`);

/**
 * The status a new (or sent back) action without an approval takes, as a SQL expression: under
 * `real` it depends on the mode in force, read from the switchboard in the same statement, so
 * an enqueue stays one round trip.
 */
export function unapprovedStatus(policy: ApprovalPolicy, proofModeOnly: boolean): Sql {
  if (policy === 'none' || (policy === 'real' && proofModeOnly)) return PENDING;
  if (policy === 'all') return AWAITING_APPROVAL;
  return sql`case when ${PROOF_MODE_ON} then ${PENDING} else ${AWAITING_APPROVAL} end`;
}

export interface Approval {
  id: number;
  actor: string;
  reason: string;
  /** SHA-256 of the canonical payload as the approver saw it. */
  payloadSha256: string;
}

/**
 * An approval: AWAITING_APPROVAL → PENDING, binding the approval to the hash of the payload the
 * caller read in the same transaction. The tick compares it again before the action runs.
 */
export function approveAction(d: SqlDialect, approval: Approval): Sql {
  return sql`update aol_actions set status = 'PENDING', approved_by = ${approval.actor}, approved_at = ${d.now},
      approval_reason = ${approval.reason}, approved_payload_sha256 = ${approval.payloadSha256}, updated_at = ${d.now}
    where id = ${approval.id} and status = 'AWAITING_APPROVAL'
    returning ${ACTION_COLUMNS}`;
}

/** A rejection: AWAITING_APPROVAL → REJECTED, finished, the refusal kept as its last error. */
export function rejectAction(d: SqlDialect, id: number, actor: string, reason: string): Sql {
  return sql`update aol_actions set status = 'REJECTED', last_error_code = 'REJECTED', last_error = ${`Rejected by ${actor}: ${reason}`},
      updated_at = ${d.now}, finished_at = ${d.now}
    where id = ${id} and status = 'AWAITING_APPROVAL'
    returning ${ACTION_COLUMNS}`;
}

/** The message an action held for a stale approval carries (the approver's name is spliced in by the statement). */
const STALE_MESSAGE = {
  before: 'The payload no longer matches the one ',
  after: ' approved (its SHA-256 changed); nothing was sent. Approve it again or reject it.',
};

/**
 * Claimed actions that may not run without a (new) approval, put back as AWAITING_APPROVAL
 * in one statement right after the claim: the claim's attempt is given back and no log row is
 * written, as for actions never started. One whose approval no longer matches its payload
 * loses that approval and says so (APPROVAL_STALE); one never approved (enqueued while the
 * policy did not ask, or in PROOF mode) simply waits. Fenced like every leader write.
 */
export function holdForApproval(d: SqlDialect, ids: readonly number[], fence: LeaseFence): Sql {
  return sql`update aol_actions
    set status = 'AWAITING_APPROVAL', attempts = attempts - 1, claimed_by = null, claim_epoch = null,
        last_error_code = case when approved_payload_sha256 is null then last_error_code else 'APPROVAL_STALE' end,
        last_error = case when approved_payload_sha256 is null then last_error
          else ${STALE_MESSAGE.before} || approved_by || ${STALE_MESSAGE.after} end,
        approved_by = null, approved_at = null, approval_reason = null, approved_payload_sha256 = null, updated_at = ${d.now}
    where ${d.inList(sql`id`, ids)} and ${d.unindexed(sql`status`)} = 'RUNNING' and claim_epoch = ${fence.epoch} and ${fence.condition}
    returning ${ACTION_COLUMNS}`;
}
