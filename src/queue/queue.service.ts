import { Inject, Injectable } from '@nestjs/common';
import { AolConfig, ApprovalPolicy } from '../config/aol-config';
import { SqlDatabase, SqlExecutor } from '../database/sql-database';
import { AolError, AolErrorCode } from '../errors/aol-error';
import { AolTopic, EVENT_BUS, EventBus } from '../events/event-bus';
import { ActionHandlerRegistry } from '../action-handlers/action-handler.registry';
import { fetchPage, Page, PageRequest } from '../database/pagination';
import type { LeaseFence } from '../lease/sql/lease-fence';
import { ExecutionMode } from '../actions/execution-mode';
import type { ActionEntity } from './action.entity';
import { ActionStatus, ActionType, INTERNAL_ACTION_TYPES } from '../actions/action-status';
import { canonicalJson, payloadSha256 } from '../audit/canonical-json';
import type { InsertClaimer } from './insert-claim';
import { ActionFilter, filtersByStatusOnly, QueueRepository } from './queue.repository';
import type { Claim } from './sql/claim-due';
import type { NewAction } from './sql/insert-actions';
import type { FinishedActions } from './sql/prune-finished-actions';
import type { FailureWrite } from './sql/record-failures';
import type { SuccessWrite } from './sql/record-successes';
import type { RecordedChange } from './sql/recorded-change';
import type { RescueWrite } from './sql/take-back';
import type { Hold, UnstartedClaim } from './sql/release-unstarted';
import type { BulkChange, BulkFilter } from './sql/bulk-change';
import { APPROVAL_EXEMPT_TYPES } from './sql/approval';
import { decideAfterFailure, RetryPolicy } from './retry-policy';

export interface EnqueueRequest {
  type: ActionType;
  idempotencyKey: string;
  payload: unknown;
  priority?: number | null;
  runAfter?: Date | null;
  /** Who asked: the caller's actor name, stored on the action. */
  enqueuedBy?: string | null;
  /** Set by AOL's own producers only (webhook dispatch): allows the INTERNAL_ACTION_TYPES. */
  internal?: boolean;
}

export interface EnqueueOutcome {
  created: boolean;
  action: ActionEntity;
}

export type QueueCounts = Record<ActionStatus, number>;

/** What a person decided about an action whose outcome was unknown. */
export enum ReviewOutcome {
  /** The post exists: SUCCESS, with its remote reference. */
  POSTED = 'POSTED',
  /** It does not: back to the queue (or to AWAITING_APPROVAL under the policy). */
  NOT_POSTED = 'NOT_POSTED',
}

export interface Resolution {
  outcome: ReviewOutcome;
  remoteId?: string | null;
  remoteUrl?: string | null;
}

const MAX_REMOTE_URL_LENGTH = 1000;
const MAX_REMOTE_ID_LENGTH = 200;

export interface FailureReport {
  code: string;
  message: string;
  retryable: boolean;
  /** When the remote side said to come back, if it did. */
  retryAt?: Date | null;
}

/** How one attempt ended: a result, or a failure. */
/** The writes that record a batch of attempts (see QueueService.planOutcomes). */
export interface OutcomePlan {
  successes: SuccessWrite[];
  failures: FailureWrite[];
  changedActions: (changes: readonly RecordedChange[]) => ActionEntity[];
}

export interface AttemptReport {
  action: ActionEntity;
  result?: Omit<SuccessWrite, 'id'> | null;
  failure?: FailureReport | null;
}

/** Printable ASCII without spaces: safe to log, to show, and to pass on as an HTTP header. */
const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,200}$/;
export const MAX_BATCH_SIZE = 1000;
export const MAX_PAYLOAD_BYTES = 16 * 1024;
export const MAX_PAYLOAD_DEPTH = 8;
export const PRIORITY_RANGE = { min: -1000, max: 1000 } as const;
const MAX_SCHEDULE_AHEAD_MS = 366 * 24 * 3600 * 1000;
/**
 * A NUL character in JSON text: `\u0000` after an even number of backslashes (an odd number
 * means the backslash itself was escaped). PostgreSQL's jsonb cannot hold one, so both
 * databases refuse it alike.
 */
const NUL_ESCAPE = /(?:^|[^\\])(?:\\\\)*\\u0000/;

