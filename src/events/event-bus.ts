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
  /**
   * For consumers inside the service: calls `listener` with each event of `topic` as it is
   * published here (or arrives from another instance), with no iterator and no promise per
   * event; a listener that throws is logged, never the publisher's failure. Returns the way to stop.
   */
  listen<T>(topic: string, listener: (payload: T) => void): () => void;
}

export const EVENT_BUS = Symbol('EVENT_BUS');

/** The topics AOL publishes, one per subscription. */
export const AolTopic = {
  TICK_COMPLETED: 'aol.tickCompleted',
  ACTION_UPDATED: 'aol.actionUpdated',
  CONTROL_FLAGS_CHANGED: 'aol.controlFlagsChanged',
  EXECUTION_LOGGED: 'aol.executionLogged',
  /** Internal: new actions are due now (the payload says how many); wakes the leader. */
  ACTIONS_DUE: 'aol.actionsDue',
} as const;
