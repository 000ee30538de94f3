/** A failed attempt, with a machine-readable code and whether trying again could help. */
export class ActionFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly retryable: boolean,
    /** When the remote side said to come back (a 429's reset time): the retry is due then, sparing the budget. */
    readonly retryAt: Date | null = null,
  ) {
    // The message is recorded on the action and its log row, and PostgreSQL's text cannot hold
    // a NUL character: one in a remote server's error text would otherwise fail the recording.
    super(message.replaceAll('\u0000', '\uFFFD'));
    this.name = 'ActionFailure';
  }

  static from(error: unknown): ActionFailure {
    if (error instanceof ActionFailure) return error;
    const message = error instanceof Error ? error.message : String(error);
    return new ActionFailure('ACTION_FAILED', message, true);
  }
}