/**
 * Whether a JSON value nests objects and arrays deeper than `limit`, with a stack of its own
 * rather than the call stack: a payload 5,000 levels deep (it fits in a WebSocket message)
 * overflowed a recursive walk, and JSON.stringify, into an internal error. Never looks below
 * the limit.
 */
function nestsDeeperThan(value: unknown, limit: number): boolean {
  const pending: Array<{ value: unknown; depth: number }> = [{ value, depth: 0 }];
  for (let item = pending.pop(); item; item = pending.pop()) {
    if (item.value === null || typeof item.value !== 'object') continue;
    const depth = item.depth + 1;
    if (depth > limit) return true;
    for (const child of Array.isArray(item.value) ? item.value : Object.values(item.value)) pending.push({ value: child, depth });
  }
  return false;
}

function isHttpUrl(text: string, maxLength: number): boolean {
  if (text.length > maxLength || !URL.canParse(text)) return false;
  const { protocol } = new URL(text);
  return protocol === 'http:' || protocol === 'https:';
}

/** The queue's facade: enqueueing, the action state machine, listing and counting. */
@Injectable()
export class QueueService {
  private readonly retryPolicy: RetryPolicy;
  private readonly approvalPolicy: ApprovalPolicy;

  constructor(
    private readonly repository: QueueRepository,
    private readonly db: SqlDatabase,
    private readonly handlers: ActionHandlerRegistry,
    @Inject(EVENT_BUS) private readonly events: EventBus,
    config: AolConfig,
  ) {
    this.retryPolicy = { maxRetries: config.maxRetries, baseSeconds: config.retryBaseSeconds, maxSeconds: config.retryMaxSeconds };
    this.approvalPolicy = config.approval;
  }

  /**
   * Adds an action, idempotent on its key: the same key with the same type and payload
   * returns the existing action (created: false); with a different one it is an
   * IDEMPOTENCY_CONFLICT and nothing changes.
   */
  async enqueue(request: EnqueueRequest): Promise<EnqueueOutcome> {
    const action = this.prepare(request);
    const inserted = await this.repository.insertOne(action);
    if (inserted) {
      // The wake-up first: the leader's claim then travels while the rest is done. An action
      // the leader claimed at its insert needs neither: its tick announces it before it starts.
      if (inserted.status !== ActionStatus.RUNNING) {
        await this.signalDue([inserted]);
        await this.announce(inserted);
      }
      return { created: true, action: inserted };
    }
    const [existing] = await this.repository.findByKeys([action.idempotencyKey]);
    if (!existing) throw new Error(`Action with key ${action.idempotencyKey} vanished between insert and read`);
    this.assertSameAction(existing, action);
    return { created: false, action: existing };
  }

  /**
   * Adds up to 1,000 actions in one statement, all or nothing: every input is validated
   * first, and one IDEMPOTENCY_CONFLICT rolls the whole batch back. Results come in input
   * order; a key given twice with the same content yields one action (created once).
   */
  async enqueueMany(requests: readonly EnqueueRequest[]): Promise<EnqueueOutcome[]> {
    if (requests.length > MAX_BATCH_SIZE) {
      throw new AolError(AolErrorCode.BAD_USER_INPUT, `At most ${MAX_BATCH_SIZE} actions per call (got ${requests.length})`);
    }
    const actions = requests.map((request, index) => this.prepare(request, index));
    const firstByKey = new Map<string, NewAction>();
    for (const action of actions) {
      const first = firstByKey.get(action.idempotencyKey);
      if (first) this.assertSameAction(first, action);
      else firstByKey.set(action.idempotencyKey, action);
    }
    const { outcomes, inserted } = await this.db.transaction(async (tx) => {
      const insertedRows = await this.repository.insertNew([...firstByKey.values()], tx);
      const byKey = new Map(insertedRows.map((row) => [row.idempotencyKey, row]));
      const existing = await this.repository.findByKeys(
        [...firstByKey.keys()].filter((key) => !byKey.has(key)),
        tx,
      );
      for (const row of existing) {
        this.assertSameAction(row, firstByKey.get(row.idempotencyKey)!);
        byKey.set(row.idempotencyKey, row);
      }
      const createdKeys = new Set(insertedRows.map((row) => row.idempotencyKey));
      return {
        inserted: insertedRows,
        outcomes: actions.map((action) => {
          const created = createdKeys.delete(action.idempotencyKey);
          return { created, action: byKey.get(action.idempotencyKey)! };
        }),
      };
    });
    await this.signalDue(inserted);
    await this.announceAll(inserted);
    return outcomes;
  }

