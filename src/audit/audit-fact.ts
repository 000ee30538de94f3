import { createHash } from 'node:crypto';
import type { SqlDialect } from '../database/sql-dialect';
import { payloadSha256 } from './canonical-json';

/** What an entry of the audit chain records. */
export enum AuditKind {
  /** One attempt's aol_execution_logs row (subject: the log row). Chains written before ATTEMPT_BATCH hold these. */
  ATTEMPT = 'ATTEMPT',
  /**
   * The aol_execution_logs rows one recording inserted, in the order of their ids: one entry per
   * ATTEMPT_BATCH_ATTEMPTS attempts, not one per attempt (subject and action: the log row and
   * its action when it is alone, else none).
   */
  ATTEMPT_BATCH = 'ATTEMPT_BATCH',
  /** One aol_control_events row as inserted (subject: the event). */
  CONTROL = 'CONTROL',
  /** A bulk change's event brought up to date (subject: the event): the event as it now reads. */
  CONTROL_UPDATE = 'CONTROL_UPDATE',
  /** One new aol_actions row: who enqueued what (subject: the action). Chains written before ENQUEUE_BATCH hold these. */
  ENQUEUE = 'ENQUEUE',
  /**
   * The aol_actions rows one insert added (an enqueue call, or single enqueues that shared its
   * statement): who enqueued what, action by action. One entry per insert of up to
   * ENQUEUE_BATCH_ACTIONS actions, not one per action (no subject; the action when it is alone).
   */
  ENQUEUE_BATCH = 'ENQUEUE_BATCH',
  /** Retention's checkpoint: the finished actions (and their log rows) it removes. */
  RETENTION = 'RETENTION',
}

/** The hash every chain starts from. */
export const GENESIS_SHA256 = '0'.repeat(64);

