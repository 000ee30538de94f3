import { BigIntType, Entity, Enum, PrimaryKey, Property } from '@mikro-orm/core';

export enum ControlEventKind {
  PAUSE = 'PAUSE',
  RESUME = 'RESUME',
  KILL = 'KILL',
  REVIVE = 'REVIVE',
  SET_PROOF_MODE = 'SET_PROOF_MODE',
  CANCEL_ACTION = 'CANCEL_ACTION',
  RETRY_ACTION = 'RETRY_ACTION',
  APPROVE_ACTION = 'APPROVE_ACTION',
  REJECT_ACTION = 'REJECT_ACTION',
  /** An unknown outcome settled by a person (or by reconcileAction's look-up): POSTED or NOT_POSTED. */
  RESOLVE_ACTION = 'RESOLVE_ACTION',
}

/**
 * One operator intervention, who made it and why. Rows are only ever inserted; a bulk change's
 * details alone are brought up to date as its batches commit.
 */
@Entity({ tableName: 'aol_control_events' })
export class ControlEventEntity {
  @PrimaryKey({ type: new BigIntType('number'), autoincrement: true })
  id!: number;

  @Enum({ items: () => ControlEventKind, type: 'string' })
  kind!: ControlEventKind;

  @Property({ type: 'string', length: 200 })
  actor!: string;

  @Property({ type: 'text' })
  reason!: string;

  /** The action it concerned (cancel, retry, approve, reject, resolve); null for switchboard changes and bulk ones. */
  @Property({ type: new BigIntType('number'), nullable: true })
  actionId?: number | null;

  /** What changed, e.g. {"proofMode": false}. */
  @Property({ type: 'json', nullable: true })
  details?: Record<string, unknown> | null;

  @Property({ type: 'datetime' })
  createdAt!: Date;
}