  /** Lets the leader claim what single enqueues add, in their insert (QueueRepository.claimAtInsertWith). */
  claimAtInsertWith(claimer: InsertClaimer): void {
    this.repository.claimAtInsertWith(claimer);
  }

  async getAction(id: number): Promise<ActionEntity> {
    const action = await this.repository.findById(id);
    if (!action) throw new AolError(AolErrorCode.NOT_FOUND, `No action with id ${id}`);
    return action;
  }

  async listActions(filter: ActionFilter, page: PageRequest): Promise<Page<ActionEntity>> {
    return fetchPage(page, (limit) => this.repository.list(filter, page, limit));
  }

  /** How many actions the filter keeps: from the trigger-kept counts per status when it filters by status only, else one COUNT. */
  async countActions(filter: ActionFilter): Promise<number> {
    if (!filtersByStatusOnly(filter)) return this.repository.count(filter);
    const byStatus = await this.repository.countByStatus();
    return filter.status ? (byStatus.get(filter.status) ?? 0) : [...byStatus.values()].reduce((sum, n) => sum + n, 0);
  }

  /** Cancels an action that is neither running nor finished; anything else is INVALID_STATE. */
  async cancel(id: number, executor?: SqlExecutor): Promise<ActionEntity> {
    return (
      (await this.repository.cancel(id, executor)) ??
      this.refuse(id, 'cancelled', 'PENDING, RETRY, AWAITING_APPROVAL, NEEDS_REVIEW or DLQ', executor)
    );
  }

  /**
   * Approves an AWAITING_APPROVAL action for the payload it has now: the approval records who
   * and why, and binds to the SHA-256 of the canonical payload read here, in the caller's
   * transaction. The tick runs it only while its payload still has that hash.
   */
  async approve(id: number, actor: string, reason: string, tx: SqlExecutor): Promise<ActionEntity> {
    const [action] = await this.repository.findByIds([id], tx);
    if (!action) throw new AolError(AolErrorCode.NOT_FOUND, `No action with id ${id}`);
    const approval = { id, actor, reason, payloadSha256: payloadSha256(action.payload) };
    return (await this.repository.approve(approval, tx)) ?? this.refuse(id, 'approved', 'AWAITING_APPROVAL', tx);
  }

  /** Ends an AWAITING_APPROVAL action as REJECTED. */
  async reject(id: number, actor: string, reason: string, tx: SqlExecutor): Promise<ActionEntity> {
    return (await this.repository.reject(id, actor, reason, tx)) ?? this.refuse(id, 'rejected', 'AWAITING_APPROVAL', tx);
  }

  /**
   * Settles a NEEDS_REVIEW action by what a person (or a look-up) found, without a new attempt:
   * POSTED → SUCCESS with the remote reference; NOT_POSTED → PENDING with a fresh retry budget
   * (AWAITING_APPROVAL instead when the policy wants an approval it does not carry).
   */
  async resolve(id: number, resolution: Resolution, tx: SqlExecutor): Promise<ActionEntity> {
    const remoteUrl = resolution.remoteUrl ?? null;
    const remoteId = resolution.remoteId ?? null;
    if (resolution.outcome === ReviewOutcome.NOT_POSTED) {
      if (remoteUrl !== null || remoteId !== null) {
        throw new AolError(AolErrorCode.BAD_USER_INPUT, 'remoteUrl and remoteId go with outcome POSTED only');
      }
      return (await this.repository.resolveNotPosted(id, tx)) ?? this.refuse(id, 'resolved', 'NEEDS_REVIEW', tx);
    }
    if (remoteUrl !== null && !isHttpUrl(remoteUrl, MAX_REMOTE_URL_LENGTH)) {
      throw new AolError(
        AolErrorCode.BAD_USER_INPUT,
        `remoteUrl must be an http(s) address of at most ${MAX_REMOTE_URL_LENGTH} characters`,
      );
    }
    if (remoteId !== null && (remoteId.length === 0 || remoteId.length > MAX_REMOTE_ID_LENGTH)) {
      throw new AolError(AolErrorCode.BAD_USER_INPUT, `remoteId must be 1 to ${MAX_REMOTE_ID_LENGTH} characters`);
    }
    return (await this.repository.resolvePosted(id, { remoteId, remoteUrl }, tx)) ?? this.refuse(id, 'resolved', 'NEEDS_REVIEW', tx);
  }

