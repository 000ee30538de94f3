import { BigIntType, Entity, Enum, Index, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { ActionStatus, ActionType } from '../actions/action-status';
import { ExecutionMode } from '../actions/execution-mode';

@Entity({ tableName: 'aol_actions' })
@Unique({ name: 'aol_actions_idempotency_key_unique', properties: ['idempotencyKey'] })
// Partial in the migrations: only rows that are not SUCCESS.
@Index({ name: 'aol_actions_status_id_idx', properties: ['status', 'id'] })
// Partial in the migrations: only rows with an error code.
@Index({ name: 'aol_actions_last_error_code_idx', properties: ['lastErrorCode', 'id'] })
export class ActionEntity {
  @PrimaryKey({ type: new BigIntType('number'), autoincrement: true })
  id!: number;

  @Property({ type: 'string', length: 200 })
  idempotencyKey!: string;

  @Property({ type: 'string', length: 40 })
  type!: ActionType;

  @Property({ type: 'json' })
  payload!: Record<string, unknown>;

  @Enum({ items: () => ActionStatus, type: 'string', length: 20 })
  status!: ActionStatus;

  @Property({ type: 'integer', default: 0 })
  attempts!: number;

  /** Attempts made before the current retry budget began (an operator's retry renews it). */
  @Property({ type: 'integer', default: 0 })
  attemptFloor!: number;

  /** Higher runs first among due actions. */
  @Property({ type: 'integer', default: 0 })
  priority!: number;

  @Property({ type: 'datetime' })
  runAfter!: Date;

  @Property({ type: 'string', length: 60, nullable: true })
  lastErrorCode?: string | null;

  @Property({ type: 'text', nullable: true })
  lastError?: string | null;

  @Property({ type: 'string', length: 200, nullable: true })
  claimedBy?: string | null;

  @Property({ type: new BigIntType('number'), nullable: true })
  claimEpoch?: number | null;

  /** The mode the last claim was made in: decides whether an abandoned attempt may run again. */
  @Enum({ items: () => ExecutionMode, type: 'string', nullable: true })
  claimMode?: ExecutionMode | null;

  /**
   * When the current attempt may have begun to take effect: written before a REAL attempt's
   * call (a PROOF attempt's at its claim, as it has no effect outside), cleared by each claim
   * and by a release. A RUNNING action without it was claimed but never started.
   */
  @Property({ type: 'datetime', nullable: true })
  startedAt?: Date | null;

  /** Retries in a row deferred to a remote side's reset time, sparing the retry budget (bounded). */
  @Property({ type: 'integer', default: 0 })
  deferrals!: number;

  /** Times a new leader found it RUNNING under a dead one and took it back. */
  @Property({ type: 'integer', default: 0 })
  rescues!: number;

  @Property({ type: 'string', length: 500, nullable: true })
  artifactRef?: string | null;

  @Property({ type: 'string', length: 64, nullable: true })
  artifactSha256?: string | null;

  /** The post a REAL run created: the network's id for it, and where people see it. */
  @Property({ type: 'string', length: 200, nullable: true })
  remoteId?: string | null;

  @Property({ type: 'string', length: 1000, nullable: true })
  remoteUrl?: string | null;

  /** Who enqueued it: the caller's role and optional name (e.g. "operator:planner"), or "cli". */
  @Property({ type: 'string', length: 200, nullable: true })
  enqueuedBy?: string | null;

  /** The approval it carries: who gave it, when, why, and the SHA-256 of the canonical payload it allows. */
  @Property({ type: 'string', length: 200, nullable: true })
  approvedBy?: string | null;

  @Property({ type: 'datetime', nullable: true })
  approvedAt?: Date | null;

  @Property({ type: 'text', nullable: true })
  approvalReason?: string | null;

  @Property({ type: 'string', length: 64, nullable: true })
  approvedPayloadSha256?: string | null;

  @Property({ type: 'datetime' })
  createdAt!: Date;

  @Property({ type: 'datetime' })
  updatedAt!: Date;

  @Property({ type: 'datetime', nullable: true })
  finishedAt?: Date | null;
}
