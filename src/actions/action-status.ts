/**
 * PENDING → RUNNING → SUCCESS; a failed attempt → RETRY (later run_after) → … → DLQ once
 * the retry budget is spent. CANCELLED by an operator. NEEDS_REVIEW when an attempt's outcome
 * is unknown and running it again could repeat its effect. AWAITING_APPROVAL while the
 * approval policy (AOL_APPROVAL) wants a person to allow it; REJECTED when that person did not.
 */
export enum ActionStatus {
  PENDING = 'PENDING',
  RUNNING = 'RUNNING',
  RETRY = 'RETRY',
  SUCCESS = 'SUCCESS',
  DLQ = 'DLQ',
  CANCELLED = 'CANCELLED',
  NEEDS_REVIEW = 'NEEDS_REVIEW',
  AWAITING_APPROVAL = 'AWAITING_APPROVAL',
  REJECTED = 'REJECTED',
}

export enum ActionType {
  POST_SOCIAL = 'POST_SOCIAL',
  /** Delivers one event to one webhook subscription (src/webhooks). */
  WEBHOOK = 'WEBHOOK',
}

/**
 * Types only AOL itself enqueues: a WEBHOOK is signed with a subscription's secret, so a caller
 * who could enqueue one could make AOL vouch for an event that never happened.
 */
export const INTERNAL_ACTION_TYPES: ReadonlySet<ActionType> = new Set([ActionType.WEBHOOK]);