  /** Whether AOL_APPROVAL wants an approval before an action runs in this mode. */
  approvalRequired(mode: ExecutionMode): boolean {
    return this.approvalPolicy === 'all' || (this.approvalPolicy === 'real' && mode === ExecutionMode.REAL);
  }

  /**
   * The claimed actions that may run in this mode: when the policy wants an approval, those
   * without one that matches their payload now go back to AWAITING_APPROVAL in one statement,
   * without counting an attempt (a stale approval is dropped and reported as APPROVAL_STALE).
   */
  async admitApproved(claimed: ActionEntity[], fence: LeaseFence, mode: ExecutionMode): Promise<ActionEntity[]> {
    if (!this.approvalRequired(mode)) return claimed;
    const held = new Set(
      claimed
        .filter((action) => !APPROVAL_EXEMPT_TYPES.has(action.type) && action.approvedPayloadSha256 !== payloadSha256(action.payload))
        .map((action) => action.id),
    );
    if (held.size === 0) return claimed;
    await this.announceAll(await this.repository.holdForApproval([...held], fence));
    return claimed.filter((action) => !held.has(action.id));
  }

  /** Sends a DLQ or NEEDS_REVIEW action back to the queue with a fresh retry budget. */
  async retry(id: number, executor?: SqlExecutor): Promise<ActionEntity> {
    return (await this.repository.requeue(id, executor)) ?? this.refuse(id, 'retried', 'DLQ or NEEDS_REVIEW', executor);
  }

  /**
   * Retries or cancels the next `limit` actions of `filter` after id `afterId`, in id order, in
   * one statement inside the caller's transaction; returns the ids changed.
   */
  async changeMatching(change: BulkChange, filter: BulkFilter, afterId: number, limit: number, tx: SqlExecutor): Promise<number[]> {
    return this.repository.changeMatching(change, filter, afterId, limit, tx);
  }

  async countMatching(filter: BulkFilter): Promise<number> {
    return this.repository.countMatching(filter);
  }

  async counts(): Promise<QueueCounts> {
    return toQueueCounts(await this.repository.countByStatus());
  }

  async oldestDueAgeSeconds(): Promise<number | null> {
    return this.repository.oldestDueAgeSeconds();
  }

  /** Claims a batch of due actions (queue/sql/claim-due.ts) and tells the subscribers. */
  async claimDue(claim: Claim): Promise<ActionEntity[]> {
    const claimed = await this.repository.claimDue(claim);
    await this.announceAll(claimed);
    return claimed;
  }

  /**
   * Records how a batch of attempts ended, in at most two statements inside the caller's
   * transaction (the attempts' log rows go in the same one): see planOutcomes. Returns the rows
   * changed, to announce once committed; an attempt missing from them was fenced off (this
   * leader is stale) or already recorded.
   */
  async recordOutcomes(reports: readonly AttemptReport[], fence: LeaseFence, tx: SqlExecutor): Promise<ActionEntity[]> {
    const plan = this.planOutcomes(reports);
    return plan.changedActions(await this.repository.recordAttempts(plan.successes, plan.failures, fence, tx));
  }

