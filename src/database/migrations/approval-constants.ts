/**
 * The statuses and control event kinds as the approvals migration sets their CHECK constraints
 * (constants of that migration: later additions belong to a later one).
 */
export const ACTION_STATUSES_WITH_APPROVALS =
  "'PENDING', 'RUNNING', 'RETRY', 'SUCCESS', 'DLQ', 'CANCELLED', 'NEEDS_REVIEW', 'AWAITING_APPROVAL', 'REJECTED'";

export const CONTROL_EVENT_KINDS_WITH_APPROVALS =
  "'PAUSE', 'RESUME', 'KILL', 'REVIVE', 'SET_PROOF_MODE', 'CANCEL_ACTION', 'RETRY_ACTION', 'APPROVE_ACTION', 'REJECT_ACTION', 'RESOLVE_ACTION'";
