/**
 * Carries AOL's live events (ticks, action changes, flag changes, log rows) from whoever
 * records them to the GraphQL subscriptions. Behind a token so a transport that reaches other
 * processes can replace the in-process one without touching publishers or resolvers.
 * Payloads are plain objects that JSON can carry: their dates are Date objects in the process
 * that publishes them and ISO strings once a transport has carried them to another (the
 * DateTime scalar serializes both).
 */
export interface EventBus {
  publish(topic: string, payload: object): Promise<void>;
  subscribe<T>(topic: string): AsyncIterableIterator<T>;
}

export const EVENT_BUS = Symbol('EVENT_BUS');

/** The topics AOL publishes, one per subscription. */
export const AolTopic = {
  TICK_COMPLETED: 'aol.tickCompleted',
  ACTION_UPDATED: 'aol.actionUpdated',
  CONTROL_FLAGS_CHANGED: 'aol.controlFlagsChanged',
  EXECUTION_LOGGED: 'aol.executionLogged',
  /** Internal: what the leader's retention removed (orchestrator/retention.service.ts RowsPruned), for metrics. */
  ROWS_PRUNED: 'aol.rowsPruned',
  /** Internal: new actions are due now (the payload says how many); wakes the leader. */
  ACTIONS_DUE: 'aol.actionsDue',
} as const;