  /**
   * The writes that record how a batch of attempts ended: successes, and failures — RETRY with
   * exponential backoff while the budget lasts and the failure is retryable, DLQ otherwise —
   * for queue/sql/record-successes.ts and record-failures.ts, run by recordOutcomes or within a
   * larger statement; `changedActions` turns what they changed into the actions as they now are.
   */
  planOutcomes(reports: readonly AttemptReport[]): OutcomePlan {
    const successes: SuccessWrite[] = [];
    const failures: FailureWrite[] = [];
    const byId = new Map<number, AttemptReport>();
    const spared = new Set<number>();
    for (const report of reports) {
      const { action, result, failure } = report;
      byId.set(action.id, report);
      if (result) {
        successes.push({ id: action.id, ...result });
      } else if (failure) {
        const retryAt = failure.retryAt ?? null;
        const decision = decideAfterFailure(
          {
            attempts: action.attempts - action.attemptFloor,
            retryable: failure.retryable,
            retryInSeconds: retryAt && (retryAt.getTime() - Date.now()) / 1000,
            deferrals: action.deferrals,
          },
          this.retryPolicy,
        );
        if (decision.spareBudget) spared.add(action.id);
        failures.push({
          id: action.id,
          status: decision.status,
          delaySeconds: decision.delaySeconds,
          errorCode: failure.code,
          error: failure.message,
          spareBudget: decision.spareBudget,
        });
      }
    }
    // The rows are rebuilt from what was claimed and written, plus the database's times: no
    // need to read every column of a large batch back.
    const changedActions = (changes: readonly RecordedChange[]) =>
      changes.map((change) => {
        const { action, result, failure } = byId.get(change.id)!;
        const written = result
          ? {
              artifactRef: result.artifactRef,
              artifactSha256: result.artifactSha256,
              remoteId: result.remoteId ?? null,
              remoteUrl: result.remoteUrl ?? null,
              lastErrorCode: null,
              lastError: null,
            }
          : {
              lastErrorCode: failure!.code,
              lastError: failure!.message,
              attemptFloor: action.attemptFloor + (spared.has(action.id) ? 1 : 0),
              deferrals: spared.has(action.id) ? action.deferrals + 1 : 0,
            };
        return { ...action, ...written, ...change };
      });
    return { successes, failures, changedActions };
  }

  async findByIds(ids: readonly number[], executor?: SqlExecutor): Promise<ActionEntity[]> {
    return this.repository.findByIds(ids, executor);
  }

  /** Actions now in one of `statuses` changed after `since`, WEBHOOK ones left out: a page of up to `limit` after id `afterId`. */
  async findChangedSince(since: Date, statuses: readonly ActionStatus[], afterId: number, limit: number): Promise<ActionEntity[]> {
    return this.repository.findChangedSince(since, statuses, afterId, limit);
  }

  /**
   * Marks claimed attempts as started, durably, before any of them is called (one statement);
   * returns the ids marked: one missing was fenced off and must not start.
   */
  async markStarted(ids: readonly number[], fence: LeaseFence): Promise<Set<number>> {
    return this.repository.markStarted(ids, fence);
  }

  /** Returns claimed actions that never started to the queue, as they were or held (see Hold); returns those it could. */
  async releaseUnstarted(ids: readonly number[], fence: LeaseFence, which: UnstartedClaim, hold?: Hold): Promise<ActionEntity[]> {
    const released = await this.repository.releaseUnstarted(ids, fence, which, hold);
    await this.announceAll(released);
    return released;
  }

  /**
   * Finished actions (SUCCESS, CANCELLED) whose last change is older than the given days and
   * that no control event names, up to `limit` after the cursor, locked for `tx` to delete.
   */
  async selectFinished(finished: FinishedActions, tx: SqlExecutor): Promise<number[]> {
    return this.repository.selectFinished(finished, tx);
  }

  /** Deletes selected finished actions (still finished and old) in `tx`; their log rows must go first. */
  async deleteFinished(
    ids: readonly number[],
    olderThanDays: number,
    tx: SqlExecutor,
  ): Promise<Array<{ id: number; artifactRef: string | null }>> {
    return this.repository.deleteFinished(ids, olderThanDays, tx);
  }

  async findRunning(): Promise<ActionEntity[]> {
    return this.repository.findRunning();
  }

  /** Takes back actions left RUNNING by a leader that is gone (see RescueService), in the caller's transaction. */
  async takeBack(ids: readonly number[], fence: LeaseFence, outcome: RescueWrite, tx: SqlExecutor): Promise<ActionEntity[]> {
    return this.repository.takeBack(ids, fence, outcome, tx);
  }

  /** Tells the subscribers that an action changed (call after the change is committed). */
  async announce(action: ActionEntity): Promise<void> {
    await this.events.publish(AolTopic.ACTION_UPDATED, action);
  }

  /** One small event per enqueue call with actions due now (by the database's clock: due at their insert), for whoever wakes the leader. */
  private async signalDue(created: readonly ActionEntity[]): Promise<void> {
    const due = created.filter((action) => action.runAfter.getTime() <= action.createdAt.getTime()).length;
    if (due > 0) await this.events.publish(AolTopic.ACTIONS_DUE, { count: due });
  }