/** A fact to append: its kind, the row it is about, and its content (made canonical JSON). */
export interface AuditFact {
  kind: AuditKind;
  subjectId: number | null;
  actionId: number | null;
  content: Record<string, unknown>;
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** An entry's hash: SHA-256 of the previous entry's hash (hex) followed by this entry's canonical content. */
export function entrySha256(prevSha256: string, content: string): string {
  return sha256Hex(prevSha256 + content);
}

/** One attempt's log row, as the chain records it. */
export interface AttemptFactRow {
  id: number;
  actionId: number;
  tickId?: number | null;
  attempt: number;
  mode: string;
  outcome: string;
  startedAt: Date;
  durationMs: number;
  artifactRef?: string | null;
  artifactSha256?: string | null;
  errorCode?: string | null;
  error?: string | null;
}

export function attemptFact(log: AttemptFactRow): AuditFact {
  return {
    kind: AuditKind.ATTEMPT,
    subjectId: log.id,
    actionId: log.actionId,
    content: {
      logId: log.id,
      actionId: log.actionId,
      tickId: log.tickId ?? null,
      attempt: log.attempt,
      mode: log.mode,
      outcome: log.outcome,
      startedAt: log.startedAt.toISOString(),
      durationMs: log.durationMs,
      artifactRef: log.artifactRef ?? null,
      artifactSha256: log.artifactSha256 ?? null,
      errorCode: log.errorCode ?? null,
      error: log.error ?? null,
    },
  };
}

/**
 * Attempts one ATTEMPT_BATCH entry names at most: about 40 KB of content, so that a page of the
 * chain stays a few megabytes, as ENQUEUE_BATCH_ACTIONS keeps it. A recording of 1,000 attempts
 * appends 10 entries, not 1,000: the no-op drain ran about a fifth faster (BENCHMARKS.md).
 */
export const ATTEMPT_BATCH_ATTEMPTS = 100;

/** The fixed text of an ATTEMPT_BATCH entry's canonical content: `{"attempts":[`, the attempts' contents joined by commas, `]}`. */
export const BATCHED_ATTEMPTS = { batchStart: '{"attempts":[', batchEnd: ']}' } as const;

/** The entries of log rows one recording inserted, in the order of their ids: one per ATTEMPT_BATCH_ATTEMPTS. */
export function attemptBatchFacts(logs: readonly AttemptFactRow[]): AuditFact[] {
  const ordered = [...logs].sort((a, b) => a.id - b.id);
  const facts: AuditFact[] = [];
  for (let start = 0; start < ordered.length; start += ATTEMPT_BATCH_ATTEMPTS) {
    const batch = ordered.slice(start, start + ATTEMPT_BATCH_ATTEMPTS);
    const alone = batch.length === 1 ? batch[0] : null;
    facts.push({
      kind: AuditKind.ATTEMPT_BATCH,
      subjectId: alone ? alone.id : null,
      actionId: alone ? alone.actionId : null,
      content: { attempts: batch.map((log) => attemptFact(log).content) },
    });
  }
  return facts;
}

/** One control event's row, as the chain records it. */
export interface ControlFactRow {
  id: number;
  kind: string;
  actor: string;
  reason: string;
  actionId: number | null;
  details: Record<string, unknown> | null;
  createdAt: Date;
}

export function controlFact(event: ControlFactRow, kind: AuditKind.CONTROL | AuditKind.CONTROL_UPDATE = AuditKind.CONTROL): AuditFact {
  return {
    kind,
    subjectId: event.id,
    actionId: event.actionId,
    content: {
      eventId: event.id,
      kind: event.kind,
      actor: event.actor,
      reason: event.reason,
      actionId: event.actionId,
      details: event.details,
      createdAt: event.createdAt.toISOString(),
    },
  };
}

/** One new action, as the chain records it: the payload by its SHA-256 (canonical JSON). */
export interface EnqueueFactRow {
  id: number;
  idempotencyKey: string;
  type: string;
  priority: number;
  enqueuedBy?: string | null;
  payload: unknown;
  createdAt: Date;
}

/** What the chain records of one new action: its payload by SHA-256 (canonical JSON). */
export function enqueuedAction(action: EnqueueFactRow): Record<string, unknown> {
  return {
    actionId: action.id,
    idempotencyKey: action.idempotencyKey,
    type: action.type,
    priority: action.priority,
    enqueuedBy: action.enqueuedBy ?? null,
    payloadSha256: payloadSha256(action.payload),
    createdAt: action.createdAt.toISOString(),
  };
}

/**
 * Actions one ENQUEUE_BATCH entry names at most: about 24 KB of content, so that a page of the
 * chain (verify, export, `auditChain`) stays a few megabytes whatever was enqueued.
 */
export const ENQUEUE_BATCH_ACTIONS = 100;

/**
 * The fixed text of an ENQUEUE_BATCH entry's canonical content around what only the insert
 * knows, for PostgreSQL to write it in the insert's own statement (sql/append-entries.ts):
 * `{"actions":[` then, per action, `{"actionId":` id `,"createdAt":"` time `"` tail, joined by
 * commas, then `]}`. Canonical key order puts actionId and createdAt first.
 */
export const ENQUEUED_ACTION = { batchStart: '{"actions":[', id: '{"actionId":', createdAt: ',"createdAt":"', batchEnd: ']}' } as const;

/**
 * An enqueued action's canonical content after its id and time (see ENQUEUED_ACTION):
 * `,"enqueuedBy":…}`, the rest of what enqueuedAction records in canonical key order. Written
 * directly rather than through canonicalJson: 2.0–2.4 ms for 1,000 actions, most of it their
 * payloads' hashes, against 10.8–11.3 ms (audit-fact.spec.ts holds the two to the same text).
 */
export function enqueuedActionTail(action: Omit<EnqueueFactRow, 'id' | 'createdAt'>): string {
  return (
    `,"enqueuedBy":${JSON.stringify(action.enqueuedBy ?? null)},"idempotencyKey":${JSON.stringify(action.idempotencyKey)}` +
    `,"payloadSha256":"${payloadSha256(action.payload)}","priority":${JSON.stringify(action.priority)},"type":${JSON.stringify(action.type)}}`
  );
}

/** The entries of the actions an insert added, in the order it returned them: one per ENQUEUE_BATCH_ACTIONS. */
export function enqueueBatchFacts(actions: readonly EnqueueFactRow[]): AuditFact[] {
  const facts: AuditFact[] = [];
  for (let start = 0; start < actions.length; start += ENQUEUE_BATCH_ACTIONS) {
    const batch = actions.slice(start, start + ENQUEUE_BATCH_ACTIONS);
    facts.push({
      kind: AuditKind.ENQUEUE_BATCH,
      subjectId: null,
      actionId: batch.length === 1 ? batch[0].id : null,
      content: { actions: batch.map(enqueuedAction) },
    });
  }
  return facts;
}

/**
 * Retention's checkpoint, appended before anything goes: which finished actions it deletes, with
 * how many log rows, and the head the chain ends on as they go (an export up to that entry holds
 * every entry about them).
 */
export function retentionFact(
  removal: { actionIds: readonly number[]; logRows: number },
  head: { id: number; entrySha256: string },
): AuditFact {
  return {
    kind: AuditKind.RETENTION,
    subjectId: null,
    actionId: null,
    content: { removedActionIds: [...removal.actionIds], logRows: removal.logRows, headId: head.id, headSha256: head.entrySha256 },
  };
}

/** The fact a row of aol_execution_logs, aol_control_events or aol_actions states now (read raw, by column name). */
export function factOfRow(d: SqlDialect, kind: string, row: Record<string, unknown>): AuditFact {
  switch (kind) {
    case AuditKind.ATTEMPT:
      return attemptFact(attemptRowOf(d, row));
    case AuditKind.ENQUEUE:
      return {
        kind: AuditKind.ENQUEUE,
        subjectId: Number(row.id),
        actionId: Number(row.id),
        content: enqueuedAction(enqueueRowOf(d, row)),
      };
    default:
      return controlFact(
        {
          id: Number(row.id),
          kind: row.kind as string,
          actor: row.actor as string,
          reason: row.reason as string,
          actionId: numberOrNull(row.action_id),
          details: row.details === null ? null : d.toJson(row.details),
          createdAt: d.toDate(row.created_at),
        },
        kind as AuditKind.CONTROL,
      );
  }
}

const numberOrNull = (value: unknown) => (value === null || value === undefined ? null : Number(value));

/** An aol_execution_logs row (read raw, by column name) as its attempt's entry records it. */
export function attemptRowOf(d: SqlDialect, row: Record<string, unknown>): AttemptFactRow {
  return {
    id: Number(row.id),
    actionId: Number(row.action_id),
    tickId: numberOrNull(row.tick_id),
    attempt: Number(row.attempt),
    mode: row.mode as string,
    outcome: row.outcome as string,
    startedAt: d.toDate(row.started_at),
    durationMs: Number(row.duration_ms),
    artifactRef: (row.artifact_ref as string | null) ?? null,
    artifactSha256: (row.artifact_sha256 as string | null) ?? null,
    errorCode: (row.error_code as string | null) ?? null,
    error: (row.error as string | null) ?? null,
  };
}

/** An aol_actions row (read raw, by column name) as its enqueue recorded it. */
export function enqueueRowOf(d: SqlDialect, row: Record<string, unknown>): EnqueueFactRow {
  return {
    id: Number(row.id),
    idempotencyKey: row.idempotency_key as string,
    type: row.type as string,
    priority: Number(row.priority),
    enqueuedBy: (row.enqueued_by as string | null) ?? null,
    payload: d.toJson(row.payload),
    createdAt: d.toDate(row.created_at),
  };
}
