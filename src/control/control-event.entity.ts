import { BigIntType, Entity, Enum, PrimaryKey, Property } from '@mikro-orm/core';

export enum ControlEventKind {
  PAUSE = 'PAUSE',
  RESUME = 'RESUME',
  KILL = 'KILL',
  REVIVE = 'REVIVE',
  SET_PROOF_MODE = 'SET_PROOF_MODE',
  CANCEL_ACTION = 'CANCEL_ACTION',
  RETRY_ACTION = 'RETRY_ACTION',
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

  /** The action it concerned (cancel, retry); null for switchboard changes and bulk ones. */
  @Property({ type: new BigIntType('number'), nullable: true })
  actionId?: number | null;

  /** What changed, e.g. {"proofMode": false}. */
  @Property({ type: 'json', nullable: true })
  details?: Record<string, unknown> | null;

  @Property({ type: 'datetime' })
  createdAt!: Date;
}
