import type { ActionType } from './action-status';
import type { ExecutionMode } from './execution-mode';

/** What a handler is told about the action it runs. */
export interface ActionToRun {
  id: number;
  idempotencyKey: string;
  type: ActionType;
  payload: Record<string, unknown>;
  /** 1 on the first attempt. */
  attempt: number;
}

export interface ActionRunContext {
  action: ActionToRun;
  mode: ExecutionMode;
  /**
   * Aborted when the attempt's time is up; a handler passes it to whatever it awaits. Made when
   * first read: a handler that awaits nothing abortable (a PROOF write) need not touch it.
   */
  signal: AbortSignal;
}

/** What a successful attempt leaves behind, for the action row and its log row. */
export interface ActionResult {
  /** Path of the artifact file relative to the artifact directory, and the file's SHA-256. */
  artifactRef: string | null;
  artifactSha256: string | null;
  /** What a REAL run created on the remote side (a post's id and address). */
  remoteId?: string | null;
  remoteUrl?: string | null;
}

/** What a look for an attempt's effect on the remote side found, and what it looked through. */
export interface RemoteLookup {
  /** The effect (a post) found, or null when it is not among what was checked. */
  found: { remoteId: string; remoteUrl: string | null } | null;
  /** What was searched, in words for the operator (e.g. "the 40 most recent statuses of @aol"). */
  checked: string;
}

/**
 * Runs one action type. Handlers are stateless; one is registered per ActionType, and
 * start-up fails if a type has none or two.
 */
export interface ActionHandler {
  readonly type: ActionType;
  /** Validates a payload at enqueue time and returns it normalised; throws AolError(BAD_USER_INPUT). */
  parsePayload(payload: unknown): Record<string, unknown>;
  /** Runs one attempt. Throws ActionFailure to say how it failed; anything else counts as retryable. */
  execute(context: ActionRunContext): Promise<ActionResult>;
  /**
   * Whether running an attempt again in this mode cannot repeat its effect. An attempt cut
   * short by a crash is re-run only if so; otherwise its action waits for an operator.
   */
  isIdempotent(mode: ExecutionMode): boolean;
  /**
   * Optional: looks for the effect of an attempt whose outcome is unknown (reconcileAction).
   * Null when this action cannot be looked up (no publisher that can search, say).
   */
  findRemoteEffect?(action: ActionToRun): Promise<RemoteLookup | null>;
}

export const ACTION_HANDLERS = Symbol('ACTION_HANDLERS');
