/**
 * PENDING → RUNNING → SUCCESS; a failed attempt → RETRY (later run_after) → … → DLQ once
 * the retry budget is spent. CANCELLED by an operator before it starts. NEEDS_REVIEW when
 * an attempt's outcome is unknown and running it again could repeat its effect.
 */
export enum ActionStatus {
  PENDING = 'PENDING',
  RUNNING = 'RUNNING',
  RETRY = 'RETRY',
  SUCCESS = 'SUCCESS',
  DLQ = 'DLQ',
  CANCELLED = 'CANCELLED',
  NEEDS_REVIEW = 'NEEDS_REVIEW',
}

export enum ActionType {
  POST_SOCIAL = 'POST_SOCIAL',
}