  /** Tells the subscribers about changed actions (call once the change is committed). */
  async announceAll(actions: readonly ActionEntity[]): Promise<void> {
    await Promise.all(actions.map((action) => this.announce(action)));
  }

  private async refuse(id: number, verb: string, allowed: string, executor?: SqlExecutor): Promise<never> {
    const [action] = await this.repository.findByIds([id], executor);
    if (!action) throw new AolError(AolErrorCode.NOT_FOUND, `No action with id ${id}`);
    throw new AolError(AolErrorCode.INVALID_STATE, `Action ${id} is ${action.status}; only ${allowed} actions can be ${verb}`, {
      status: action.status,
    });
  }

  /**
   * Checks one enqueue request (the `index`-th of a batch, if in one: its refusals say so) and
   * returns it ready to insert; every refusal is BAD_USER_INPUT.
   */
  private prepare(request: EnqueueRequest, index?: number): NewAction {
    const prefixed = (message: string) => (index === undefined ? message : `inputs[${index}]: ${message}`);
    const refuse = (problem: string): never => {
      throw new AolError(AolErrorCode.BAD_USER_INPUT, prefixed(problem));
    };
    if (INTERNAL_ACTION_TYPES.has(request.type) && !request.internal) {
      refuse(`${request.type} actions are made by AOL for its webhook subscriptions (createWebhook), not enqueued`);
    }
    if (!IDEMPOTENCY_KEY_PATTERN.test(request.idempotencyKey))
      refuse('idempotencyKey must be 1 to 200 printable ASCII characters without spaces');
    // Depth first: JSON.stringify recurses.
    if (nestsDeeperThan(request.payload, MAX_PAYLOAD_DEPTH)) refuse(`payload nests deeper than ${MAX_PAYLOAD_DEPTH} levels`);
    const json = JSON.stringify(request.payload ?? null);
    const bytes = Buffer.byteLength(json);
    if (bytes > MAX_PAYLOAD_BYTES) refuse(`payload is ${bytes} bytes of JSON; the limit is ${MAX_PAYLOAD_BYTES}`);
    if (json.includes('\\u0000') && NUL_ESCAPE.test(json)) refuse('payload contains a NUL character (\\u0000), which cannot be stored');
    const priority = request.priority ?? 0;
    if (!Number.isInteger(priority) || priority < PRIORITY_RANGE.min || priority > PRIORITY_RANGE.max) {
      refuse(`priority must be an integer from ${PRIORITY_RANGE.min} to ${PRIORITY_RANGE.max}`);
    }
    const runAfter = request.runAfter ?? null;
    if (runAfter && (Number.isNaN(runAfter.getTime()) || runAfter.getTime() > Date.now() + MAX_SCHEDULE_AHEAD_MS)) {
      refuse('runAfter must be a valid time at most a year ahead');
    }
    let payload: Record<string, unknown>;
    try {
      payload = this.handlers.parsePayload(request.type, request.payload);
    } catch (error) {
      if (error instanceof AolError) throw new AolError(error.code, prefixed(error.message), error.details);
      throw error;
    }
    return {
      idempotencyKey: request.idempotencyKey,
      type: request.type,
      payload,
      priority,
      runAfter,
      enqueuedBy: request.enqueuedBy ?? null,
    };
  }

  /** Same key, same meaning: type and payload must match, or it is an IDEMPOTENCY_CONFLICT. */
  private assertSameAction(existing: Pick<NewAction, 'idempotencyKey' | 'type' | 'payload'> & { id?: number }, requested: NewAction): void {
    if (existing.type === requested.type && canonicalJson(existing.payload) === canonicalJson(requested.payload)) return;
    throw new AolError(
      AolErrorCode.IDEMPOTENCY_CONFLICT,
      `An action with idempotency key "${requested.idempotencyKey}" already exists with a different type or payload`,
      existing.id === undefined ? {} : { actionId: String(existing.id) },
    );
  }
}

/** Every status with its count (0 for a status with no row). */
export function toQueueCounts(byStatus: ReadonlyMap<string, number>): QueueCounts {
  return Object.fromEntries(Object.values(ActionStatus).map((status) => [status, byStatus.get(status) ?? 0])) as QueueCounts;
}
